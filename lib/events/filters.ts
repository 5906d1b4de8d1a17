// The /events filter as it lives in the URL (a GET form writes it, so a link reproduces the view): one zod
// schema per parameter, parsed leniently — a bad value is dropped and named in `problems` for the page to
// show — and written back without empty parameters. The list, the timeline and the tops read the same filter.
// Pure: no database; the clock is a parameter.
import { z } from "zod";
import { parseCidr, type ParsedCidr } from "@/lib/policies/cidr";

export const EVENT_RANGE_PRESETS = { "1h": 3_600_000, "24h": 86_400_000, "7d": 7 * 86_400_000, "30d": 30 * 86_400_000 } as const;
export type EventRangePreset = keyof typeof EVENT_RANGE_PRESETS;
export const DEFAULT_EVENT_RANGE: EventRangePreset = "24h";
export const EVENT_PATH_PREFIX_MAX = 2048;

const CONTROL = /[\u0000-\u001f\u007f]/;

/** `2026-12-06T08:00`, `2026-12-06T08:00:00Z` or `2026-12-06`: what a datetime-local field or a hand-written URL holds, read as UTC. */
const InstantSchema = (what: string) =>
  z
    .string()
    .trim()
    .regex(/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?Z?)?$/, `The ${what} must be a UTC date and time, like 2026-12-06T08:00.`)
    .transform((s, ctx) => {
      const iso = s.length === 10 ? `${s}T00:00:00Z` : s.endsWith("Z") ? s : `${s}Z`;
      const d = new Date(iso);
      if (Number.isNaN(d.getTime())) {
        ctx.addIssue({ code: "custom", message: `The ${what} is not a real date.` });
        return z.NEVER;
      }
      return d;
    });

/** A client address or CIDR range, IPv4 or IPv6 (matched as a range of client keys, see clientCondition in queries.ts). */
export const ClientFilterSchema = z
  .string()
  .trim()
  .transform((s, ctx): ParsedCidr => {
    const parsed = parseCidr(s);
    if (!parsed.ok) {
      ctx.addIssue({ code: "custom", message: parsed.error });
      return z.NEVER;
    }
    return parsed.value;
  });

export const EventFilterSchema = z.object({
  // Lower-cased: a uuid column compares either case on PostgreSQL, text on SQLite and the rollup does not.
  vhost: z.uuid("Unknown virtual host.").transform((s) => s.toLowerCase()),
  range: z.enum(Object.keys(EVENT_RANGE_PRESETS) as [EventRangePreset, ...EventRangePreset[]], "The time range is one of 1h, 24h, 7d or 30d."),
  from: InstantSchema("start"),
  to: InstantSchema("end"),
  outcome: z.enum(["blocked", "detected"], "The outcome is blocked or detected."),
  rule: z.coerce.number("A rule id is a number, like 942100.").int("A rule id is a whole number.").min(1, "A rule id is at least 1.").max(999_999_999, "That rule id is too large."),
  tag: z
    .string()
    .trim()
    .max(128, "A tag has at most 128 characters.")
    .regex(/^[A-Za-z0-9_./-]+$/, "A tag may contain only letters, digits and _ . / - (e.g. attack-sqli)."),
  client: ClientFilterSchema,
  path: z
    .string()
    .max(EVENT_PATH_PREFIX_MAX, `The path prefix has at most ${EVENT_PATH_PREFIX_MAX} characters.`)
    .refine((s) => s.startsWith("/"), "The path prefix must start with '/', e.g. /search.")
    .refine((s) => !CONTROL.test(s), "The path prefix contains a control character."),
  status: z.coerce.number("The status is an HTTP status code, like 403.").int("The status is a whole number.").min(0, "The status is 0–999.").max(999, "The status is 0–999."),
});

export type EventFilter = Partial<z.output<typeof EventFilterSchema>>;
export type EventFilterKey = keyof z.output<typeof EventFilterSchema>;
export const EVENT_FILTER_KEYS = Object.keys(EventFilterSchema.shape) as EventFilterKey[];

type RawParams = URLSearchParams | Record<string, string | string[] | undefined>;

function read(params: RawParams, name: string): string | undefined {
  const v = params instanceof URLSearchParams ? params.get(name) : params[name];
  const s = Array.isArray(v) ? v[0] : v;
  return s === undefined || s === null || s.trim() === "" ? undefined : s;
}

export function parseEventFilter(params: RawParams): { filter: EventFilter; problems: string[] } {
  const filter: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const key of EVENT_FILTER_KEYS) {
    const raw = read(params, key);
    if (raw === undefined) continue;
    const parsed = EventFilterSchema.shape[key].safeParse(raw);
    if (parsed.success) filter[key] = parsed.data;
    else problems.push(`${parsed.error.issues[0]?.message ?? "Invalid value."} (${key} ignored)`);
  }
  const f = filter as EventFilter;
  if (f.from && f.to && f.from >= f.to) problems.push("The start is not before the end: nothing can match.");
  return { filter: f, problems };
}

/** The filter's time window: an explicit from/to wins over the preset; an open end is now, an open start is the preset before the end. */
export function eventTimeRange(filter: EventFilter, now: Date = new Date()): { from: Date; to: Date } {
  const to = filter.to ?? now;
  const from = filter.from ?? new Date(to.getTime() - EVENT_RANGE_PRESETS[filter.range ?? DEFAULT_EVENT_RANGE]);
  return { from, to };
}

/** Keyset position in the newest-first list: `before` = older than this event, `after` = newer. Written as `<ms>_<uuid>`. */
export type EventCursor = { at: Date; id: string };

export function formatCursor(c: EventCursor): string {
  return `${c.at.getTime()}_${c.id}`;
}

export function parseCursor(text: string | undefined): EventCursor | undefined {
  const m = text ? /^(\d{1,15})_([0-9a-f-]{36})$/i.exec(text) : null;
  if (!m || !z.uuid().safeParse(m[2]).success) return undefined;
  return { at: new Date(Number(m[1])), id: m[2]!.toLowerCase() };
}

export function parseEventPage(params: RawParams): { before?: EventCursor; after?: EventCursor } {
  const before = parseCursor(read(params, "before"));
  if (before) return { before };
  const after = parseCursor(read(params, "after"));
  return after ? { after } : {};
}

function paramValue(key: EventFilterKey, value: unknown): string {
  if (value instanceof Date) return value.toISOString().slice(0, 19) + "Z";
  if (key === "client") return (value as ParsedCidr).canonical;
  return String(value);
}

/** The filter (minus `omit`, plus extra parameters) as a query string with a leading "?", or "" when empty. */
export function eventFilterQuery(filter: EventFilter, extra: Record<string, string | number | undefined> = {}, omit: EventFilterKey[] = []): string {
  const p = new URLSearchParams();
  for (const key of EVENT_FILTER_KEYS) {
    const v = filter[key];
    if (v !== undefined && !omit.includes(key)) p.set(key, paramValue(key, v));
  }
  for (const [k, v] of Object.entries(extra)) if (v !== undefined && v !== "") p.set(k, String(v));
  const s = p.toString();
  return s ? `?${s}` : "";
}

/** The filter's values as the GET form's fields show them. */
export function eventFilterFields(filter: EventFilter): Record<EventFilterKey, string> {
  const out = {} as Record<EventFilterKey, string>;
  for (const key of EVENT_FILTER_KEYS) {
    const v = filter[key];
    out[key] = v === undefined ? "" : v instanceof Date ? v.toISOString().slice(0, 16) : paramValue(key, v);
  }
  return out;
}

export function isEventFiltered(filter: EventFilter): boolean {
  return EVENT_FILTER_KEYS.some((k) => k !== "range" && filter[k] !== undefined);
}
