import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { ExclusionForm } from "@/components/exclusion-form";
import { ExclusionList } from "@/components/exclusion-list";
import { can } from "@/lib/auth/permissions";
import { requireUser } from "@/lib/auth/session";
import { draftExclusionImpact } from "@/lib/events/queries";
import { RULE_EXCLUSION_KINDS, type RuleExclusionKind } from "@/lib/rules/exclusion-fields";
import { EMPTY_EXCLUSION_FORM, toSchemaInput, type ExclusionFormValues } from "@/lib/rules/exclusion-form-values";
import { describeExclusion, RuleExclusionSchema } from "@/lib/rules/exclusions";
import { getVhostExclusions } from "@/lib/rules/queries";
import { domainLabel } from "@/lib/vhosts/display";

export const metadata: Metadata = { title: "Exclusions" };

type Search = Record<string, string | string[] | undefined>;
const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v) ?? "";

/** A draft from the URL ("Exclude this" on /events/[id] links here with kind, ruleId, target, tag, pathPrefix, fromEvent). */
function draftFromSearch(search: Search): { values: ExclusionFormValues; fromEvent?: string } | null {
  const kind = one(search.kind);
  if (!(RULE_EXCLUSION_KINDS as readonly string[]).includes(kind)) return null;
  const values: ExclusionFormValues = { ...EMPTY_EXCLUSION_FORM, kind: kind as RuleExclusionKind };
  for (const k of ["ruleId", "ruleIdEnd", "tag", "target", "pathPrefix", "note"] as const) values[k] = one(search[k]).slice(0, 300);
  const fromEvent = one(search.fromEvent);
  if (fromEvent && !values.note) values.note = "False positive seen in a WAF event";
  return { values, ...(/^[0-9a-f-]{36}$/i.test(fromEvent) ? { fromEvent: fromEvent.toLowerCase() } : {}) };
}

export default async function ExclusionsPage({ params, searchParams }: { params: Promise<{ id: string }>; searchParams: Promise<Search> }) {
  const user = await requireUser();
  const { id } = await params;
  const data = await getVhostExclusions(id);
  if (!data) notFound();
  const { vhost, exclusions } = data;
  const canWrite = can(user.role, "policy.write");
  const draft = canWrite ? draftFromSearch(await searchParams) : null;
  const parsedDraft = draft ? RuleExclusionSchema.safeParse(toSchemaInput(draft.values)) : null;
  const impact = parsedDraft?.success ? await draftExclusionImpact(vhost.id, parsedDraft.data) : null;
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
          domain={domainLabel(vhost.domain)}
          canWrite={canWrite}
          exclusions={exclusions.map(({ id, kind, ruleId, ruleIdEnd, tag, target, pathPrefix, note }) => ({ id, kind, ruleId, ruleIdEnd, tag, target, pathPrefix, note }))}
        />
      </section>
      {canWrite && (
        <section aria-labelledby="add-exclusion-heading" className="space-y-3 rounded-md border border-slate-200 bg-white p-4">
          <h2 id="add-exclusion-heading" className="font-semibold">
            Add an exclusion
          </h2>
          {draft?.fromEvent && (
            <p className="text-sm text-slate-600">
              Prefilled from <Link href={`/events/${draft.fromEvent}`} className="text-blue-700 hover:underline">a WAF event</Link>: the narrowest exclusion that would have let it through. The audit entry will name the event.
            </p>
          )}
          {parsedDraft?.success && impact && (
            <div role="note" className="rounded-md border border-blue-200 bg-blue-50 p-3 text-sm text-blue-900" data-testid="draft-impact">
              <p>
                <strong>{describeExclusion(parsedDraft.data)}</strong>, applied to the stored events of the last 7 days on {domainLabel(vhost.domain)}: it would have
                switched off a scoring rule in <strong>{impact.touched}{impact.capped ? "+" : ""}</strong> event{impact.touched === 1 ? "" : "s"}, of which{" "}
                <strong data-testid="draft-let-through">{impact.letThrough}</strong> would have gone through
                {impact.alsoOtherRules > 0 ? (
                  <>
                    {" "}and <strong data-testid="draft-other-rules">{impact.alsoOtherRules}</strong> also scored on other rules ({impact.otherRules.slice(0, 5).map((r) => `${r.ruleId} ×${r.count}`).join(", ")}), so they may still be blocked.
                  </>
                ) : (
                  "; none of them scored on other rules."
                )}
              </p>
              <p className="mt-1 text-xs">This is for the draft as suggested; if you change it, the figures no longer apply.</p>
            </div>
          )}
          <ExclusionForm vhostId={vhost.id} {...(draft ? { initial: draft.values } : {})} {...(draft?.fromEvent ? { fromEvent: draft.fromEvent } : {})} />
        </section>
      )}
    </div>
  );
}
