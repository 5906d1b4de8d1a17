import type { Metadata } from "next";
import { AuditArchiveForm } from "@/components/audit-archive-form";
import { AuditTabs } from "@/components/audit-tabs";
import { PageHeader } from "@/components/ui";
import { archiveDir, listArchives } from "@/lib/audit/archive";
import { can } from "@/lib/auth/permissions";
import { requireUser } from "@/lib/auth/session";

export const metadata: Metadata = { title: "Audit archives" };

export default async function AuditArchivePage() {
  const user = await requireUser();
  const archives = await listArchives();
  const canArchive = can(user.role, "audit.archive");
  return (
    <>
      <PageHeader title="Audit log">
        Retention: old events move to JSON Lines files; each archive leaves an anchor (the hash of its last event) from which the rest of the chain
        still verifies. Archiving is itself recorded in the log.
      </PageHeader>
      <AuditTabs active="archive" showVerify={can(user.role, "audit.verify")} />
      {archives.length === 0 ? (
        <p className="mb-6 rounded-lg border border-dashed border-slate-300 bg-white p-6 text-center text-sm text-slate-600">Nothing has been archived: the database holds the whole log.</p>
      ) : (
        <div className="mb-6 overflow-x-auto rounded-lg border border-slate-200 bg-white">
          <table className="w-full text-left text-sm">
            <thead className="border-b border-slate-200 bg-slate-50 text-xs uppercase text-slate-600">
              <tr>
                <th className="px-4 py-2">Events</th>
                <th className="hidden px-4 py-2 md:table-cell">File</th>
                <th className="hidden px-4 py-2 lg:table-cell">Anchor hash</th>
                <th className="hidden px-4 py-2 sm:table-cell">By</th>
                <th className="px-4 py-2">When</th>
              </tr>
            </thead>
            <tbody>
              {archives.map((a) => (
                <tr key={a.id} className="border-b border-slate-100 last:border-0" data-testid="archive-row">
                  <td className="px-4 py-2">
                    {a.eventCount} through #{a.throughSeq}
                  </td>
                  <td className="hidden px-4 py-2 font-mono text-xs md:table-cell">{a.fileName}</td>
                  <td className="hidden break-all px-4 py-2 font-mono text-xs lg:table-cell">{a.lastHash}</td>
                  <td className="hidden px-4 py-2 sm:table-cell">{a.createdByEmail}</td>
                  <td className="whitespace-nowrap px-4 py-2 text-xs">{a.createdAt.toISOString().replace("T", " ").slice(0, 19)} UTC</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {canArchive ? (
        <>
          <h2 className="mb-2 text-lg font-semibold">Archive old events</h2>
          <p className="mb-3 text-sm text-slate-600">
            Files are written to <code className="rounded bg-slate-100 px-1">{archiveDir()}</code> (set <code className="rounded bg-slate-100 px-1">PALISADE_AUDIT_ARCHIVE_DIR</code> to
            change it). Copy them somewhere safe: they are the only record of the archived events. <code className="rounded bg-slate-100 px-1">npm run audit:verify -- &lt;file&gt;</code> checks one.
          </p>
          <AuditArchiveForm />
        </>
      ) : (
        <p className="text-sm text-slate-600">Only an admin can archive events.</p>
      )}
    </>
  );
}
