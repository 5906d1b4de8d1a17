// Reads the audit chain through the bare driver, in seq order, and recomputes every hash with
// lib/audit/chain.ts: used after the scale seed and after the concurrent-writers benchmark.
import { GENESIS_HASH, hashEvent, type HashedFields } from "@/lib/audit/chain";
import type { RawDb } from "@/lib/db/raw";

export type ChainCheck = { checked: number; firstSeq: number | null; lastSeq: number | null; problem: string | null };

type StoredEvent = HashedFields & { hash: string };

const json = (v: unknown) => (typeof v === "string" ? JSON.parse(v) : v);

/**
 * Checks events with seq > `afterSeq` (all by default): contiguous numbers, each linked to the one
 * before, each matching its own hash, and the last one equal to the chain head row.
 */
export async function checkChain(raw: RawDb, afterSeq = 0, pageSize = 5000): Promise<ChainCheck> {
  let prevHash: string | null = afterSeq === 0 ? GENESIS_HASH : null;
  if (afterSeq > 0) {
    const [row] = await raw.query<{ hash: string }>(`SELECT "hash" FROM "AuditEvent" WHERE "seq" = $1`, [afterSeq]);
    prevHash = row?.hash ?? null; // null: archived or missing; the first checked row's prevHash is then taken as given
  }
  let expected = afterSeq + 1;
  let checked = 0;
  let firstSeq: number | null = null;
  const result = (problem: string | null): ChainCheck => ({ checked, firstSeq, lastSeq: checked ? expected - 1 : null, problem });
  for (;;) {
    const rows = await raw.query<StoredEvent>(
      `SELECT "seq","createdAt","actorId","actorEmail","action","entityType","entityId","vhostId","summary","before","after","ip","userAgent","prevHash","hash"
       FROM "AuditEvent" WHERE "seq" >= $1 ORDER BY "seq" LIMIT $2`,
      [expected, pageSize],
    );
    for (const r of rows) {
      const e = { ...r, seq: Number(r.seq), before: json(r.before), after: json(r.after) };
      if (firstSeq === null) {
        firstSeq = e.seq;
        // Nothing checked yet and the chain starts later (older events archived): start from there.
        if (afterSeq === 0 && e.seq !== 1 && prevHash === GENESIS_HASH) {
          expected = e.seq;
          prevHash = e.prevHash;
        }
      }
      if (e.seq !== expected) return result(`expected event #${expected}, found #${e.seq}`);
      if (prevHash !== null && e.prevHash !== prevHash) return result(`event #${e.seq} does not link to the event before it`);
      if (hashEvent(e) !== e.hash) return result(`event #${e.seq} does not match its hash`);
      prevHash = e.hash;
      expected++;
      checked++;
    }
    if (rows.length < pageSize) break;
  }
  const [head] = await raw.query<{ lastSeq: number; lastHash: string }>(`SELECT "lastSeq","lastHash" FROM "AuditChainHead" WHERE id = 1`);
  if (checked > 0 && (Number(head?.lastSeq) !== expected - 1 || head?.lastHash !== prevHash)) {
    return result(`the chain head (#${head?.lastSeq}) is not the last event (#${expected - 1})`);
  }
  return result(null);
}
