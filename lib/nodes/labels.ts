// A WAF node's fields as the nodes page names them (components/node-register.tsx), for audit diffs.
import type { FieldLabels } from "@/lib/audit/field-labels";

export const NODE_LABELS: FieldLabels = {
  fields: { name: "Node name", tokenPrefix: "Token prefix", revoked: "Revoked" },
};
