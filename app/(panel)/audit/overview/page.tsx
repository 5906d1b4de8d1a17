import type { Metadata } from "next";
import Link from "next/link";
import { AuditActivityChart, AuditTopList } from "@/components/audit-activity-chart";
import { AuditFilters } from "@/components/audit-filters";
import { AuditTabs } from "@/components/audit-tabs";
import { PageHeader } from "@/components/ui";
import { auditFilterQuery, parseAuditFilter } from "@/lib/audit/filters";
import { auditFilterOptions, auditOverview, OVERVIEW_DEFAULT_DAYS, OVERVIEW_MAX_DAYS } from "@/lib/audit/queries";
import { can } from "@/lib/auth/permissions";
import { requireUser } from "@/lib/auth/session";
import { DomainName } from "@/components/domain-name";
import { domainForms } from "@/lib/vhosts/display";

export const metadata: Metadata = { title: "Audit activity" };

const link = "text-blue-700 hover:underline";

export default async function AuditOverviewPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const user = await requireUser();
  const { filter, problems } = parseAuditFilter(await searchParams);
  const [o, choices] = await Promise.all([auditOverview(filter), auditFilterOptions()]);
  const range = { from: o.from, to: o.to };

  return (
    <>
      <PageHeader title="Audit log">
        {o.total} event{o.total === 1 ? "" : "s"} from {o.from} to {o.to} (UTC)
        {o.defaultRange && ` — the last ${OVERVIEW_DEFAULT_DAYS} days; set dates to see another range`}
        {o.clamped && ` — the last ${OVERVIEW_MAX_DAYS} days of the range`}.
      </PageHeader>
      <AuditTabs active="overview" query={auditFilterQuery(filter)} showVerify={can(user.role, "audit.verify")} />
      <AuditFilters action="/audit/overview" filter={filter} choices={choices} />
      {problems.length > 0 && (
        <ul role="alert" className="mb-4 list-inside list-disc rounded-md border border-amber-300 bg-amber-50 p-3 text-sm text-amber-900">
          {problems.map((p) => (
            <li key={p}>{p}</li>
          ))}
        </ul>
      )}
      <AuditActivityChart days={o.days} />
      <div className="mt-4 grid gap-4 md:grid-cols-2">
        <AuditTopList
          title="Most active actors"
          rows={o.topActors.map((a) => ({
            key: a.actorEmail,
            count: a.count,
            label: <Link href={`/audit${auditFilterQuery({ ...filter, ...range, actor: a.actorEmail })}`} className={link}>{a.actorEmail}</Link>,
          }))}
        />
        <AuditTopList
          title="Most changed virtual hosts"
          rows={o.topVhosts.map((v) => ({
            key: v.vhostId,
            count: v.count,
            label: (
              <Link href={`/audit${auditFilterQuery({ ...filter, ...range, vhost: v.vhostId })}`} className={link}>
                {v.domain ? <DomainName {...domainForms(v.domain)} /> : `deleted (${v.vhostId.slice(0, 8)}…)`}
              </Link>
            ),
          }))}
        />
      </div>
    </>
  );
}
