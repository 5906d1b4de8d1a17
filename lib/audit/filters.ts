// The audit log's filter, as it lives in the URL (so a link reproduces the view): parsed leniently —
// a value that does not parse is dropped and named in `problems` for the page to show — and written
// back without empty parameters. The list, the overview and the export all read the same filter.
import { z } from "zod";
import { parseSearchQuery, SEARCH_QUERY_MAX_LENGTH } from "./search";

/**
 * Free text from a URL may carry control characters (`?actor=%00`); no stored value has them, and
 * PostgreSQL refuses a NUL in a text parameter outright (a 500, not "no match"). Refused as bad input.
 */
export const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;
const text = (what: string) =>
  z.string().refine((s) => !CONTROL_CHARACTER.test(s), `The ${what} contains a control character (such as NUL), which no audit event has.`);

export const AuditFilterSchema = z.object({
  q: text("search").pipe(z.string().trim().min(1).max(SEARCH_QUERY_MAX_LENGTH, `The search is limited to ${SEARCH_QUERY_MAX_LENGTH} characters.`)),
  actor: text("actor").pipe(z.string().trim().toLowerCase().min(1).max(320, "That is not an email address.")),
  action: z.string().trim().regex(/^[A-Za-z][\w.-]{0,63}$/, "Unknown action."),
  entity: z.string().trim().regex(/^[A-Za-z]\w{0,63}$/, "Unknown entity type."),
  entityId: text("entity").pipe(z.string().trim().min(1).max(200, "Unknown entity.")),
  vhost: z.uuid("Unknown virtual host."),
  from: z.iso.date("The start date must be a date (YYYY-MM-DD)."),
  to: z.iso.date("The end date must be a date (YYYY-MM-DD)."),
});

export type AuditFilter = Partial<z.infer<typeof AuditFilterSchema>>;
export type AuditFilterKey = keyof AuditFilter;
export const AUDIT_FILTER_KEYS = Object.keys(AuditFilterSchema.shape) as AuditFilterKey[];

type RawParams = URLSearchParams | Record<string, string | string[] | undefined>;

function read(params: RawParams, name: string): string | undefined {
  const v = params instanceof URLSearchParams ? params.get(name) : params[name];
  const s = Array.isArray(v) ? v[0] : v;
  return s === undefined || s === null || s.trim() === "" ? undefined : s;
}

export function parseAuditFilter(params: RawParams): { filter: AuditFilter; problems: string[] } {
  const filter: AuditFilter = {};
  const problems: string[] = [];
  for (const key of AUDIT_FILTER_KEYS) {
    const raw = read(params, key);
    if (raw === undefined) continue;
    const parsed = AuditFilterSchema.shape[key].safeParse(raw);
    if (parsed.success) (filter as Record<string, string>)[key] = parsed.data;
    else problems.push(`${parsed.error.issues[0]?.message ?? "Invalid value."} (${key} ignored)`);
  }
  if (filter.q && parseSearchQuery(filter.q).length === 0) {
    problems.push("The search has no letters or digits to look for (search ignored).");
    delete filter.q;
  }
  if (filter.entityId && !filter.entity) {
    problems.push("An entity needs its type (entityId ignored).");
    delete filter.entityId;
  }
  if (filter.from && filter.to && filter.from > filter.to) problems.push("The start date is after the end date: nothing can match.");
  return { filter, problems };
}

/** Keyset position: `before` = the page below that seq (older), `after` = the page above it (newer). */
export const AuditPageSchema = z.object({
  before: z.coerce.number().int().min(1).optional().catch(undefined),
  after: z.coerce.number().int().min(0).optional().catch(undefined),
});

export function parseAuditPage(params: RawParams): { before?: number; after?: number } {
  const page = AuditPageSchema.parse({ before: read(params, "before"), after: read(params, "after") });
  return page.before !== undefined ? { before: page.before } : page.after !== undefined ? { after: page.after } : {};
}

/** The filter (plus extra parameters) as a query string with a leading "?", or "" when empty. */
export function auditFilterQuery(filter: AuditFilter, extra: Record<string, string | number | undefined> = {}): string {
  const p = new URLSearchParams();
  for (const key of AUDIT_FILTER_KEYS) if (filter[key]) p.set(key, filter[key]);
  for (const [k, v] of Object.entries(extra)) if (v !== undefined && v !== "") p.set(k, String(v));
  const s = p.toString();
  return s ? `?${s}` : "";
}

export function isFiltered(filter: AuditFilter): boolean {
  return AUDIT_FILTER_KEYS.some((k) => filter[k] !== undefined);
}

/** The time range as instants: `from` at 00:00 UTC, `to` inclusive (so the bound is the next day, exclusive). */
export function filterTimeRange(filter: AuditFilter): { from?: Date; until?: Date } {
  return {
    ...(filter.from ? { from: new Date(`${filter.from}T00:00:00.000Z`) } : {}),
    ...(filter.to ? { until: new Date(new Date(`${filter.to}T00:00:00.000Z`).getTime() + 86_400_000) } : {}),
  };
}

const FILTER_LABELS: Record<AuditFilterKey, string> = {
  q: "search",
  actor: "actor",
  action: "action",
  entity: "entity type",
  entityId: "entity",
  vhost: "virtual host",
  from: "from",
  to: "to",
};

/** `action vhost.update, search "deny 10.0.0.1"`, or "no filter". */
export function describeAuditFilter(filter: AuditFilter): string {
  const parts = AUDIT_FILTER_KEYS.filter((k) => filter[k]).map((k) => `${FILTER_LABELS[k]} ${k === "q" ? JSON.stringify(filter[k]) : filter[k]}`);
  return parts.length ? parts.join(", ") : "no filter";
}
