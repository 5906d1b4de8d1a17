// One line of ModSecurity's JSON audit log (libmodsecurity 3.0.9 + nginx connector 1.0.3, `SecAuditLogFormat
// JSON`, Serial: one transaction per line) → one WAF event (lib/events/schema.ts), redacted and truncated, or
// a typed reason why the line is not one. Pure: the node agent calls it on each line it tails.
//
// The traps of this format (measured; /work/shared/WAF-ENGINE.md and the fixtures in ./fixtures):
// - time_stamp is ctime text in the node's local time, without a zone, in whole seconds
//   ("Sun Dec  6 04:06:46 2026"). It is read in the zone of the process that parses it: the agent runs on
//   the node, in the node's zone (set TZ for the agent if nginx runs in another). In the hour a DST change
//   repeats, a local time is ambiguous: the earlier instant is taken.
// - The vhost is the bundle's own word: each vhost's rules file declares SecComponentSignature
//   "palisade-vhost/<domain>" and it appears in producer.components, with a stray trailing quote.
//   server_id is a hash and the Host header is the client's word: neither is used.
// - details.data reads "Matched Data: X found within VAR:name: value", where the name and both values come
//   from the request (colons, quotes and " found within " included): see splitMatchedData.
// - The anomaly score is only in the text of the blocking-evaluation rules (949110 "Inbound Anomaly Score
//   Exceeded (Total Score: 15)"); a request under the threshold has no score in the log (null).
// - http_version and http_code are numbers; every details field except tags is a string; severity "2" is
//   CRITICAL; libmodsecurity 3.0.9 logs an empty tags[] for some CRS rules (942100, 930110, 942130).
// - Blocked or detected: secrules_engine is "Enabled" for blocking mode, "DetectionOnly" otherwise, and
//   "Enabled" again when a rule switched the engine on (the deny list does, ctl:ruleEngine=On). In
//   detection-only mode the same rules and 949110 are logged, and the client got the backend's answer.
import { z } from "zod";
import { VHOST_SIGNATURE_PREFIX } from "@/lib/waf/compile";
import { collectSecrets, redactEvent, type RedactOptions } from "./redact";
import { EVENT_FIELD_LIMITS as L, truncateField, type EventMatch, type WafEvent } from "./schema";

export type ParseFailure =
  /** Not JSON, or not the shape of a libmodsecurity 3 JSON transaction. */
  | { ok: false; reason: "malformed"; message: string }
  /** A transaction no rule matched (logged for its status alone, a backend 500): not a WAF event. */
  | { ok: false; reason: "no-matches"; message: string }
  /** No vhost signature: written by a bundle from before SecComponentSignature, or by a vhost-less server. */
  | { ok: false; reason: "no-vhost"; message: string };
export type ParseResult = { ok: true; event: WafEvent } | ParseFailure;

export type ParseOptions = {
  /** Redaction (lib/events/redact.ts) is on unless this is false (tests of the parser itself). */
  redact?: RedactOptions | false;
  /** Local ctime fields → the instant; defaults to the process's local zone. */
  localTime?: (y: number, month0: number, d: number, h: number, m: number, s: number) => Date;
};

const RawMessageSchema = z.object({
  message: z.string().default(""),
  details: z
    .object({
      match: z.string().default(""),
      ruleId: z.string(),
      data: z.string().default(""),
      severity: z.string().default(""),
      tags: z.array(z.string()).default([]),
    })
    .loose(),
});

const RawTransactionSchema = z.object({
  transaction: z
    .object({
      client_ip: z.string().min(1),
      time_stamp: z.string(),
      unique_id: z.string().min(1),
      request: z.object({ method: z.string().default(""), uri: z.string().default(""), headers: z.record(z.string(), z.unknown()).default({}) }).loose(),
      response: z.object({ http_code: z.number().int(), headers: z.record(z.string(), z.unknown()).default({}) }).loose(),
      producer: z.object({ secrules_engine: z.string().default(""), components: z.array(z.string()).default([]) }).loose(),
      messages: z.array(RawMessageSchema).default([]),
    })
    .loose(),
});
type RawTransaction = z.infer<typeof RawTransactionSchema>["transaction"];

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const CTIME = /^[A-Z][a-z]{2} ([A-Z][a-z]{2}) +(\d{1,2}) (\d{2}):(\d{2}):(\d{2}) (\d{4})$/;

/** ctime text in local time → ISO UTC, or null when it is not ctime text. */
export function parseCtime(text: string, localTime: NonNullable<ParseOptions["localTime"]> = localDate): string | null {
  const m = CTIME.exec(text.trim());
  if (!m) return null;
  const month = MONTHS.indexOf(m[1]!);
  if (month < 0) return null;
  const date = localTime(Number(m[6]), month, Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]));
  if (Number.isNaN(date.getTime())) return null;
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

function localDate(y: number, month0: number, d: number, h: number, m: number, s: number): Date {
  return new Date(y, month0, d, h, m, s);
}

/** The domain from the "palisade-vhost/<domain>" component (3.0.9 keeps a trailing quote). */
export function vhostOf(components: readonly string[]): string | null {
  for (const c of components) {
    if (!c.startsWith(VHOST_SIGNATURE_PREFIX)) continue;
    const domain = c.slice(VHOST_SIGNATURE_PREFIX.length).replace(/"+$/, "").trim();
    if (domain) return domain;
  }
  return null;
}

const SCORE_TEXT = /^(Inbound|Outbound) Anomaly Score Exceeded \((?:Total (?:Inbound |Outbound )?Score:|score) (\d+)/i;

/** Inbound/outbound anomaly scores from the blocking-evaluation and correlation rules' messages. */
export function scoresOf(messages: readonly { message: string }[]): { inbound: number | null; outbound: number | null } {
  const scores = { inbound: null as number | null, outbound: null as number | null };
  for (const { message } of messages) {
    const m = SCORE_TEXT.exec(message);
    if (!m) continue;
    const key = m[1]!.toLowerCase() === "inbound" ? "inbound" : "outbound";
    scores[key] = Math.max(scores[key] ?? 0, Number(m[2]));
  }
  return scores;
}

/** Rules that refuse the request when the engine is on: CRS's blocking evaluation, the bundle's body and deny-list rules. */
const BLOCKING_RULES = new Set([949110, 949111, 959100, 959101, 90100, 200002, 200003, 200004, 200005, 200007]);

/**
 * blocked when the engine was on for this transaction and either a rule that refuses requests matched and
 * the answer was the error it sends (403, or 400 for a body that cannot be parsed), or the answer was a 403
 * (a custom rule's deny). A backend's own 403 with a detection under the threshold counts as blocked too:
 * the log cannot tell them apart.
 */
export function outcomeOf(engine: string, status: number, ruleIds: readonly number[]): "blocked" | "detected" {
  if (engine !== "Enabled") return "detected";
  if (status === 403) return "blocked";
  if (status === 400 && ruleIds.some((id) => id >= 200002 && id <= 200007)) return "blocked";
  if (status >= 400 && ruleIds.some((id) => BLOCKING_RULES.has(id))) return "blocked";
  return "detected";
}

const DATA_PREFIX = "Matched Data: ";
const WITHIN = " found within ";
const COLLECTION = /^[A-Z][A-Z0-9_]*/;

export type SplitData = { variable: string | null; data: string | null; value: string | null };

/**
 * Splits "Matched Data: X found within VAR:name: value". X, name and value come from the request and may
 * hold " found within ", ": " and quotes, so every split is a candidate, ranked by: the variable named in
 * the rule's match text ("against variable `ARGS:q' (Value: …"), a name the request really carries (query
 * arguments, cookies, headers), a value that contains the matched data; then the earliest split.
 */
export function splitMatchedData(text: string, hints: { matchText?: string; knownNames?: ReadonlySet<string> } = {}): SplitData {
  if (text === "") return { variable: null, data: null, value: null };
  if (!text.startsWith(DATA_PREFIX)) return { variable: null, data: text, value: null };
  const body = text.slice(DATA_PREFIX.length);
  const hinted = /against variable `(.*?)' \(Value: `/s.exec(hints.matchText ?? "")?.[1] ?? null;
  let best: (SplitData & { score: number }) | null = null;
  for (let i = body.indexOf(WITHIN); i >= 0; i = body.indexOf(WITHIN, i + 1)) {
    const data = body.slice(0, i);
    const rest = body.slice(i + WITHIN.length);
    const collection = COLLECTION.exec(rest)?.[0];
    if (!collection) continue;
    const splits: number[] = [];
    for (let j = rest.indexOf(": ", collection.length); j >= 0; j = rest.indexOf(": ", j + 1)) splits.push(j);
    if (rest.endsWith(":")) splits.push(rest.length - 1);
    for (const j of splits) {
      const variable = rest.slice(0, j);
      if (variable !== collection && variable[collection.length] !== ":") continue;
      const value = rest.slice(j + 2);
      const name = variable.slice(collection.length + 1);
      let score = 0;
      if (hinted !== null && hinted === variable) score += 8;
      if (name && hints.knownNames?.has(name.toLowerCase())) score += 4;
      if (data && value.toLowerCase().includes(data.toLowerCase())) score += 2;
      if (best === null || score > best.score) best = { variable, data, value, score };
    }
  }
  if (best === null) return { variable: hinted, data: body, value: null };
  return { variable: best.variable, data: best.data, value: best.value };
}

/** Lower-cased names the request carries: query arguments, cookies and headers (hints for splitMatchedData). */
function namesOf(raw: RawTransaction, headers: Record<string, string>): Set<string> {
  const names = new Set<string>();
  const q = raw.request.uri.indexOf("?");
  if (q >= 0) {
    for (const pair of raw.request.uri.slice(q + 1).split("&")) {
      const name = pair.split("=", 1)[0]!;
      try {
        names.add(decodeURIComponent(name.replace(/\+/g, " ")).toLowerCase());
      } catch {
        names.add(name.toLowerCase());
      }
    }
  }
  for (const [name, value] of Object.entries(headers)) {
    names.add(name.toLowerCase());
    if (name.toLowerCase() === "cookie") for (const c of value.split(/;\s*/)) names.add(c.split("=", 1)[0]!.toLowerCase());
  }
  return names;
}

function stringHeaders(h: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) if (typeof v === "string") out[k] = v;
  return out;
}

function paranoiaOf(tags: readonly string[]): number | null {
  for (const t of tags) {
    const m = /^paranoia-level\/([1-4])$/.exec(t);
    if (m) return Number(m[1]);
  }
  return null;
}

export function parseAuditLine(line: string, options: ParseOptions = {}): ParseResult {
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch (err) {
    return { ok: false, reason: "malformed", message: `not JSON: ${(err as Error).message}`.slice(0, 200) };
  }
  const parsed = RawTransactionSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, reason: "malformed", message: `not a ModSecurity JSON transaction: ${issue?.path.join(".")}: ${issue?.message}`.slice(0, 200) };
  }
  const raw = parsed.data.transaction;
  const time = parseCtime(raw.time_stamp, options.localTime);
  if (time === null) return { ok: false, reason: "malformed", message: `time_stamp is not ctime text: ${JSON.stringify(raw.time_stamp.slice(0, 40))}` };
  const withIds = raw.messages.map((m) => ({ m, ruleId: Number(m.details.ruleId) })).filter((x) => Number.isInteger(x.ruleId) && x.ruleId > 0);
  if (withIds.length === 0) return { ok: false, reason: "no-matches", message: `transaction ${raw.unique_id} matched no rule (status ${raw.response.http_code})` };
  const vhost = vhostOf(raw.producer.components);
  if (vhost === null) return { ok: false, reason: "no-vhost", message: `transaction ${raw.unique_id} names no vhost (no ${VHOST_SIGNATURE_PREFIX} component)` };

  const requestHeaders = stringHeaders(raw.request.headers);
  const knownNames = namesOf(raw, requestHeaders);
  const matches: EventMatch[] = withIds.slice(0, L.matchesPerEvent).map(({ m, ruleId }) => {
    const split = splitMatchedData(m.details.data, { matchText: m.details.match, knownNames });
    const severity = /^[0-7]$/.test(m.details.severity) ? Number(m.details.severity) : null;
    return { ruleId, message: m.message, tags: m.details.tags, severity, paranoiaLevel: paranoiaOf(m.details.tags), ...split };
  });
  const scores = scoresOf(raw.messages);
  let event: WafEvent = {
    transactionId: raw.unique_id,
    time,
    vhost,
    clientAddress: raw.client_ip,
    method: raw.request.method || "-",
    uri: raw.request.uri,
    status: raw.response.http_code,
    outcome: outcomeOf(raw.producer.secrules_engine, raw.response.http_code, matches.map((m) => m.ruleId)),
    inboundScore: scores.inbound,
    outboundScore: scores.outbound,
    matches,
  };
  if (options.redact !== false) {
    const secrets = collectSecrets(
      { uri: raw.request.uri, requestHeaders, responseHeaders: stringHeaders(raw.response.headers), matched: matches },
      options.redact ?? {},
    );
    event = redactEvent(event, secrets, options.redact ?? {});
  }
  return { ok: true, event: truncateEvent(event) };
}

/** Every field cut to its limit (lib/events/schema.ts), so a gigantic field never leaves the node. */
export function truncateEvent(e: WafEvent): WafEvent {
  const t = (s: string, max: number) => truncateField(s, max);
  const n = (s: string | null, max: number) => (s === null ? null : truncateField(s, max));
  return {
    ...e,
    transactionId: t(e.transactionId, L.transactionId),
    vhost: t(e.vhost, L.vhost),
    clientAddress: t(e.clientAddress, L.clientAddress),
    method: t(e.method, L.method),
    uri: t(e.uri, L.uri),
    matches: e.matches.slice(0, L.matchesPerEvent).map((m) => ({
      ...m,
      message: t(m.message, L.message),
      tags: m.tags.filter((tag) => tag.length > 0).slice(0, L.tagsPerMatch).map((tag) => t(tag, L.tag)),
      variable: n(m.variable, L.variable),
      data: n(m.data, L.data),
      value: n(m.value, L.value),
    })),
  };
}
