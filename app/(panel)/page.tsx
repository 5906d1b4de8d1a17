import type { Metadata } from "next";
import Link from "next/link";
import { DomainName } from "@/components/domain-name";
import { EngineModeBadge } from "@/components/engine-mode-badge";
import { Badge, cx, PageHeader } from "@/components/ui";
import { can } from "@/lib/auth/permissions";
import { requireUser } from "@/lib/auth/session";
import { getDashboard } from "@/lib/dashboard/queries";
import { CERT_WARNING_DAYS } from "@/lib/nodes/health";
import { domainForms } from "@/lib/vhosts/display";
import { throwIfRenderFault } from "@/lib/testing/fault-injection";

export const metadata: Metadata = { title: "Dashboard" };

const LINK = "text-blue-700 hover:underline";
/** A link inside a run of text is underlined: colour alone does not set it apart (axe link-in-text-block). */
const INLINE_LINK = "text-blue-700 underline";

function fmt(d: Date) {
  return d.toISOString().replace("T", " ").slice(0, 16) + " UTC";
}

function More({ shown, total }: { shown: number; total: number }) {
  return total > shown ? <p className="px-4 py-2 text-xs text-slate-500">and {total - shown} more</p> : null;
}

export default async function DashboardPage() {
  throwIfRenderFault("dashboard");
  const user = await requireUser();
  const { counts, attention, recent, latestRevision } = await getDashboard();
  const canWrite = can(user.role, "vhost.write");
  const cards = [
    { label: "Virtual hosts", value: counts.total, tone: "" },
    { label: "Blocking", value: counts.blocking, tone: "" },
    { label: "Detection only", value: counts.detectionOnly, tone: counts.detectionOnly ? "border-amber-300 bg-amber-50" : "" },
    { label: "WAF off", value: counts.off, tone: counts.off ? "border-red-300 bg-red-50" : "" },
    { label: "Disabled", value: counts.disabled, tone: "" },
  ];
  const attentionCount =
    attention.notBlocking.total +
    attention.disabled.total +
    attention.wholeFamilies.total +
    (attention.refused24h ? 1 : 0) +
    attention.staleNodes.total +
    attention.expiringCertificates.total;

  return (
    <>
      <PageHeader title="Dashboard">Signed in as {user.name} ({user.role.toLowerCase()}).</PageHeader>

      <section aria-labelledby="counts-heading" className="mb-8">
        <h2 id="counts-heading" className="sr-only">Virtual hosts by WAF mode</h2>
        <div className="grid grid-cols-2 gap-4 md:grid-cols-5" data-testid="mode-counts">
          {cards.map((c) => (
            <div key={c.label} className={cx("rounded-lg border border-slate-200 bg-white p-4", c.tone)}>
              <div className="text-2xl font-semibold">{c.value}</div>
              <div className="text-sm text-slate-600">{c.label}</div>
            </div>
          ))}
        </div>
        {counts.total === 0 && (
          <p className="mt-4 rounded-lg border border-dashed border-slate-300 bg-white p-6 text-center text-sm text-slate-600">
            No virtual hosts yet.{" "}
            {canWrite ? (
              <>
                <Link href="/vhosts/new" className={INLINE_LINK}>Create the first one</Link>, or start it from{" "}
                <Link href="/templates" className={INLINE_LINK}>a template</Link>.
              </>
            ) : (
              "An editor or admin can create them."
            )}
          </p>
        )}
      </section>

      <section aria-labelledby="attention-heading" className="mb-8" data-testid="attention">
        <h2 id="attention-heading" className="mb-2 text-lg font-semibold">
          Needs attention {attentionCount > 0 && <Badge tone="amber">{attentionCount}</Badge>}
        </h2>
        {attentionCount === 0 ? (
          <p className="rounded-lg border border-slate-200 bg-white p-4 text-sm text-slate-600">
            Nothing needs attention: every virtual host is enabled and blocking, no exclusion switches off a whole family of rules, no one was refused an action in the last 24 hours,
            every active WAF node serves the latest revision, and no certificate they serve expires within {CERT_WARNING_DAYS} days.
          </p>
        ) : (
          <div className="grid gap-4 lg:grid-cols-2">
            {attention.notBlocking.total > 0 && (
              <div className="rounded-lg border border-slate-200 bg-white">
                <h3 className="border-b border-slate-100 px-4 py-2 text-sm font-medium">WAF not blocking ({attention.notBlocking.total})</h3>
                <p className="px-4 pt-2 text-xs text-slate-500">Attacks reach these sites. Detection only is right while tuning a new site; switch to blocking when the log is quiet.</p>
                <ul className="divide-y divide-slate-100 text-sm">
                  {attention.notBlocking.rows.map((v) => (
                    <li key={v.id} className="flex flex-wrap items-center gap-2 px-4 py-2">
                      <Link href={`/vhosts/${v.id}/policy`} className={LINK}><DomainName {...domainForms(v.domain)} /></Link>
                      {v.policy && <EngineModeBadge mode={v.policy.engineMode} />}
                      {!v.enabled && <Badge>Disabled</Badge>}
                      {v.policy?.updatedByEmail && <span className="text-xs text-slate-500">set by {v.policy.updatedByEmail}, {fmt(v.policy.updatedAt)}</span>}
                    </li>
                  ))}
                </ul>
                <More shown={attention.notBlocking.rows.length} total={attention.notBlocking.total} />
              </div>
            )}
            {attention.wholeFamilies.total > 0 && (
              <div className="rounded-lg border border-slate-200 bg-white">
                <h3 className="border-b border-slate-100 px-4 py-2 text-sm font-medium">Whole rule families excluded ({attention.wholeFamilies.total})</h3>
                <p className="px-4 pt-2 text-xs text-slate-500">These exclusions switch off a whole class of protection. Prefer excluding one rule or one input, limited to a path.</p>
                <ul className="divide-y divide-slate-100 text-sm">
                  {attention.wholeFamilies.rows.map((f) => (
                    <li key={f.vhost.id} className="px-4 py-2">
                      <Link href={`/vhosts/${f.vhost.id}/exclusions`} className={LINK}><DomainName {...domainForms(f.vhost.domain)} /></Link>
                      <ul className="mt-1 list-inside list-disc text-xs text-slate-600">
                        {f.reasons.map((r, i) => <li key={i}>{r}</li>)}
                      </ul>
                    </li>
                  ))}
                </ul>
                <More shown={attention.wholeFamilies.rows.length} total={attention.wholeFamilies.total} />
              </div>
            )}
            {attention.disabled.total > 0 && (
              <div className="rounded-lg border border-slate-200 bg-white">
                <h3 className="border-b border-slate-100 px-4 py-2 text-sm font-medium">Disabled virtual hosts ({attention.disabled.total})</h3>
                <p className="px-4 pt-2 text-xs text-slate-500">The WAF does not serve these sites. Enable them again or delete them.</p>
                <ul className="divide-y divide-slate-100 text-sm">
                  {attention.disabled.rows.map((v) => (
                    <li key={v.id} className="flex flex-wrap items-center gap-2 px-4 py-2">
                      <Link href={`/vhosts/${v.id}`} className={LINK}><DomainName {...domainForms(v.domain)} /></Link>
                      <span className="text-xs text-slate-500">{v.updatedByEmail ? `last changed by ${v.updatedByEmail}, ` : ""}{fmt(v.updatedAt)}</span>
                    </li>
                  ))}
                </ul>
                <More shown={attention.disabled.rows.length} total={attention.disabled.total} />
              </div>
            )}
            {attention.staleNodes.total > 0 && (
              <div className="rounded-lg border border-slate-200 bg-white" data-testid="stale-nodes">
                <h3 className="border-b border-slate-100 px-4 py-2 text-sm font-medium">Nodes serving a stale revision ({attention.staleNodes.total})</h3>
                <p className="px-4 pt-2 text-xs text-slate-500">
                  These nodes do not serve the latest published configuration{latestRevision !== null ? ` (revision ${latestRevision})` : ""}: changes since do not protect the sites they serve.
                </p>
                <ul className="divide-y divide-slate-100 text-sm">
                  {attention.staleNodes.rows.map((n) => (
                    <li key={n.id} className="flex flex-wrap items-center gap-2 px-4 py-2">
                      <Link href={`/nodes#node-${n.id}`} className={LINK}>{n.name}</Link>
                      <span className="text-xs text-slate-600">{n.appliedRevision === null ? "has applied no revision" : `runs revision ${n.appliedRevision}`}</span>
                    </li>
                  ))}
                </ul>
                <More shown={attention.staleNodes.rows.length} total={attention.staleNodes.total} />
              </div>
            )}
            {attention.expiringCertificates.total > 0 && (
              <div className="rounded-lg border border-slate-200 bg-white" data-testid="expiring-certificates">
                <h3 className="border-b border-slate-100 px-4 py-2 text-sm font-medium">Certificates expiring within {CERT_WARNING_DAYS} days ({attention.expiringCertificates.total})</h3>
                <p className="px-4 pt-2 text-xs text-slate-500">As the nodes last reported them. Renew them on the nodes; the agents report the new ones within minutes.</p>
                <ul className="divide-y divide-slate-100 text-sm">
                  {attention.expiringCertificates.rows.map((c) => (
                    <li key={c.id} className="flex flex-wrap items-center gap-x-2 gap-y-1 px-4 py-2">
                      <span className="break-all font-medium">{c.domain}</span>
                      <Badge tone="red">{c.expiry.label}</Badge>
                      {/* The link is a flex item of its own: inside a run of text it would need more than colour (axe link-in-text-block). */}
                      <Link href={`/nodes#node-${c.node.id}`} className={cx(LINK, "text-xs")}>
                        {c.node.name}
                      </Link>
                      <span className="text-xs text-slate-600">{fmt(c.notAfter)}</span>
                    </li>
                  ))}
                </ul>
                <More shown={attention.expiringCertificates.rows.length} total={attention.expiringCertificates.total} />
              </div>
            )}
            {attention.refused24h > 0 && (
              <div className="rounded-lg border border-slate-200 bg-white p-4 text-sm">
                <h3 className="mb-1 font-medium">Refused actions</h3>
                <p>
                  {attention.refused24h} attempt{attention.refused24h === 1 ? " was" : "s were"} refused for lack of permission in the last 24 hours.{" "}
                  <Link href="/audit?action=security.denied" className={INLINE_LINK}>See the refused attempts</Link>.
                </p>
              </div>
            )}
          </div>
        )}
      </section>

      <section aria-labelledby="recent-heading">
        <div className="mb-2 flex items-baseline justify-between">
          <h2 id="recent-heading" className="text-lg font-semibold">Recent changes</h2>
          <Link href="/audit" className={cx(LINK, "text-sm")}>All changes →</Link>
        </div>
        {recent.length === 0 ? (
          <p className="rounded-lg border border-dashed border-slate-300 bg-white p-6 text-center text-sm text-slate-600">
            Nothing has changed yet: every change appears here and in the audit log as soon as someone makes it.
          </p>
        ) : (
          <ul className="divide-y divide-slate-100 rounded-lg border border-slate-200 bg-white text-sm" data-testid="recent-changes">
            {recent.map((e) => (
              // The time is the link (as on the audit page), described by the summary: summaries are free text,
              // and as link names they would clash with the navigation's.
              <li key={e.id} className="flex flex-wrap items-baseline gap-x-3 px-4 py-2">
                <Link href={`/audit/${e.id}`} className={cx(LINK, "whitespace-nowrap text-xs")} aria-describedby={`change-${e.id}`}>
                  {fmt(e.createdAt)}
                </Link>
                <span id={`change-${e.id}`}>{e.summary}</span>
                <span className="text-xs text-slate-500">{e.actorEmail}</span>
              </li>
            ))}
          </ul>
        )}
      </section>
    </>
  );
}
