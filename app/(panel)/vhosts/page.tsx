import type { Metadata } from "next";
import Link from "next/link";
import { EngineModeBadge } from "@/components/engine-mode-badge";
import { Badge, Button, Input, PageHeader } from "@/components/ui";
import { can } from "@/lib/auth/permissions";
import { requireUser } from "@/lib/auth/session";
import { unpublishedAmong } from "@/lib/config/status";
import { SettingsError } from "@/lib/config/settings";
import { internalBackendOf, listVhosts, parseVhostListParams, type VhostListParams } from "@/lib/vhosts/queries";
import { domainForms } from "@/lib/vhosts/display";
import { DomainName } from "@/components/domain-name";

export const metadata: Metadata = { title: "Virtual hosts" };

function href(p: VhostListParams, change: Partial<VhostListParams>) {
  const next = { ...p, ...change };
  const s = new URLSearchParams();
  if (next.q) s.set("q", next.q);
  if (next.sort !== "domain") s.set("sort", next.sort);
  if (next.dir !== "asc") s.set("dir", next.dir);
  if (next.page > 1) s.set("page", String(next.page));
  const qs = s.toString();
  return `/vhosts${qs ? `?${qs}` : ""}`;
}

function InternalBackendBadge({ backendUrl }: { backendUrl: string }) {
  const risk = internalBackendOf(backendUrl);
  return risk ? (
    <Badge tone="amber" title={risk.message}>
      Backend is internal
    </Badge>
  ) : null;
}

/** aria-sort belongs on the column header, not on the link inside it. */
function sortOf(p: VhostListParams, col: VhostListParams["sort"]) {
  return p.sort === col ? (p.dir === "asc" ? "ascending" : "descending") : undefined;
}

function SortLink({ p, col, children }: { p: VhostListParams; col: VhostListParams["sort"]; children: React.ReactNode }) {
  const active = p.sort === col;
  const dir = active && p.dir === "asc" ? "desc" : "asc";
  return (
    <Link href={href(p, { sort: col, dir, page: 1 })} className="hover:underline">
      {children}
      {active ? (p.dir === "asc" ? " ▲" : " ▼") : ""}
    </Link>
  );
}

export default async function VhostsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const user = await requireUser();
  const { params: p, problems } = parseVhostListParams(await searchParams);
  const { rows, total, pageCount } = await listVhosts(p);
  const unpublished = await unpublishedAmong(rows.map((v) => v.id)).catch((err: unknown) => {
    if (err instanceof SettingsError) return new Set<string>(); // the configuration page explains it
    throw err;
  });
  const canWrite = can(user.role, "vhost.write");

  return (
    <>
      <PageHeader
        title="Virtual hosts"
        actions={
          canWrite && (
            <Link href="/vhosts/new" className="rounded-md bg-blue-700 px-3 py-1.5 text-sm font-medium text-white hover:bg-blue-800">
              New virtual host
            </Link>
          )
        }
      >
        {total} site{total === 1 ? "" : "s"} behind the firewall.
      </PageHeader>
      <form className="mb-4 flex max-w-md gap-2" role="search" action="/vhosts">
        <Input name="q" defaultValue={p.q} placeholder="Search by domain" aria-label="Search by domain" />
        <Button type="submit" variant="secondary">
          Search
        </Button>
      </form>
      {problems.length > 0 && (
        <ul role="alert" className="mb-4 list-inside list-disc rounded-md border border-amber-300 bg-amber-50 p-3 text-sm text-amber-900">
          {problems.map((problem) => (
            <li key={problem}>{problem}</li>
          ))}
        </ul>
      )}
      {rows.length === 0 ? (
        <div className="rounded-lg border border-dashed border-slate-300 bg-white p-10 text-center text-sm text-slate-600">
          {p.q ? (
            <>No virtual host matches “{p.q}”. <Link href="/vhosts" className="text-blue-700 underline">Clear the search</Link>.</>
          ) : canWrite ? (
            <>No virtual hosts yet. <Link href="/vhosts/new" className="text-blue-700 underline">Create the first one</Link> to put a site behind the WAF.</>
          ) : (
            <>No virtual hosts yet. An editor or admin can create them.</>
          )}
        </div>
      ) : (
        <div className="relative overflow-x-auto rounded-lg border border-slate-200 bg-white">
          <table className="w-full text-left text-sm">
            <thead className="border-b border-slate-200 bg-slate-50 text-xs uppercase text-slate-600">
              <tr>
                <th className="px-3 py-2 sm:px-4" aria-sort={sortOf(p, "domain")}><SortLink p={p} col="domain">Domain</SortLink></th>
                <th className="hidden px-4 py-2 lg:table-cell">Backend</th>
                <th className="px-3 py-2 sm:px-4">WAF</th>
                <th className="px-3 py-2 sm:px-4">Status</th>
                <th className="hidden px-4 py-2 md:table-cell" aria-sort={sortOf(p, "updatedAt")}><SortLink p={p} col="updatedAt">Last change</SortLink></th>
              </tr>
            </thead>
            <tbody>
              {rows.map((v) => (
                <tr key={v.id} className="border-b border-slate-100 last:border-0">
                  <td className="px-3 py-2 font-medium [overflow-wrap:anywhere] sm:px-4">
                    <Link href={`/vhosts/${v.id}`} className="text-blue-700 hover:underline">
                      <DomainName {...domainForms(v.domain)} />
                    </Link>
                  </td>
                  <td className="hidden px-4 py-2 font-mono text-xs lg:table-cell">{v.backendUrl}</td>
                  <td className="px-3 py-2 sm:px-4">
                    {v.policy && (
                      <EngineModeBadge
                        mode={v.policy.engineMode}
                        paranoia={v.policy.blockingParanoia}
                        title={v.summary}
                      />
                    )}
                  </td>
                  <td className="px-3 py-2 sm:px-4">
                    {v.enabled ? <Badge tone="green">Enabled</Badge> : <Badge>Disabled</Badge>}{" "}
                    <InternalBackendBadge backendUrl={v.backendUrl} />{" "}
                    {unpublished.has(v.id) && (
                      <Link href="/config" title="Its stored configuration differs from the latest published revision">
                        <Badge tone="amber">Unpublished changes</Badge>
                      </Link>
                    )}
                  </td>
                  <td className="hidden px-4 py-2 text-xs text-slate-600 md:table-cell">
                    {v.updatedAt.toISOString().slice(0, 16).replace("T", " ")} {v.updatedByEmail ? `by ${v.updatedByEmail}` : ""}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {pageCount > 1 && (
        <nav className="mt-4 flex items-center gap-4 text-sm" aria-label="Pages">
          {p.page > 1 && <Link href={href(p, { page: p.page - 1 })} className="text-blue-700 hover:underline">← Previous</Link>}
          <span className="text-slate-600">Page {p.page} of {pageCount}</span>
          {p.page < pageCount && <Link href={href(p, { page: p.page + 1 })} className="text-blue-700 hover:underline">Next →</Link>}
        </nav>
      )}
    </>
  );
}
