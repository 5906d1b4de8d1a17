// Retention: an ADMIN moves events older than N days out of the database into a JSON Lines file, and
// leaves an anchor (AuditArchive: the last archived seq and its hash) from which the remaining chain
// still verifies (lib/audit/verify.ts). Nothing is deleted silently:
//   1. the events to archive are read in seq order, checked link by link (a broken chain is refused:
//      archiving it would hide the evidence) and written to a temporary file, fsynced, then renamed;
//   2. one audited transaction re-checks that nothing moved, records the anchor, deletes exactly those
//      events and writes the audit.archive event (which vouches for the anchor);
//   3. if that transaction fails, the file is removed: the database and the archive directory agree.
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { db } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { audited, type AuditContext, type AuditedOptions } from "./audited";
import { checkChainLink, GENESIS_HASH } from "./chain";
import { storedJsonLine } from "./export-format";
import { latestAnchor } from "./verify";

export const ARCHIVE_BATCH_SIZE = 1000;
/** At most this many events per archive run: the deleting transaction stays short. Run again for more. */
export const ARCHIVE_MAX_EVENTS = 100_000;

export function archiveDir(): string {
  // A runtime path, not a source file: tell the bundler not to trace the project through it.
  return path.resolve(/*turbopackIgnore: true*/ process.env.PALISADE_AUDIT_ARCHIVE_DIR?.trim() || path.join(process.cwd(), "audit-archive"));
}

export type ArchiveOptions = {
  dir?: string;
  now?: Date;
  maxEvents?: number;
  batchSize?: number;
  /** Runs inside the transaction just before commit; tests use it to prove a late failure leaves no file and no change. */
  beforeCommit?: AuditedOptions["beforeCommit"];
};

export type ArchiveResult = {
  archiveId: string;
  fromSeq: number;
  throughSeq: number;
  eventCount: number;
  fileName: string;
  filePath: string;
  fileSha256: string;
  /** More events older than the cutoff remain (the run stopped at maxEvents). */
  more: boolean;
};

export async function archiveAuditEvents(ctx: AuditContext, input: { olderThanDays: number }, options: ArchiveOptions = {}): Promise<ArchiveResult> {
  const now = options.now ?? new Date();
  const maxEvents = options.maxEvents ?? ARCHIVE_MAX_EVENTS;
  const cutoff = new Date(now.getTime() - input.olderThanDays * 86_400_000);
  const anchor = await latestAnchor();
  const fromSeq = (anchor?.throughSeq ?? 0) + 1;

  // The archived events are a prefix of the chain: every event before the first one young enough to keep.
  const [firstKept, head] = await Promise.all([
    db.auditEvent.findFirst({ where: { createdAt: { gte: cutoff }, seq: { gte: fromSeq } }, orderBy: { seq: "asc" }, select: { seq: true } }),
    db.auditChainHead.findUniqueOrThrow({ where: { id: 1 } }),
  ]);
  const oldEnough = firstKept ? firstKept.seq - 1 : head.lastSeq;
  const throughSeq = Math.min(oldEnough, fromSeq - 1 + maxEvents);
  if (throughSeq < fromSeq) {
    throw new AppError(`No events older than ${input.olderThanDays} day${input.olderThanDays === 1 ? "" : "s"} to archive.`);
  }

  const dir = options.dir ?? archiveDir();
  fs.mkdirSync(dir, { recursive: true });
  const stamp = now.toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15);
  const fileName = `palisade-audit-${fromSeq}-${throughSeq}-${stamp}.jsonl`;
  const filePath = path.join(dir, fileName);
  if (fs.existsSync(filePath)) throw new AppError(`The archive file ${fileName} already exists; try again in a second.`);

  const written = await writeArchiveFile(filePath, fromSeq, throughSeq, anchor?.lastHash ?? GENESIS_HASH, options.batchSize ?? ARCHIVE_BATCH_SIZE);
  try {
    const archive = await audited(ctx, async (tx) => {
      // Nothing moved since the file was written: same anchor, same events, same last hash.
      const anchorNow = await tx.auditArchive.findFirst({ orderBy: { throughSeq: "desc" }, select: { id: true } });
      if (anchorNow?.id !== anchor?.id) throw new AppError("Someone else archived events at the same time. Nothing was archived by you; reload and try again.");
      const [count, last] = await Promise.all([
        tx.auditEvent.count({ where: { seq: { gte: fromSeq, lte: throughSeq } } }),
        tx.auditEvent.findUnique({ where: { seq: throughSeq }, select: { hash: true } }),
      ]);
      if (count !== written.eventCount || last?.hash !== written.lastHash) {
        throw new AppError("The events changed while they were being archived. Nothing was archived; verify the chain.");
      }
      const created = await tx.auditArchive.create({
        data: { throughSeq, lastHash: written.lastHash, eventCount: written.eventCount, fileName, createdByEmail: ctx.actor.email },
      });
      await tx.auditEvent.deleteMany({ where: { seq: { gte: fromSeq, lte: throughSeq } } });
      return {
        result: created,
        audit: {
          action: "audit.archive",
          entityType: "AuditArchive",
          entityId: created.id,
          summary: `Archived ${written.eventCount} audit event${written.eventCount === 1 ? "" : "s"} #${fromSeq}–#${throughSeq} (older than ${input.olderThanDays} days) to ${fileName}`,
          after: {
            fromSeq,
            throughSeq,
            eventCount: written.eventCount,
            lastHash: written.lastHash,
            fileName,
            fileSha256: written.sha256,
            olderThanDays: input.olderThanDays,
            cutoff: cutoff.toISOString(),
          },
        },
      };
    }, { beforeCommit: options.beforeCommit });
    return {
      archiveId: archive.id,
      fromSeq,
      throughSeq,
      eventCount: written.eventCount,
      fileName,
      filePath,
      fileSha256: written.sha256,
      more: throughSeq < oldEnough,
    };
  } catch (err) {
    fs.rmSync(filePath, { force: true });
    throw err;
  }
}

/** Streams events fromSeq..throughSeq into the file, checking each link; temp file, fsync, rename. */
async function writeArchiveFile(filePath: string, fromSeq: number, throughSeq: number, startHash: string, batchSize: number) {
  const tmp = path.join(path.dirname(filePath), `.${path.basename(filePath)}.tmp`);
  const fd = fs.openSync(tmp, "wx");
  const sha = createHash("sha256");
  let expected = fromSeq;
  let prevHash = startHash;
  try {
    while (expected <= throughSeq) {
      const batch = await db.auditEvent.findMany({ where: { seq: { gte: expected, lte: throughSeq } }, orderBy: { seq: "asc" }, take: batchSize });
      if (batch.length === 0) break;
      let text = "";
      for (const e of batch) {
        const broken = checkChainLink(e, expected, prevHash);
        if (broken) throw new AppError(`The audit chain is broken at #${broken.seq} (${broken.reason}). Archiving would hide it: nothing was archived.`);
        text += storedJsonLine(e);
        prevHash = e.hash;
        expected++;
      }
      const bytes = Buffer.from(text, "utf8");
      sha.update(bytes);
      fs.writeSync(fd, bytes);
    }
    if (expected <= throughSeq) throw new AppError(`The audit chain is broken at #${expected} (the event is missing). Archiving would hide it: nothing was archived.`);
    fs.fsyncSync(fd);
  } catch (err) {
    fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw err;
  }
  fs.closeSync(fd);
  fs.renameSync(tmp, filePath);
  syncDir(path.dirname(filePath));
  return { eventCount: throughSeq - fromSeq + 1, lastHash: prevHash, sha256: sha.digest("hex") };
}

/** Makes the rename durable (POSIX); not possible on every platform, and not needed for correctness there. */
function syncDir(dir: string) {
  try {
    const fd = fs.openSync(dir, "r");
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    // Windows cannot open a directory for fsync.
  }
}

export function listArchives() {
  return db.auditArchive.findMany({ orderBy: { throughSeq: "desc" }, take: 100 });
}
