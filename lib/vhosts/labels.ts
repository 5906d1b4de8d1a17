// The virtual host's fields as its form names them (components/vhost-form.tsx), for audit diffs. A create or
// delete records the vhost with its policy, IP lists, rules and exclusions: those keep their own forms' words.
import type { FieldLabels } from "@/lib/audit/field-labels";
import { IP_LIST_LABELS, POLICY_LABELS } from "@/lib/policies/labels";
import { CUSTOM_RULE_LABELS, EXCLUSION_LABELS } from "@/lib/rules/labels";
import { TLS_MODE_LABELS } from "./fields";

export const VHOST_LABELS: FieldLabels = {
  fields: {
    ...IP_LIST_LABELS.fields,
    ...CUSTOM_RULE_LABELS.fields,
    ...EXCLUSION_LABELS.fields,
    ...POLICY_LABELS.fields,
    domain: "Domain",
    aliases: "Aliases",
    backendUrl: "Backend URL",
    tlsMode: "TLS mode",
    certificateRef: "Certificate",
    hsts: "Send HSTS",
    minTlsVersion: "Minimum TLS version",
    enabled: "Enabled",
    vhost: "Virtual host",
    policy: "Policy",
    template: "Template",
    ipEntries: "IP lists",
    customRules: "Custom rules",
    exclusions: "Exclusions",
  },
  values: { ...EXCLUSION_LABELS.values, ...POLICY_LABELS.values, tlsMode: TLS_MODE_LABELS, minTlsVersion: { TLS1_2: "TLS 1.2", TLS1_3: "TLS 1.3" } },
};
