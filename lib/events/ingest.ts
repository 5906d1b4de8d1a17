// Storing the WAF events a node ships (POST /api/v1/nodes/events, app/api/v1/nodes/events/route.ts): each
// event of a batch is validated on its own (WafEventSchema), so a malformed entry, an unknown vhost or an
// oversized field is refused by itself, named by its index, and never poisons the rest of the batch.
//
// Exactly once: an event's id is derived from (node, ModSecurity's transaction id) — sha256, shaped as a
// UUID — and the WafEvent row and its WafEventMatch rows go in with `insertBatch` in one transaction: on
// PostgreSQL a COPY, which a key stored already makes fail, and then INSERT … ON CONFLICT DO NOTHING; on
// SQLite the latter. A retried batch, two identical batches at once, an agent restart: each event is stored
// once, and the second copy counts as a duplicate. Rows are inserted in id order so two
// concurrent batches sharing events lock them in the same order (no deadlock on PostgreSQL). The hourly
// rollup (lib/events/rollup.ts) is counted by a background job once an hour has closed
// (lib/events/rollup-job.ts); only an event arriving for an hour already counted is added to it here, in the
// same transaction, its rows in one fixed order too.
//
// One batch at a time per process (PALISADE_EVENT_STORE_CONCURRENCY): validation and row building run for
// every batch at once, but their transactions take turns, so ingestion keeps at most that many database
// backends busy and the pages' queries find a core (BENCHMARKS.md, part j). SQLite has one writer anyway.
//
// Events are node data, the WAF's own record, not a user's change: no audit row is written per batch
// (SECURITY.md, "WAF events"). Nobody edits an event; only retention (lib/events/retention.ts) deletes.
import "server-only";
import { hash } from "node:crypto";
import pLimit from "p-limit";
import { db, dialect } from "@/lib/db";
import { clientKey } from "./client-key";
import { lateRollup } from "./rollup-job";
import { isScoringRule } from "./rules";
import { WafEventSchema, type WafEvent } from "./schema";

export type RejectedEvent = { index: number; transactionId?: string; error: string };
export type IngestResult = { accepted: number; duplicates: number; rejected: RejectedEvent[] };
/** What ingestion needs of the sending node (a WafNode row has it). */
export type IngestingNode = { id: string; appliedRevision: number | null };

export const WAF_EVENT_COLUMNS = [
  "id", "nodeId", "transactionId", "vhostId", "vhost", "occurredAt", "receivedAt", "clientAddress", "clientKey", "method", "uri", "path",
  "status", "outcome", "inboundScore", "outboundScore", "revision", "matches",
] as const;
export const WAF_EVENT_MATCH_COLUMNS = ["eventId", "ruleId", "occurredAt", "vhostId", "outcome", "scoring", "tags"] as const;

/**
 * The event's id: sha256 of node id and transaction id, its first 16 bytes shaped as a UUID (version 8,
 * "custom", RFC 9562; variant 10). The same pair always gives the same id, so a retried event conflicts.
 */
export function eventId(nodeId: string, transactionId: string): string {
  const b = hash("sha256", `${nodeId}\n${transactionId}`, "buffer").subarray(0, 16);
  b[6] = (b[6]! & 0x0f) | 0x80;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = b.toString("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** The URI without its query string (still percent-encoded, as the client sent it). */
export function pathOf(uri: string): string {
  const q = uri.indexOf("?");
  return q === -1 ? uri : uri.slice(0, q);
}

/** A match's tags as one text column, "|t1|t2|", so "has tag t" is `LIKE '%|t|%'`; "" when it has none. */
export function tagsColumn(tags: readonly string[]): string {
  return tags.length ? `|${tags.join("|")}|` : "";
}

/** What a NUL character is stored as: PostgreSQL's text cannot hold U+0000, SQLite's could; both store this. */
export const NUL_STAND_IN = "\u2400";

/**
 * `v` with its strings (nested too) made storable on both databases: every U+0000 replaced by NUL_STAND_IN
 * ("␀", SYMBOL FOR NULL), so an admin still sees where the null byte was, and a lone UTF-16 surrogate (JSON
 * allows "\ud800" alone) by U+FFFD. A null-byte attack (CRS 920270) logs a NUL in the URI and the matched
 * data; PostgreSQL refuses both kinds of text, and the whole batch with them, so the node would retry it forever.
 */
export function storable<T>(v: T): T {
  // Most events hold no such character: one walk that allocates nothing tells, and they are returned as they are.
  return unstorable(v) ? copyStorable(v) : v;
}

const storableText = (text: string) => (text.isWellFormed() ? !text.includes("\u0000") : false);

/** Whether some string in `v` (nested too) holds a NUL or a lone surrogate. */
function unstorable(v: unknown): boolean {
  if (typeof v === "string") return !storableText(v);
  if (v === null || typeof v !== "object") return false;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) if (unstorable(v[i])) return true;
    return false;
  }
  for (const k in v) if (Object.hasOwn(v, k) && unstorable((v as Record<string, unknown>)[k])) return true;
  return false;
}

function copyStorable<T>(v: T): T {
  if (typeof v === "string") {
    const text = v.isWellFormed() ? v : v.toWellFormed();
    return (text.includes("\u0000") ? text.replaceAll("\u0000", NUL_STAND_IN) : text) as T;
  }
  if (v === null || typeof v !== "object") return v;
  // Copied only where something changed.
  let copy: unknown[] | Record<string, unknown> | null = null;
  for (const [k, x] of Object.entries(v)) {
    const y = copyStorable(x);
    if (y === x) continue;
    copy ??= Array.isArray(v) ? [...(v as unknown[])] : { ...(v as Record<string, unknown>) };
    (copy as Record<string, unknown>)[k] = y;
  }
  return (copy ?? v) as T;
}

/** One WafEventMatch row per distinct rule of the event (a rule logged twice: its tags merged). */
export function matchRows(id: string, event: WafEvent, vhostId: string, occurredAt: Date): unknown[][] {
  const { matches } = event;
  // The common case, each rule once and in order: no merging needed.
  let simple = true;
  for (let i = 1; i < matches.length && simple; i++) simple = matches[i - 1]!.ruleId < matches[i]!.ruleId;
  if (simple) {
    return matches.map((m) => [id, m.ruleId, occurredAt, vhostId, event.outcome, isScoringRule(m.ruleId), tagsColumn(m.tags.some((t) => t.includes("|")) ? [...new Set(m.tags.map((t) => t.replaceAll("|", "/")))] : [...new Set(m.tags)])]);
  }
  const byRule = new Map<number, Set<string>>();
  for (const m of event.matches) {
    const tags = byRule.get(m.ruleId) ?? new Set<string>();
    for (const t of m.tags) tags.add(t.replaceAll("|", "/"));
    byRule.set(m.ruleId, tags);
  }
  return [...byRule].sort((a, b) => a[0] - b[0]).map(([ruleId, tags]) => [id, ruleId, occurredAt, vhostId, event.outcome, isScoringRule(ruleId), tagsColumn([...tags])]);
}

function describeIssues(error: { issues: { path: PropertyKey[]; message: string }[] }): string {
  return error.issues
    .slice(0, 5)
    .map((i) => `${i.path.map(String).join(".") || "event"}: ${i.message}`)
    .join("; ");
}

/** The vhost ids of these domains (lower-cased), for the ones that exist. */
async function vhostIds(domains: string[]): Promise<Map<string, string>> {
  if (domains.length === 0) return new Map();
  const rows = await db.virtualHost.findMany({ where: { domain: { in: domains } }, select: { id: true, domain: true } });
  return new Map(rows.map((r) => [r.domain.toLowerCase(), r.id]));
}

/** A valid event of a known vhost, as the node sent it, ready to be stored. */
export type StoredEvent = { node: IngestingNode; event: WafEvent; vhostId: string; receivedAt: Date };

/**
 * Stores valid events of known vhosts, once each (a conflicting id is skipped with its matches), in one
 * transaction; returns how many were new. Everything that writes WAF events goes through here —
 * ingestion and the scale seed (lib/bench/seed-scale.ts) — so the rows are built one way only.
 */
export async function storeEvents(items: readonly StoredEvent[]): Promise<number> {
  const events: unknown[][] = [];
  const matches: unknown[][] = [];
  for (const { node, event: sent, vhostId, receivedAt } of items) {
    const id = eventId(node.id, sent.transactionId);
    const event = storable(sent);
    const occurredAt = new Date(event.time);
    events.push([
      id, node.id, event.transactionId, vhostId, event.vhost, occurredAt, receivedAt, event.clientAddress, clientKey(event.clientAddress) ?? "", event.method, event.uri, pathOf(event.uri),
      event.status, event.outcome, event.inboundScore, event.outboundScore, node.appliedRevision, event.matches,
    ]);
    matches.push(...matchRows(id, event, vhostId, occurredAt));
  }
  if (events.length === 0) return 0;
  // Same order in every batch: concurrent batches sharing events take their locks in the same order.
  const byId = (a: unknown[], b: unknown[]) => (a[0] as string < (b[0] as string) ? -1 : a[0] === b[0] ? (a[1] as number) - (b[1] as number) : 1);
  events.sort(byId);
  matches.sort(byId);
  return insertEventRows(events, matches);
}

/**
 * Inserts WafEvent rows (WAF_EVENT_COLUMNS) and their WafEventMatch rows (WAF_EVENT_MATCH_COLUMNS), sorted
 * by id, in one transaction on the driver's connection, without the ORM (lib/db/dialect insertBatch). A
 * duplicate event's matches conflict on (eventId, ruleId) and are skipped with it. Of the rows that went
 * in, and only those, the ones of hours the rollup job has already counted are added to the rollup in the
 * same transaction (lib/events/rollup-job.ts lateRollup). Returns how many
 * events went in. Only storeEvents and the bench's pre-built rows (lib/bench/ingest-load.ts) call it.
 */
export async function insertEventRows(events: readonly unknown[][], matches: readonly unknown[][]): Promise<number> {
  const late = lateRollup(events.map((r) => r[E.occurredAt] as Date));
  // In a store slot from taking a connection to the commit; the rows are formatted for the database before the turn comes.
  const [accepted = 0] = await dialect().insertBatch(
    [
      { table: "WafEvent", columns: WAF_EVENT_COLUMNS, rows: events, key: ["id"] },
      { table: "WafEventMatch", columns: WAF_EVENT_MATCH_COLUMNS, rows: matches, key: ["eventId", "ruleId"] },
    ],
    ([newEvents = [], newMatches = []]) =>
      late.rows(
        events.filter((_, i) => newEvents[i]).map((r) => ({ occurredAt: r[E.occurredAt] as Date, vhostId: r[E.vhostId] as string | null, outcome: r[E.outcome] as string, clientAddress: r[E.clientAddress] as string, path: r[E.path] as string })),
        matches.filter((_, i) => newMatches[i]).map((r) => ({ occurredAt: r[M.occurredAt] as Date, vhostId: r[M.vhostId] as string | null, outcome: r[M.outcome] as string, ruleId: r[M.ruleId] as number, scoring: r[M.scoring] as boolean })),
      ),
    late.gate,
    inStoreSlot,
  );
  return accepted;
}

/** PALISADE_EVENT_STORE_CONCURRENCY: how many event batches of this process store at once (1–64, default 1). */
export function eventStoreConcurrency(env: Record<string, string | undefined> = process.env): number {
  const raw = env.PALISADE_EVENT_STORE_CONCURRENCY?.trim();
  if (!raw) return 1;
  if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > 64) throw new Error(`PALISADE_EVENT_STORE_CONCURRENCY must be a whole number from 1 to 64; got "${raw}"`);
  return Number(raw);
}

let storeSlots: { concurrency: number; limit: ReturnType<typeof pLimit> } | null = null;
/**
 * Runs `store` when one of the process's PALISADE_EVENT_STORE_CONCURRENCY slots is free; waiting batches go
 * in arrival order. (The setting is read each time: a changed value takes effect for the batches after it.)
 */
export function inStoreSlot<T>(store: () => Promise<T>): Promise<T> {
  const concurrency = eventStoreConcurrency();
  if (storeSlots?.concurrency !== concurrency) storeSlots = { concurrency, limit: pLimit(concurrency) };
  return storeSlots.limit(store);
}

/** Event batches of this process storing or waiting for a slot now. */
export function storingBatches(): number {
  return storeSlots ? storeSlots.limit.activeCount + storeSlots.limit.pendingCount : 0;
}

/**
 * Runs `work` in one of the store slots (so that no event batch of this process stores meanwhile) once no
 * event batch is storing or waiting, or once `maxWaitMs` has passed: on SQLite a retention purge batch
 * (lib/events/retention.ts) takes its turn between ingestion's, and an ingestion batch that arrives during it
 * waits for that one short batch only, in this process, without polling a lock.
 */
export async function inIdleStoreSlot<T>(work: () => Promise<T>, maxWaitMs: number, pollMs = 5): Promise<T> {
  const deadline = performance.now() + maxWaitMs;
  while (storingBatches() > 0 && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, pollMs));
  return inStoreSlot(work);
}

/** Where each column's value sits in a row of WAF_EVENT_COLUMNS / WAF_EVENT_MATCH_COLUMNS. */
const columnIndex = <C extends string>(columns: readonly C[]) => Object.fromEntries(columns.map((c, i) => [c, i])) as Record<C, number>;
const E = columnIndex(WAF_EVENT_COLUMNS);
const M = columnIndex(WAF_EVENT_MATCH_COLUMNS);

/**
 * Validates each of `events` and stores the valid ones of known vhosts, once each. `receivedAt` is the
 * time of receipt (tests pass one). Throws only when the database fails (the whole batch is then retried).
 */
export async function ingestEvents(node: IngestingNode, events: readonly unknown[], receivedAt: Date = new Date()): Promise<IngestResult> {
  const rejected: RejectedEvent[] = [];
  const valid: { index: number; event: WafEvent }[] = [];
  events.forEach((raw, index) => {
    const parsed = WafEventSchema.safeParse(raw);
    if (parsed.success) {
      valid.push({ index, event: parsed.data });
      return;
    }
    const tid = raw !== null && typeof raw === "object" ? (raw as { transactionId?: unknown }).transactionId : undefined;
    rejected.push({ index, ...(typeof tid === "string" ? { transactionId: tid.slice(0, 128) } : {}), error: `Invalid event: ${describeIssues(parsed.error)}` });
  });

  const known = await vhostIds([...new Set(valid.map((v) => v.event.vhost.toLowerCase()))]);
  const stored: StoredEvent[] = [];
  for (const { index, event } of valid) {
    const vhostId = known.get(event.vhost.toLowerCase());
    if (!vhostId) {
      rejected.push({ index, transactionId: event.transactionId, error: `Unknown vhost "${event.vhost}": no vhost of the panel has this domain (deleted, or not yet published to this node).` });
      continue;
    }
    stored.push({ node, event, vhostId, receivedAt });
  }
  rejected.sort((a, b) => a.index - b.index);
  if (stored.length === 0) return { accepted: 0, duplicates: 0, rejected };
  const accepted = await storeEvents(stored);
  return { accepted, duplicates: stored.length - accepted, rejected };
}
