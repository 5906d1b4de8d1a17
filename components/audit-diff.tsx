// A field-level diff of an audit event (lib/audit/diff.ts), in the forms' words: one row per added,
// removed or changed field or list item, labelled by the entity's domain (lib/audit/field-labels.ts).
// Version counters and timestamps are left out; the raw values stay on the page for reviewers.
import { diffJson } from "@/lib/audit/diff";
import { labelChanges, type FieldLabels } from "@/lib/audit/field-labels";
import { NODE_LABELS } from "@/lib/nodes/labels";
import { IP_LIST_LABELS, POLICY_LABELS } from "@/lib/policies/labels";
import { CUSTOM_RULE_LABELS, EXCLUSION_LABELS } from "@/lib/rules/labels";
import { TEMPLATE_LABELS } from "@/lib/templates/labels";
import { USER_LABELS } from "@/lib/users/labels";
import { VHOST_LABELS } from "@/lib/vhosts/labels";
import { Badge } from "./ui";

/** Audit entity type → its domain's labels. Entities without a form (revisions, archives) keep field names. */
const LABELS: Record<string, FieldLabels> = {
  WafPolicy: POLICY_LABELS,
  IpList: IP_LIST_LABELS,
  VirtualHost: VHOST_LABELS,
  CustomRule: CUSTOM_RULE_LABELS,
  RuleExclusion: EXCLUSION_LABELS,
  PolicyTemplate: TEMPLATE_LABELS,
  User: USER_LABELS,
  WafNode: NODE_LABELS,
};

function isScalar(v: unknown) {
  return v === null || typeof v !== "object";
}

function Value({ v }: { v: unknown }) {
  if (v === undefined) return null;
  const text = typeof v === "string" ? v : JSON.stringify(v, null, 2);
  if (isScalar(v)) return <span className="whitespace-pre-wrap break-all font-mono text-xs">{text === "" ? "(empty)" : text}</span>;
  return <pre className="whitespace-pre-wrap break-all font-mono text-xs">{text}</pre>;
}

const KIND = {
  added: { tone: "green", label: "added" },
  removed: { tone: "red", label: "removed" },
} as const;

export function AuditDiff({ entityType, before, after }: { entityType: string; before: unknown; after: unknown }) {
  const changes = labelChanges(diffJson(before, after), LABELS[entityType]);
  if (changes.length === 0) {
    return <p className="text-sm italic text-slate-600">No field changed: before and after are the same, or the event records no values.</p>;
  }
  return (
    <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white" tabIndex={0} role="region" aria-label="Changes (scrolls sideways on narrow screens)">
      <table className="w-full text-left text-sm" aria-label="Changes">
        <thead className="border-b border-slate-200 bg-slate-50 text-xs uppercase text-slate-600">
          <tr>
            <th className="px-4 py-2">Field</th>
            <th className="px-4 py-2">Change</th>
          </tr>
        </thead>
        <tbody>
          {changes.map((c, i) => (
            <tr key={i} className="border-b border-slate-100 align-top last:border-0" data-testid="diff-row" data-kind={c.kind}>
              <th scope="row" className="px-4 py-2 font-medium">
                {c.label}
              </th>
              <td className="px-4 py-2">
                {c.kind === "changed" ? (
                  <span className="flex flex-wrap items-start gap-x-2">
                    {c.reordered && <Badge tone="amber">reordered</Badge>}
                    <span className="text-red-800">
                      <Value v={c.display.before} />
                    </span>{" "}
                    <span aria-label="changed to">→</span>{" "}
                    <span className="text-green-800">
                      <Value v={c.display.after} />
                    </span>
                  </span>
                ) : (
                  <span className="flex flex-wrap items-start gap-x-2">
                    <Badge tone={KIND[c.kind].tone}>{`${c.item ? "item " : ""}${KIND[c.kind].label}`}</Badge>{" "}
                    <span className={c.kind === "added" ? "text-green-800" : "text-red-800"}>
                      <Value v={c.display.value} />
                    </span>
                  </span>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
