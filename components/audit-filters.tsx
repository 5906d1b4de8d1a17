// The audit log's filter form. The "all of this type" link is written here, on the server: the filter's
// parser (zod) stays out of the browser.
import { auditFilterQuery, type AuditFilter } from "@/lib/audit/filters";
import { AuditFilterForm, type AuditFilterChoices } from "./audit-filter-form";

export type { AuditFilterChoices };

export function AuditFilters({ action, filter, choices }: { action: string; filter: AuditFilter; choices: AuditFilterChoices }) {
  const allOfTypeHref = filter.entityId ? `${action}${auditFilterQuery({ ...filter, entityId: undefined })}` : undefined;
  return <AuditFilterForm action={action} filter={filter} choices={choices} allOfTypeHref={allOfTypeHref} />;
}
