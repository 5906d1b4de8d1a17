// A user's fields as the user forms name them (components/user-form.tsx, user-controls.tsx), for audit diffs.
import type { FieldLabels } from "@/lib/audit/field-labels";
import { ROLE_LABELS } from "./fields";

export const USER_LABELS: FieldLabels = {
  fields: { email: "Email", name: "Name", role: "Role", disabled: "Disabled", sessionVersion: "Sessions ended (count)", passwordChanged: "Password changed" },
  values: { role: Object.fromEntries(Object.entries(ROLE_LABELS).map(([k, v]) => [k, v.label])) },
};
