import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { JsonView } from "@/components/json-view";
import { PageHeader } from "@/components/ui";
import { requireUser } from "@/lib/auth/session";
import { getAuditEvent } from "@/lib/audit/queries";

export const metadata: Metadata = { title: "Audit event" };

function changedKeys(before: unknown, after: unknown): Set<string> {
  const b = (before && typeof before === "object" ? before : {}) as Record<string, unknown>;
  const a = (after && typeof after === "object" ? after : {}) as Record<string, unknown>;
  const keys = new Set([...Object.keys(b), ...Object.keys(a)]);
  return new Set([...keys].filter((k) => JSON.stringify(b[k]) !== JSON.stringify(a[k])));
}

export default async function AuditEventPage({ params }: { params: Promise<{ id: string }> }) {
  await requireUser();
  const { id } = await params;
  const e = await getAuditEvent(id);
  if (!e) notFound();
  const changed = e.before && e.after ? changedKeys(e.before, e.after) : new Set<string>();

  return (
    <>
      <PageHeader title={`Event #${e.seq}: ${e.action}`}>
        {e.summary}
      </PageHeader>
      <dl className="mb-6 grid max-w-3xl grid-cols-[10rem_1fr] gap-y-1 text-sm">
        <dt className="text-slate-600">Time</dt>
        <dd>{e.createdAt.toISOString().replace("T", " ").slice(0, 23)} UTC</dd>
        <dt className="text-slate-600">Actor</dt>
        <dd>{e.actorEmail}</dd>
        <dt className="text-slate-600">Entity</dt>
        <dd>
          {e.entityType} <span className="font-mono text-xs">{e.entityId}</span>
          {e.vhostId && (
            <>
              {" · "}
              <Link href={`/audit?vhost=${e.vhostId}`} className="text-blue-700 hover:underline">other events of this virtual host</Link>
            </>
          )}
        </dd>
        <dt className="text-slate-600">From</dt>
        <dd className="text-xs">{e.ip ?? "—"} · {e.userAgent ?? "—"}</dd>
        <dt className="text-slate-600">Hash</dt>
        <dd className="break-all font-mono text-xs">{e.hash}</dd>
      </dl>
      <div className="grid gap-4 md:grid-cols-2">
        <section className="rounded-lg border border-slate-200 bg-white p-4" aria-label="Before">
          <h2 className="mb-2 font-semibold">Before</h2>
          <JsonView value={e.before} changed={changed} label="Before" />
        </section>
        <section className="rounded-lg border border-slate-200 bg-white p-4" aria-label="After">
          <h2 className="mb-2 font-semibold">After</h2>
          <JsonView value={e.after} changed={changed} label="After" />
        </section>
      </div>
      <p className="mt-4 text-sm">
        <Link href="/audit" className="text-blue-700 hover:underline">← Back to the audit log</Link>
      </p>
    </>
  );
}
