// Tamper evidence: walk the whole audit chain in seq order, in batches (memory stays flat at any size),
// and report either "intact through #N" or the first event where it breaks. Used by /audit/verify and
// `npm run audit:verify`.
//
// The walk starts after the latest retention archive: at its anchor (throughSeq + 1, linked to the
// anchor's lastHash), or at #1 and the genesis hash when nothing was archived. The anchor itself is
// trusted only because the audit.archive event that created it — a link of the verified chain — records
// the same throughSeq and lastHash; an anchor row added or edited behind the panel's back is reported.
// The walk stops at the chain head as it was when verification started, so concurrent writers do not
// disturb it, and the head's own hash must match the last event's.
import { db } from "@/lib/db";
import { checkChainLink, GENESIS_HASH, type ChainBreak } from "./chain";

export type ChainAnchor = { id: string; throughSeq: number; lastHash: string; fileName: string; createdAt: Date; createdByEmail: string };

export type ChainReport = {
  ok: boolean;
  /** The last seq known good: the head when ok, the one before the break otherwise. */
  intactThrough: number;
  /** Events checked (after the anchor). */
  checked: number;
  headSeq: number;
  anchor: ChainAnchor | null;
  broken: ChainBreak | null;
};

export type VerifyOptions = { batchSize?: number; onProgress?: (checkedThrough: number, headSeq: number) => void };

export async function latestAnchor(): Promise<ChainAnchor | null> {
  return db.auditArchive.findFirst({
    orderBy: { throughSeq: "desc" },
    select: { id: true, throughSeq: true, lastHash: true, fileName: true, createdAt: true, createdByEmail: true },
  });
}

export async function verifyChain(options: VerifyOptions = {}): Promise<ChainReport> {
  const report = await verifyOnce(options);
  // An archive that ran during the walk deleted events under it: walk again from the new anchor.
  const anchorNow = await latestAnchor();
  if (anchorNow?.id !== report.anchor?.id) return verifyOnce(options);
  return report;
}

async function verifyOnce({ batchSize = 1000, onProgress }: VerifyOptions): Promise<ChainReport> {
  const head = await db.auditChainHead.findUniqueOrThrow({ where: { id: 1 } });
  const anchor = await latestAnchor();
  const start = anchor?.throughSeq ?? 0;
  let prevHash = anchor?.lastHash ?? GENESIS_HASH;
  let expected = start + 1;
  let checked = 0;
  const result = (broken: ChainBreak | null): ChainReport => ({
    ok: broken === null,
    intactThrough: broken ? broken.seq - 1 : Math.max(head.lastSeq, start),
    checked,
    headSeq: head.lastSeq,
    anchor,
    broken,
  });

  while (expected <= head.lastSeq) {
    const batch = await db.auditEvent.findMany({
      where: { seq: { gte: expected, lte: head.lastSeq } },
      orderBy: { seq: "asc" },
      take: batchSize,
    });
    if (batch.length === 0) break;
    for (const e of batch) {
      const broken = checkChainLink(e, expected, prevHash);
      if (broken) return result(broken);
      prevHash = e.hash;
      expected++;
      checked++;
    }
    onProgress?.(expected - 1, head.lastSeq);
  }

  if (expected <= head.lastSeq) {
    const gap = expected === head.lastSeq ? `#${expected} is` : `#${expected} to #${head.lastSeq} are`;
    return result({ seq: expected, reason: `event ${gap} missing: deleted after it was written` });
  }
  if (head.lastSeq > start && prevHash !== head.lastHash) {
    return result({ seq: head.lastSeq, reason: `the chain head records another hash for event #${head.lastSeq}: the chain was rewritten from there` });
  }
  if (anchor) {
    const confirmation = await db.auditEvent.findFirst({
      where: { action: "audit.archive", entityType: "AuditArchive", entityId: anchor.id, seq: { gt: anchor.throughSeq } },
      select: { after: true },
    });
    const after = (confirmation?.after ?? {}) as { throughSeq?: unknown; lastHash?: unknown };
    if (after.throughSeq !== anchor.throughSeq || after.lastHash !== anchor.lastHash) {
      return result({
        seq: anchor.throughSeq + 1,
        reason: `the archive anchor through #${anchor.throughSeq} is not the one its audit.archive event records: events before #${anchor.throughSeq + 1} cannot be vouched for`,
      });
    }
  }
  return result(null);
}

export function describeChainReport(r: ChainReport): string {
  if (!r.ok) return `Chain broken at #${r.broken!.seq}: ${r.broken!.reason}.${r.intactThrough > 0 ? ` Intact through #${r.intactThrough}.` : ""}`;
  if (r.intactThrough === 0) return "Chain intact: no events yet.";
  const from = r.anchor ? ` (from the archive anchor after #${r.anchor.throughSeq})` : "";
  return `Chain intact through #${r.intactThrough}${from}.`;
}
