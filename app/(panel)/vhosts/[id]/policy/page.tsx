import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { EngineModeBadge } from "@/components/engine-mode-badge";
import { PolicyForm } from "@/components/policy-form";
import { can } from "@/lib/auth/permissions";
import { requireUser } from "@/lib/auth/session";
import { getVhostPolicy } from "@/lib/policies/queries";

export const metadata: Metadata = { title: "WAF policy" };

export default async function PolicyPage({ params }: { params: Promise<{ id: string }> }) {
  const user = await requireUser();
  const { id } = await params;
  const data = await getVhostPolicy(id);
  if (!data) notFound();
  const { policy } = data;
  return (
    <>
      <p className="mb-4 text-sm text-slate-600">
        Policy version {policy.version}
        {policy.updatedByEmail ? `, last saved by ${policy.updatedByEmail}` : ""}.
      </p>
      {can(user.role, "policy.write") ? (
        <PolicyForm
          key={policy.version}
          vhostId={id}
          initial={{
            engineMode: policy.engineMode,
            blockingParanoia: policy.blockingParanoia,
            detectionParanoia: policy.detectionParanoia,
            inboundThreshold: policy.inboundThreshold,
            outboundThreshold: policy.outboundThreshold,
            version: policy.version,
          }}
        />
      ) : (
        <dl className="grid max-w-xl grid-cols-[14rem_1fr] gap-y-2 rounded-lg border border-slate-200 bg-white p-4 text-sm" data-testid="policy-readonly">
          <dt className="text-slate-600">Engine mode</dt>
          <dd><EngineModeBadge mode={policy.engineMode} /></dd>
          <dt className="text-slate-600">Paranoia (blocking / detection)</dt>
          <dd>{policy.blockingParanoia} / {policy.detectionParanoia}</dd>
          <dt className="text-slate-600">Anomaly thresholds (in / out)</dt>
          <dd>{policy.inboundThreshold} / {policy.outboundThreshold}</dd>
        </dl>
      )}
    </>
  );
}
