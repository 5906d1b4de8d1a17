import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { CustomRuleForm } from "@/components/custom-rule-form";
import { CustomRuleList } from "@/components/custom-rule-list";
import { can } from "@/lib/auth/permissions";
import { requireUser } from "@/lib/auth/session";
import { CUSTOM_RULE_ID_MAX } from "@/lib/rules/modsec-vocabulary";
import { getVhostCustomRules } from "@/lib/rules/queries";
import { domainLabel } from "@/lib/vhosts/display";

export const metadata: Metadata = { title: "Custom rules" };

export default async function CustomRulesPage({ params }: { params: Promise<{ id: string }> }) {
  const user = await requireUser();
  const { id } = await params;
  const data = await getVhostCustomRules(id);
  if (!data) notFound();
  const { vhost, rules, nextRuleId } = data;
  const canWrite = can(user.role, "policy.write");
  return (
    <div className="max-w-4xl space-y-8">
      <section aria-labelledby="custom-rules-heading" className="space-y-3">
        <div>
          <h2 id="custom-rules-heading" className="font-semibold">
            Custom rules
          </h2>
          <p className="text-sm text-slate-600">
            ModSecurity rules of this site&apos;s own. They run before the Core Rule Set, in the order listed here within each phase. Disabled rules are kept but not deployed.
          </p>
        </div>
        <CustomRuleList
          vhostId={vhost.id}
          domain={domainLabel(vhost.domain)}
          canWrite={canWrite}
          rules={rules.map((r) => ({ id: r.id, ruleId: r.ruleId, description: r.description, secRule: r.secRule, enabled: r.enabled, version: r.version }))}
        />
      </section>
      {canWrite && (
        <section aria-labelledby="add-rule-heading" className="space-y-3 rounded-md border border-slate-200 bg-white p-4">
          <h2 id="add-rule-heading" className="font-semibold">
            Add a custom rule
          </h2>
          {nextRuleId === null ? (
            <p className="text-sm text-slate-600">
              Every custom rule id (1–{CUSTOM_RULE_ID_MAX.toLocaleString("en")}) is taken. Delete rules you no longer need to free some.
            </p>
          ) : (
            <CustomRuleForm vhostId={vhost.id} initial={{ ruleId: nextRuleId, description: "", secRule: "", enabled: true }} />
          )}
        </section>
      )}
    </div>
  );
}
