import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { AuditDiff } from "@/components/audit-diff";
import { JsonView } from "@/components/json-view";
import { PageHeader } from "@/components/ui";
import { diffJson } from "@/lib/audit/diff";
import { auditFilterQuery } from "@/lib/audit/filters";
import { entityHref } from "@/lib/audit/links";
import { firstRevisionAfter, getAuditEvent, vhostDomains } from "@/lib/audit/queries";
import { requireUser } from "@/lib/auth/session";
import { DomainName } from "@/components/domain-name";
import { domainForms } from "@/lib/vhosts/display";

export const metadata: Metadata = { title: "Audit event" };

const link = "text-blue-700 underline hover:no-underline";

export default async function AuditEventPage({ params }: { params: Promise<{ id: string }> }) {
  await requireUser();
  const { id } = await params;
  const e = await getAuditEvent(id);
  if (!e) notFound();
  const vhostId = e.vhostId ?? (e.entityType === "VirtualHost" ? e.entityId : null);
  const [domains, revision] = await Promise.all([vhostDomains([vhostId]), e.vhostId && !e.action.startsWith("security.") ? firstRevisionAfter(e.createdAt) : null]);
  const domain = vhostId ? domains.get(vhostId) : undefined;
  const entity = entityHref(e, domain !== undefined);
  const changes = diffJson(e.before, e.after);

  return (
    <>
      <PageHeader title={`Event #${e.seq}: ${e.action}`}>{e.summary}</PageHeader>
      <dl className="mb-6 grid max-w-4xl grid-cols-[10rem_1fr] gap-y-1 text-sm">
        <dt className="text-slate-600">Time</dt>
        <dd>{e.createdAt.toISOString().replace("T", " ").slice(0, 23)} UTC</dd>
        <dt className="text-slate-600">Actor</dt>
        <dd>
          {e.actorEmail} · <Link href={`/audit${auditFilterQuery({ actor: e.actorEmail })}`} className={link}>their other events</Link>
        </dd>
        <dt className="text-slate-600">Entity</dt>
        <dd>
          {e.entityType} <span className="font-mono text-xs">{e.entityId}</span>
          {entity && (
            <>
              {" · "}
              <Link href={entity.href} className={link}>open {entity.label}</Link>
            </>
          )}
          {" · "}
          <Link href={`/audit${auditFilterQuery({ entity: e.entityType, entityId: e.entityId })}`} className={link}>other events of this {e.entityType}</Link>
        </dd>
        {vhostId && (
          <>
            <dt className="text-slate-600">Virtual host</dt>
            <dd>
              {domain !== undefined ? <DomainName {...domainForms(domain)} /> : <span className="italic text-slate-600">deleted since</span>} ·{" "}
              <Link href={`/audit${auditFilterQuery({ vhost: vhostId })}`} className={link}>other events of this virtual host</Link>
            </dd>
          </>
        )}
        {e.vhostId && !e.action.startsWith("security.") && (
          <>
            <dt className="text-slate-600">Published in</dt>
            <dd>{revision ? `config revision #${revision.number} (${revision.createdAt.toISOString().slice(0, 16).replace("T", " ")} UTC, by ${revision.createdByEmail})` : "not published yet"}</dd>
          </>
        )}
        <dt className="text-slate-600">From</dt>
        <dd className="text-xs">
          {e.ip ?? "—"} · {e.userAgent ?? "—"}
        </dd>
        <dt className="text-slate-600">Hash</dt>
        <dd className="break-all font-mono text-xs">
          {e.hash}
          <div className="text-slate-500">previous: {e.prevHash}</div>
        </dd>
      </dl>

      <h2 className="mb-2 text-lg font-semibold">What changed</h2>
      <AuditDiff entityType={e.entityType} before={e.before} after={e.after} />

      <details className="mt-6" open>
        <summary className="cursor-pointer text-sm text-slate-700">Raw values, as recorded (every field, version and timestamps included)</summary>
        <div className="mt-3 grid gap-4 md:grid-cols-2">
          <section className="rounded-lg border border-slate-200 bg-white p-4" aria-label="Before">
            <h3 className="mb-2 font-semibold">Before</h3>
            <JsonView value={e.before} changed={new Set(changes.map((c) => (typeof c.path[0] === "string" ? c.path[0] : "")))} label="Before" />
          </section>
          <section className="rounded-lg border border-slate-200 bg-white p-4" aria-label="After">
            <h3 className="mb-2 font-semibold">After</h3>
            <JsonView value={e.after} changed={new Set(changes.map((c) => (typeof c.path[0] === "string" ? c.path[0] : "")))} label="After" />
          </section>
        </div>
      </details>
      <p className="mt-6 text-sm">
        <Link href="/audit" className={link}>← Back to the audit log</Link>
      </p>
    </>
  );
}
