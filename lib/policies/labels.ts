// The policy's and IP lists' fields as the forms name them (components/policy-form.tsx,
// policy-level-fields.tsx, ip-list-editor.tsx), for the audit log's diffs (lib/audit/field-labels.ts).
import type { FieldLabels } from "@/lib/audit/field-labels";

export const ENGINE_MODE_LABELS = { BLOCKING: "Blocking", DETECTION_ONLY: "Detection only", OFF: "Off" } as const;

export const POLICY_LABELS: FieldLabels = {
  fields: {
    engineMode: "Engine mode",
    blockingParanoia: "Blocking paranoia",
    detectionParanoia: "Detection paranoia",
    inboundThreshold: "Inbound anomaly threshold",
    outboundThreshold: "Outbound anomaly threshold",
  },
  values: { engineMode: ENGINE_MODE_LABELS },
};

export const IP_LIST_LABELS: FieldLabels = {
  fields: { kind: "List", cidr: "Address or range", note: "Note", added: "Added", refused: "Refused", input: "Input", reason: "Reason", fromEvent: "From WAF event", entries: "Entries" },
  values: { kind: { DENY: "Deny list", ALLOW: "Allow list" } },
};
