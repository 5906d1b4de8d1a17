import type { Metadata } from "next";
import Link from "next/link";
import { PageHeader } from "@/components/ui";
import { requireUser } from "@/lib/auth/session";
import { AuditListParamsSchema, listAuditEvents } from "@/lib/audit/queries";

export const metadata: Metadata = { title: "Audit log" };

function fmt(d: Date) {
  return d.toISOString().replace("T", " ").slice(0, 19) + " UTC";
}

export default async function AuditPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  await requireUser();
  const p = AuditListParamsSchema.parse(await searchParams);
  const { rows, nextBefore } = await listAuditEvents(p);
  const base = p.vhost ? `/audit?vhost=${p.vhost}` : "/audit";
  const sep = p.vhost ? "&" : "?";

  return (
    <>
      <PageHeader title="Audit log">
        Every change, newest first, with who made it and what it was before and after.
        {p.vhost && (
          <>
            {" "}Showing one virtual host. <Link href="/audit" className="text-blue-700 hover:underline">Show all</Link>.
          </>
        )}
      </PageHeader>
      {rows.length === 0 ? (
        <div className="rounded-lg border border-dashed border-slate-300 bg-white p-10 text-center text-sm text-slate-600">
          {p.before ? "No older events." : "No events yet: changes appear here as soon as someone makes them."}
        </div>
      ) : (
        <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white">
          <table className="w-full text-left text-sm">
            <thead className="border-b border-slate-200 bg-slate-50 text-xs uppercase text-slate-600">
              <tr>
                <th className="px-4 py-2">#</th>
                <th className="px-4 py-2">Time</th>
                <th className="px-4 py-2">Actor</th>
                <th className="px-4 py-2">Action</th>
                <th className="px-4 py-2">Entity</th>
                <th className="px-4 py-2">Summary</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((e) => (
                <tr key={e.id} className="border-b border-slate-100 last:border-0" data-testid="audit-row">
                  <td className="px-4 py-2 text-xs text-slate-500">{e.seq}</td>
                  <td className="whitespace-nowrap px-4 py-2 text-xs">
                    <Link href={`/audit/${e.id}`} className="text-blue-700 hover:underline">
                      {fmt(e.createdAt)}
                    </Link>
                  </td>
                  <td className="px-4 py-2">{e.actorEmail}</td>
                  <td className="px-4 py-2 font-mono text-xs">{e.action}</td>
                  <td className="px-4 py-2 text-xs">{e.entityType}</td>
                  <td className="px-4 py-2">{e.summary}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <nav className="mt-4 flex gap-4 text-sm" aria-label="Pages">
        {p.before && <Link href={base} className="text-blue-700 hover:underline">↑ Newest</Link>}
        {nextBefore && (
          <Link href={`${base}${sep}before=${nextBefore}`} className="text-blue-700 hover:underline">
            Older →
          </Link>
        )}
      </nav>
    </>
  );
}
