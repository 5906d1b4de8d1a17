// The contract between a node agent and the panel for WAF events: one event is one ModSecurity
// transaction that matched at least one rule, parsed from the JSON audit log and redacted on the node
// (lib/events/parse.ts, lib/events/redact.ts), shipped in batches to POST /api/v1/nodes/events.
//
// Every string has a length limit. The agent truncates at the source (truncateField), so a gigantic field
// never leaves the node; the panel validates with these same schemas and refuses what is still over.
// The node is not a field: the panel knows it from the bearer token.
import { z } from "zod";

export const EVENT_FIELD_LIMITS = {
  transactionId: 128,
  vhost: 253,
  clientAddress: 64,
  method: 32,
  uri: 2048,
  message: 512,
  tag: 128,
  tagsPerMatch: 32,
  variable: 256,
  /** The matched part ("Matched Data: X") and the whole value of the variable it was found in. */
  data: 256,
  value: 256,
  matchesPerEvent: 100,
} as const;

/** One POST carries at most this many events, and at most this many bytes of JSON before compression. */
export const EVENT_BATCH_MAX_EVENTS = 500;
export const EVENT_BATCH_MAX_BYTES = 1_000_000;

/** What a truncated field ends with (counted in its limit). */
export const TRUNCATION_MARK = "…";

/** Cuts `text` to at most `max` characters, marking the cut; never splits a surrogate pair. */
export function truncateField(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max - TRUNCATION_MARK.length;
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end--;
  return text.slice(0, end) + TRUNCATION_MARK;
}

const L = EVENT_FIELD_LIMITS;

export const EventMatchSchema = z.object({
  ruleId: z.number().int().min(1).max(999_999_999),
  message: z.string().max(L.message),
  tags: z.array(z.string().min(1).max(L.tag)).max(L.tagsPerMatch),
  /** ModSecurity's severity number: 0 EMERGENCY … 2 CRITICAL … 5 NOTICE … 7 DEBUG; null when not given. */
  severity: z.number().int().min(0).max(7).nullable(),
  /** From the rule's `paranoia-level/N` tag (CRS); null when the rule has none (libmodsecurity 3.0.9 drops some rules' tags). */
  paranoiaLevel: z.number().int().min(1).max(4).nullable(),
  /** `ARGS:q`, `REQUEST_COOKIES:session`, `REQUEST_URI`; null when the rule logs no matched data (949110). */
  variable: z.string().max(L.variable).nullable(),
  /** The part of the value that matched (redacted, truncated). */
  data: z.string().max(L.data).nullable(),
  /** The whole value of the variable as ModSecurity logged it (redacted, truncated). */
  value: z.string().max(L.value).nullable(),
});
export type EventMatch = z.infer<typeof EventMatchSchema>;

export const WafEventSchema = z.object({
  /** ModSecurity's unique_id: with the node, what makes an event unique (a retried batch is stored once). */
  transactionId: z.string().min(1).max(L.transactionId),
  /** ISO 8601 in UTC, whole seconds (the audit log has no more). */
  time: z.iso.datetime({ offset: false }),
  /** The vhost's domain, as the bundle named it (SecComponentSignature, lib/waf/compile.ts). */
  vhost: z.string().min(1).max(L.vhost),
  clientAddress: z.string().min(1).max(L.clientAddress),
  method: z.string().min(1).max(L.method),
  /** Raw, as the client sent it (query included, still percent-encoded), secrets redacted. */
  uri: z.string().max(L.uri),
  status: z.number().int().min(0).max(999),
  /** blocked: the engine refused the request; detected: rules matched but the request went through. */
  outcome: z.enum(["blocked", "detected"]),
  inboundScore: z.number().int().min(0).nullable(),
  outboundScore: z.number().int().min(0).nullable(),
  matches: z.array(EventMatchSchema).min(1).max(L.matchesPerEvent),
});
export type WafEvent = z.infer<typeof WafEventSchema>;

export const EventBatchSchema = z.object({
  events: z.array(WafEventSchema).min(1).max(EVENT_BATCH_MAX_EVENTS),
});
export type EventBatch = z.infer<typeof EventBatchSchema>;
