import type { Metadata } from "next";
import Link from "next/link";
import { AuditFilters } from "@/components/audit-filters";
import { AuditTabs } from "@/components/audit-tabs";
import { Badge, PageHeader } from "@/components/ui";
import { auditFilterQuery, isFiltered, parseAuditFilter, parseAuditPage } from "@/lib/audit/filters";
import { auditFilterOptions, listAuditEvents, vhostDomains } from "@/lib/audit/queries";
import { can } from "@/lib/auth/permissions";
import { requireUser } from "@/lib/auth/session";
import { DomainName } from "@/components/domain-name";
import { domainForms } from "@/lib/vhosts/display";

export const metadata: Metadata = { title: "Audit log" };

function fmt(d: Date) {
  return d.toISOString().replace("T", " ").slice(0, 19) + " UTC";
}

function actionTone(action: string) {
  if (action.startsWith("security.")) return "red" as const;
  if (action.startsWith("audit.")) return "blue" as const;
  return "slate" as const;
}

export default async function AuditPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const user = await requireUser();
  const raw = await searchParams;
  const { filter, problems } = parseAuditFilter(raw);
  const page = parseAuditPage(raw);
  const [{ rows, nextBefore, newerAfter }, choices] = await Promise.all([listAuditEvents({ filter, ...page }), auditFilterOptions()]);
  const domains = await vhostDomains(rows.map((r) => r.vhostId));
  const query = auditFilterQuery(filter);
  const filtered = isFiltered(filter);
  const canExport = can(user.role, "audit.export");
  const paged = page.before !== undefined || page.after !== undefined;

  return (
    <>
      <PageHeader
        title="Audit log"
        actions={
          canExport && (
            <>
              <a href={`/api/audit/export${auditFilterQuery(filter, { format: "csv" })}`} download className="rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm font-medium text-slate-800 hover:bg-slate-100">
                Export CSV
              </a>
              <a href={`/api/audit/export${auditFilterQuery(filter, { format: "jsonl" })}`} download className="rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm font-medium text-slate-800 hover:bg-slate-100">
                Export JSON Lines
              </a>
            </>
          )
        }
      >
        Every change, newest first: who made it, when, and what it was before and after.
        {canExport && " Exports contain exactly the filtered events, and are themselves recorded here."}
      </PageHeader>
      <AuditTabs active="events" query={query} showVerify={can(user.role, "audit.verify")} />
      <AuditFilters action="/audit" filter={filter} choices={choices} />
      {problems.length > 0 && (
        <ul role="alert" className="mb-4 list-inside list-disc rounded-md border border-amber-300 bg-amber-50 p-3 text-sm text-amber-900">
          {problems.map((p) => (
            <li key={p}>{p}</li>
          ))}
        </ul>
      )}
      {rows.length === 0 ? (
        <div className="rounded-lg border border-dashed border-slate-300 bg-white p-10 text-center text-sm text-slate-600" data-testid="audit-empty">
          {filtered ? (
            <>
              No event matches this filter. <Link href="/audit" className="text-blue-700 hover:underline">Clear the filter</Link>.
            </>
          ) : paged ? (
            "No more events in this direction."
          ) : (
            "No events yet: changes appear here as soon as someone makes them."
          )}
        </div>
      ) : (
        <div className="relative overflow-x-auto rounded-lg border border-slate-200 bg-white">
          <table className="w-full text-left text-sm">
            <thead className="border-b border-slate-200 bg-slate-50 text-xs uppercase text-slate-600">
              <tr>
                <th className="hidden px-4 py-2 md:table-cell">#</th>
                <th className="px-3 py-2 sm:px-4">Time</th>
                <th className="px-3 py-2 sm:px-4">Actor</th>
                <th className="px-3 py-2 sm:px-4">Action</th>
                <th className="hidden px-4 py-2 lg:table-cell">Entity</th>
                <th className="hidden px-4 py-2 sm:table-cell">Summary</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((e) => (
                <tr key={e.id} className="border-b border-slate-100 align-top last:border-0" data-testid="audit-row">
                  <td className="hidden px-4 py-2 text-xs text-slate-600 md:table-cell">{e.seq}</td>
                  <td className="px-3 py-2 text-xs sm:whitespace-nowrap sm:px-4">
                    <Link href={`/audit/${e.id}`} className="text-blue-700 hover:underline">
                      {fmt(e.createdAt)}
                    </Link>
                  </td>
                  <td className="px-3 py-2 [overflow-wrap:anywhere] sm:px-4">{e.actorEmail}</td>
                  <td className="px-3 py-2 [overflow-wrap:anywhere] sm:px-4">
                    <Badge tone={actionTone(e.action)}>{e.action}</Badge>
                  </td>
                  <td className="hidden px-4 py-2 text-xs lg:table-cell">
                    {e.entityType}
                    {e.vhostId && <div className="text-slate-500">{domains.has(e.vhostId) ? <DomainName {...domainForms(domains.get(e.vhostId)!)} /> : "deleted virtual host"}</div>}
                  </td>
                  <td className="hidden px-4 py-2 sm:table-cell">{e.summary}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <nav className="mt-4 flex gap-4 text-sm" aria-label="Pages">
        {paged && (
          <Link href={`/audit${query}`} className="text-blue-700 hover:underline">
            ↑ Newest
          </Link>
        )}
        {newerAfter !== null && (
          <Link href={`/audit${auditFilterQuery(filter, { after: newerAfter })}`} className="text-blue-700 hover:underline">
            ← Newer
          </Link>
        )}
        {nextBefore !== null && (
          <Link href={`/audit${auditFilterQuery(filter, { before: nextBefore })}`} className="text-blue-700 hover:underline">
            Older →
          </Link>
        )}
      </nav>
    </>
  );
}
