import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { EngineModeBadge } from "@/components/engine-mode-badge";
import { CopyPolicy } from "@/components/copy-policy";
import { PolicyForm } from "@/components/policy-form";
import { can } from "@/lib/auth/permissions";
import { requireUser } from "@/lib/auth/session";
import { getVhostPolicy } from "@/lib/policies/queries";
import { listOtherVhostsForCopy, listTemplates } from "@/lib/templates/queries";
import { domainLabel } from "@/lib/vhosts/display";

export const metadata: Metadata = { title: "WAF policy" };

export default async function PolicyPage({ params }: { params: Promise<{ id: string }> }) {
  const user = await requireUser();
  const { id } = await params;
  const data = await getVhostPolicy(id);
  if (!data) notFound();
  const { policy } = data;
  const canWrite = can(user.role, "policy.write");
  const copyFrom = canWrite ? await copySources(id) : null;
  return (
    <>
      <p className="mb-4 text-sm text-slate-600">
        Policy version {policy.version}
        {policy.updatedByEmail ? `, last saved by ${policy.updatedByEmail}` : ""}.
      </p>
      {canWrite && copyFrom ? (
        <>
        <PolicyForm
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
        <CopyPolicy
          key={`copy-${policy.version}`}
          vhostId={id}
          domain={domainLabel(data.vhost.domain)}
          policyVersion={policy.version}
          exclusionCount={data.exclusions.length}
          {...copyFrom}
        />
        </>
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

/** What the "copy policy from" select offers: the templates with a usable policy and every other vhost. */
async function copySources(vhostId: string) {
  const [templates, vhosts] = await Promise.all([listTemplates(), listOtherVhostsForCopy(vhostId)]);
  return {
    templates: templates.flatMap((t) => (t.policy ? [{ id: t.id, name: t.name, summary: t.summary, exclusionCount: t.policy.exclusions.length }] : [])),
    vhosts: vhosts.map((v) => ({
      id: v.id,
      domain: domainLabel(v.domain),
      engineMode: v.policy?.engineMode ?? null,
      blockingParanoia: v.policy?.blockingParanoia ?? null,
      exclusionCount: v._count.exclusions,
    })),
  };
}
