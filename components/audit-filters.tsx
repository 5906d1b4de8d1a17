// The audit log's filter form. The "all of this type" link is written here, on the server: the filter's
// parser (zod) stays out of the browser.
import { auditFilterQuery, type AuditFilter } from "@/lib/audit/filters";
import { AuditFilterForm, type AuditFilterChoices } from "./audit-filter-form";
import { domainLabel } from "@/lib/vhosts/display";

export type { AuditFilterChoices };

export function AuditFilters({ action, filter, choices }: { action: string; filter: AuditFilter; choices: AuditFilterChoices }) {
  const allOfTypeHref = filter.entityId ? `${action}${auditFilterQuery({ ...filter, entityId: undefined })}` : undefined;
  // The choices name vhosts as pages show them: Unicode with the punycode beside it (lib/vhosts/display.ts).
  const shown = { ...choices, vhosts: choices.vhosts.map((v) => ({ ...v, domain: domainLabel(v.domain) })) };
  return <AuditFilterForm action={action} filter={filter} choices={shown} allOfTypeHref={allOfTypeHref} />;
}
