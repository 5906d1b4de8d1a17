// Tamper evidence: each audit event's hash covers its canonical content (RFC 8785 JSON) and the previous
// event's hash, so editing or deleting any row breaks verification at exactly that row.
import { createHash } from "node:crypto";
import canonicalize from "canonicalize";
import type { AuditEventRow } from "@/lib/db";

export const GENESIS_HASH = "0".repeat(64);

/** The fields an event's hash covers: the row without its id and hash (createdAt as the database gives it back). */
export type HashedFields = Omit<AuditEventRow, "id" | "hash" | "createdAt"> & { createdAt: Date | string };

/** JSON as the database gives it back: Dates become ISO strings, undefined keys vanish. */
export function toJsonValue(value: unknown): unknown {
  return value === undefined ? null : JSON.parse(JSON.stringify(value));
}

export function hashEvent(e: HashedFields): string {
  // Pick the fields one by one: a stored row also carries id and hash, which are not hashed.
  const content = {
    seq: e.seq,
    createdAt: new Date(e.createdAt).toISOString(),
    actorId: e.actorId,
    actorEmail: e.actorEmail,
    action: e.action,
    entityType: e.entityType,
    entityId: e.entityId,
    vhostId: e.vhostId,
    summary: e.summary,
    before: toJsonValue(e.before),
    after: toJsonValue(e.after),
    ip: e.ip,
    userAgent: e.userAgent,
    prevHash: e.prevHash,
  };
  return createHash("sha256").update(canonicalize(content) as string).digest("hex");
}

export type ChainBreak = { seq: number; reason: string };

/**
 * Checks that `e` is the event the chain expects next: number `expectedSeq`, linked to `prevHash`, and
 * with content matching its own hash. Returns the first thing wrong (naming the seq it is wrong at), or null.
 */
export function checkChainLink(e: HashedFields & { hash: string }, expectedSeq: number, prevHash: string): ChainBreak | null {
  if (e.seq > expectedSeq) {
    const gap = e.seq - expectedSeq === 1 ? `#${expectedSeq} is` : `#${expectedSeq} to #${e.seq - 1} are`;
    return { seq: expectedSeq, reason: `event ${gap} missing: deleted after it was written` };
  }
  if (e.seq < expectedSeq) return { seq: e.seq, reason: `event #${e.seq} appears twice or out of order` };
  if (hashEvent(e) !== e.hash) return { seq: e.seq, reason: `event #${e.seq} does not match its hash: its content was changed after it was written` };
  if (e.prevHash !== prevHash) {
    return { seq: e.seq, reason: `event #${e.seq} does not link to ${e.seq === 1 ? "the start of the chain" : `event #${e.seq - 1}`}: one of them was altered or replaced` };
  }
  return null;
}
