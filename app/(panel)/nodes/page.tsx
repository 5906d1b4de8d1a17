import type { Metadata } from "next";
import { headers } from "next/headers";
import { NodeRowControls } from "@/components/node-controls";
import { RegisterNodeForm } from "@/components/node-register";
import { Badge, PageHeader } from "@/components/ui";
import { can } from "@/lib/auth/permissions";
import { requireUser } from "@/lib/auth/session";
import { CERT_WARNING_DAYS, formatDuration, type NodeHealth } from "@/lib/nodes/health";
import { listNodes, type NodeRow } from "@/lib/nodes/queries";

export const metadata: Metadata = { title: "WAF nodes" };

function fmt(d: Date) {
  return d.toISOString().replace("T", " ").slice(0, 19) + " UTC";
}

function ago(d: Date, now: Date) {
  const s = Math.max(0, Math.round((now.getTime() - d.getTime()) / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86_400) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86_400)} days ago`;
}

const HEALTH: Record<NodeHealth["state"], { label: string; tone: "green" | "amber" | "red" | "slate" }> = {
  ok: { label: "Up to date", tone: "green" },
  stale: { label: "Stale", tone: "amber" },
  failing: { label: "Failing", tone: "red" },
  revoked: { label: "Revoked", tone: "slate" },
};

/** The applied revision against the latest, and how long it took from its publish to this node. */
function Applied({ node, latest }: { node: NodeRow; latest: number | null }) {
  if (node.appliedRevision === null) return <span className="text-slate-500">No revision applied</span>;
  const current = latest !== null && !node.health.behind;
  return (
    <>
      <span className="font-medium">Revision {node.appliedRevision}</span>
      {latest !== null && <span className="text-slate-600">{current ? " (the latest)" : ` of ${latest}`}</span>}
      {node.publishToAppliedMs !== null && node.appliedAt && (
        <div className="text-slate-600" title={`Published ${fmt(node.appliedPublishedAt!)}, applied ${fmt(node.appliedAt)}`}>
          Publish → applied: {formatDuration(node.publishToAppliedMs)}
        </div>
      )}
    </>
  );
}

function NodeCertificates({ node }: { node: NodeRow }) {
  return (
    <div className="rounded border border-slate-200 bg-slate-50 px-3 py-2 text-xs">
      <h3 className="mb-1 font-semibold text-slate-700">
        Certificates ({node.certificates.length}) <span className="font-normal text-slate-600">reported {fmt(node.certificates[0]!.reportedAt)}</span>
      </h3>
      <ul className="divide-y divide-slate-200" aria-label={`Certificates served by ${node.name}`}>
        {node.certificates.map((c) => (
          <li key={c.id} className="flex flex-wrap items-baseline gap-x-2 gap-y-0.5 py-1" data-testid="node-certificate">
            <span className="break-all font-medium text-slate-800">{c.domain}</span>
            <Badge tone={c.expiry.state === "ok" ? "green" : "red"} title={`Not valid after ${fmt(c.notAfter)}`}>
              {c.expiry.label}
            </Badge>
            <span className="text-slate-600">until {fmt(c.notAfter).slice(0, 10)}</span>
            <span className="hidden min-w-0 break-all text-slate-600 md:inline" title={`Subject ${c.subject}; names ${c.altNames || "none"}; serial ${c.serial}; SHA-256 ${c.fingerprint}`}>
              {c.reference} · issued by {c.issuer || "—"} · SHA-256 {c.fingerprint.slice(0, 11)}…
            </span>
          </li>
        ))}
      </ul>
    </div>
  );
}

async function panelUrl() {
  const h = await headers();
  const host = h.get("x-forwarded-host") ?? h.get("host") ?? "panel.example.com";
  const proto = h.get("x-forwarded-proto") ?? (process.env.NODE_ENV === "production" ? "https" : "http");
  return process.env.NEXTAUTH_URL?.replace(/\/$/, "") || `${proto}://${host}`;
}

export default async function NodesPage() {
  const user = await requireUser();
  const canManage = can(user.role, "node.manage");
  const now = new Date();
  const [{ rows, latest }, url] = await Promise.all([listNodes(now), panelUrl()]);
  const columns = canManage ? 6 : 5;

  return (
    <>
      <PageHeader title="WAF nodes">
        Nodes pull the latest published revision with their token and report what they applied.{" "}
        {latest ? `The latest revision is ${latest.number}.` : "Nothing has been published yet."} A node is stale after 5 minutes without contact or when it runs an
        older configuration, and failing when its last apply or reload failed. Each node lists the TLS certificates it serves, as its agent last read them; those
        expiring within {CERT_WARNING_DAYS} days are red.
      </PageHeader>
      {canManage && (
        <section className="mb-8" aria-labelledby="register-title">
          <h2 id="register-title" className="mb-2 text-lg font-semibold">
            Register a node
          </h2>
          <RegisterNodeForm panelUrl={url} />
        </section>
      )}
      {rows.length === 0 ? (
        <div className="rounded-lg border border-dashed border-slate-300 bg-white p-10 text-center text-sm text-slate-600">
          No nodes yet. {canManage ? "Register one above and run the agent on it." : "An admin registers them."}
        </div>
      ) : (
        <div className="relative overflow-x-auto rounded-lg border border-slate-200 bg-white">
          <table className="w-full text-left text-sm">
            <thead className="border-b border-slate-200 bg-slate-50 text-xs uppercase text-slate-600">
              <tr>
                <th className="px-4 py-2">Node</th>
                <th className="px-4 py-2">State</th>
                <th className="hidden px-4 py-2 sm:table-cell">Applied</th>
                <th className="hidden px-4 py-2 md:table-cell">Last contact</th>
                <th className="hidden px-4 py-2 lg:table-cell">Last report</th>
                {canManage && <th className="px-4 py-2 text-right">Actions</th>}
              </tr>
            </thead>
            {rows.map((n) => (
              // One tbody per node: its row, then its certificates across the whole width.
              <tbody key={n.id} id={`node-${n.id}`} className="scroll-mt-4 border-b border-slate-200 last:border-0" data-testid="node-row">
                <tr className="align-top">
                  <td className="px-4 py-2">
                    <div className="break-all font-medium">{n.name}</div>
                    <div className="font-mono text-xs text-slate-500" title="The start of its token">
                      {n.tokenPrefix}…
                    </div>
                    {/* On a phone the Applied and Last contact columns are hidden: their gist goes here. */}
                    <div className="mt-1 text-xs text-slate-600 sm:hidden">
                      <Applied node={n} latest={latest?.number ?? null} />
                    </div>
                    <div className="text-xs text-slate-600 md:hidden">Last contact: {n.lastSeenAt ? ago(n.lastSeenAt, now) : "never"}</div>
                  </td>
                  <td className="px-4 py-2">
                    <Badge tone={HEALTH[n.health.state].tone} title={n.health.reasons.join(" ")}>
                      {HEALTH[n.health.state].label}
                    </Badge>
                    {n.health.reasons.length > 0 && (
                      <ul className="mt-1 text-xs text-slate-600">
                        {n.health.reasons.map((r) => (
                          <li key={r}>{r}</li>
                        ))}
                      </ul>
                    )}
                  </td>
                  <td className="hidden px-4 py-2 text-xs sm:table-cell" data-testid="node-applied">
                    <Applied node={n} latest={latest?.number ?? null} />
                  </td>
                  <td className="hidden whitespace-nowrap px-4 py-2 text-xs md:table-cell">{n.lastSeenAt ? <span title={fmt(n.lastSeenAt)}>{ago(n.lastSeenAt, now)}</span> : <span className="text-slate-500">never</span>}</td>
                  <td className="hidden max-w-md px-4 py-2 text-xs lg:table-cell">
                    {n.lastMessage ? <span className={n.lastStatus === "failed" ? "text-red-800" : undefined}>{n.lastMessage}</span> : <span className="text-slate-500">—</span>}
                  </td>
                  {canManage && (
                    <td className="px-4 py-2">
                      <NodeRowControls node={{ id: n.id, name: n.name, revoked: n.revokedAt !== null }} panelUrl={url} />
                    </td>
                  )}
                </tr>
                {n.certificates.length > 0 && (
                  <tr>
                    <td colSpan={columns} className="px-4 pb-3 pt-0">
                      <NodeCertificates node={n} />
                    </td>
                  </tr>
                )}
              </tbody>
            ))}
          </table>
        </div>
      )}
    </>
  );
}
