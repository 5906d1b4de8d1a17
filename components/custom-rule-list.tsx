"use client";
import { useRouter } from "next/navigation";
import { useState } from "react";
import type { ActionResult } from "@/lib/auth/action";
import { deleteCustomRuleAction, moveCustomRuleAction, setCustomRuleEnabledAction } from "@/lib/rules/actions";
import { applyActionErrors, reach } from "./action-result";
import { CustomRuleForm } from "./custom-rule-form";
import { toast } from "./toast";
import { Badge, Button } from "./ui";

export type CustomRuleRow = { id: string; ruleId: number; description: string; secRule: string; enabled: boolean; version: number };

/** The vhost's custom rules in evaluation order; writers get edit, enable/disable, move and delete per rule. */
export function CustomRuleList({ vhostId, domain, rules, canWrite }: { vhostId: string; domain: string; rules: CustomRuleRow[]; canWrite: boolean }) {
  const router = useRouter();
  const [editing, setEditing] = useState<string | null>(null);
  const [pending, setPending] = useState<string | null>(null);

  // Buttons stay enabled while a call runs (disabling the focused one would drop keyboard focus); a second press is ignored.
  async function run<T>(rule: CustomRuleRow, call: () => Promise<ActionResult<T>>, success: string) {
    if (pending) return;
    setPending(rule.id);
    const result = await reach(call());
    setPending(null);
    if (result.ok) toast.success(success);
    else applyActionErrors(result);
    // Also after a refusal: the list may be out of date (someone else moved or removed the rule).
    router.refresh();
  }

  if (rules.length === 0) {
    return (
      <p className="rounded-md border border-dashed border-slate-300 bg-white p-6 text-sm text-slate-600" data-testid="custom-rules-empty">
        No custom rules on {domain}.
        {canWrite
          ? " CRS already protects this site; add a rule below when you need to block or allow something specific to it, such as a parameter only this application has."
          : " Editors and administrators can add them."}
      </p>
    );
  }

  return (
    <ol className="space-y-3" aria-label="Custom rules, in the order they run">
      {rules.map((rule, index) => (
        <li key={rule.id} className="rounded-md border border-slate-200 bg-white p-4" data-testid="custom-rule" aria-label={`Custom rule ${rule.ruleId}`}>
          {editing === rule.id ? (
            <CustomRuleForm
              vhostId={vhostId}
              rule={{ id: rule.id, version: rule.version }}
              initial={{ ruleId: rule.ruleId, description: rule.description, secRule: rule.secRule, enabled: rule.enabled }}
              onDone={() => setEditing(null)}
            />
          ) : (
            <>
              <div className="flex flex-wrap items-center gap-2">
                <span className="font-mono text-sm font-semibold">{rule.ruleId}</span>
                {rule.enabled ? <Badge tone="green">Enabled</Badge> : <Badge>Disabled</Badge>}
                <span className="flex-1 text-sm">{rule.description}</span>
                {canWrite && (
                  <div className="flex flex-wrap gap-1">
                    <Button type="button" variant="secondary" aria-label={`Edit rule ${rule.ruleId}`} onClick={() => setEditing(rule.id)}>
                      Edit
                    </Button>
                    <Button
                      type="button"
                      variant="secondary"
                      aria-label={`${rule.enabled ? "Disable" : "Enable"} rule ${rule.ruleId}`}
                      onClick={() =>
                        run(rule, () => setCustomRuleEnabledAction({ vhostId, id: rule.id, enabled: !rule.enabled }), `${rule.enabled ? "Disabled" : "Enabled"} custom rule ${rule.ruleId}.`)
                      }
                    >
                      {rule.enabled ? "Disable" : "Enable"}
                    </Button>
                    <Button
                      type="button"
                      variant="secondary"
                      disabled={index === 0}
                      aria-label={`Move rule ${rule.ruleId} up`}
                      title="Run earlier"
                      onClick={() => run(rule, () => moveCustomRuleAction({ vhostId, id: rule.id, direction: "up" }), `Moved custom rule ${rule.ruleId} up.`)}
                    >
                      ↑
                    </Button>
                    <Button
                      type="button"
                      variant="secondary"
                      disabled={index === rules.length - 1}
                      aria-label={`Move rule ${rule.ruleId} down`}
                      title="Run later"
                      onClick={() => run(rule, () => moveCustomRuleAction({ vhostId, id: rule.id, direction: "down" }), `Moved custom rule ${rule.ruleId} down.`)}
                    >
                      ↓
                    </Button>
                    <Button
                      type="button"
                      variant="danger"
                      aria-label={`Delete rule ${rule.ruleId}`}
                      onClick={() => {
                        if (!window.confirm(`Delete custom rule ${rule.ruleId} ("${rule.description}") from ${domain}? The audit log keeps a copy of it.`)) return;
                        void run(rule, () => deleteCustomRuleAction({ vhostId, id: rule.id }), `Deleted custom rule ${rule.ruleId}.`);
                      }}
                    >
                      Delete
                    </Button>
                  </div>
                )}
              </div>
              <pre className="mt-2 overflow-x-auto whitespace-pre-wrap break-all rounded bg-slate-50 p-2 font-mono text-xs text-slate-800">{rule.secRule}</pre>
            </>
          )}
        </li>
      ))}
    </ol>
  );
}
