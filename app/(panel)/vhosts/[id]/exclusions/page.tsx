import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { ExclusionForm } from "@/components/exclusion-form";
import { ExclusionList } from "@/components/exclusion-list";
import { can } from "@/lib/auth/permissions";
import { requireUser } from "@/lib/auth/session";
import { getVhostExclusions } from "@/lib/rules/queries";

export const metadata: Metadata = { title: "Exclusions" };

export default async function ExclusionsPage({ params }: { params: Promise<{ id: string }> }) {
  const user = await requireUser();
  const { id } = await params;
  const data = await getVhostExclusions(id);
  if (!data) notFound();
  const { vhost, exclusions } = data;
  const canWrite = can(user.role, "policy.write");
  return (
    <div className="max-w-4xl space-y-8">
      <section aria-labelledby="exclusions-heading" className="space-y-3">
        <div>
          <h2 id="exclusions-heading" className="font-semibold">
            Rule exclusions
          </h2>
          <p className="text-sm text-slate-600">
            Exceptions to the Core Rule Set for this site: a rule switched off, or told to ignore one input, everywhere or only under a path.
            The rules that turn the anomaly score into a block (949110, 949111, 959100, 959101) cannot be excluded; change the policy&apos;s threshold instead.
          </p>
        </div>
        <ExclusionList
          vhostId={vhost.id}
          domain={vhost.domain}
          canWrite={canWrite}
          exclusions={exclusions.map(({ id, kind, ruleId, ruleIdEnd, tag, target, pathPrefix, note }) => ({ id, kind, ruleId, ruleIdEnd, tag, target, pathPrefix, note }))}
        />
      </section>
      {canWrite && (
        <section aria-labelledby="add-exclusion-heading" className="space-y-3 rounded-md border border-slate-200 bg-white p-4">
          <h2 id="add-exclusion-heading" className="font-semibold">
            Add an exclusion
          </h2>
          <ExclusionForm vhostId={vhost.id} />
        </section>
      )}
    </div>
  );
}
