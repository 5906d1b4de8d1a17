// The virtual host's fields as its form names them (components/vhost-form.tsx), for audit diffs.
import type { FieldLabels } from "@/lib/audit/field-labels";
import { TLS_MODE_LABELS } from "./fields";

export const VHOST_LABELS: FieldLabels = {
  fields: {
    domain: "Domain",
    aliases: "Aliases",
    backendUrl: "Backend URL",
    tlsMode: "TLS mode",
    certificateRef: "Certificate",
    hsts: "Send HSTS",
    minTlsVersion: "Minimum TLS version",
    enabled: "Enabled",
    templateId: "Start from template",
  },
  values: { tlsMode: TLS_MODE_LABELS, minTlsVersion: { TLS1_2: "TLS 1.2", TLS1_3: "TLS 1.3" } },
};
