// The one way to change data: the change and its AuditEvent commit in one interactive transaction, or
// neither does. The chain head row (created by the first migration) is claimed first, which orders
// concurrent writers (row lock on PostgreSQL, write lock on SQLite) so sequence numbers never skip or fork.
import { db, type Tx } from "@/lib/db";
import { hashEvent, toJsonValue } from "./chain";

export type Actor = { id: string | null; email: string };
export type RequestMeta = { ip?: string | null; userAgent?: string | null };
export type AuditContext = { actor: Actor; meta?: RequestMeta };

export type AuditEntry = {
  action: string;
  entityType: string;
  entityId: string;
  vhostId?: string | null;
  summary: string;
  before?: unknown;
  after?: unknown;
};

export type AuditedOptions = {
  /** Runs after the audit row is written and before commit. Tests use it to prove that a late failure rolls everything back. */
  beforeCommit?: (tx: Tx) => Promise<void>;
};

const CHAIN_HEAD_ID = 1;

/**
 * Runs `change` and writes the audit rows it returns, all in one transaction.
 * `change` returns its result and one or more audit entries describing what it did.
 */
export async function audited<T>(
  ctx: AuditContext,
  change: (tx: Tx) => Promise<{ result: T; audit: AuditEntry | AuditEntry[] }>,
  options: AuditedOptions = {},
): Promise<T> {
  return db.$transaction(
    async (tx) => {
      let head = await claimHead(tx);
      const { result, audit } = await change(tx);
      const entries = Array.isArray(audit) ? audit : [audit];
      for (const [i, entry] of entries.entries()) {
        if (i > 0) head = await claimHead(tx);
        const lastHash = await writeEvent(tx, ctx, entry, head.lastSeq, head.lastHash);
        await tx.auditChainHead.update({ where: { id: CHAIN_HEAD_ID }, data: { lastHash } });
        head = { lastSeq: head.lastSeq, lastHash };
      }
      if (options.beforeCommit) await options.beforeCommit(tx);
      return result;
    },
    { maxWait: 10_000, timeout: 20_000 },
  );
}

async function claimHead(tx: Tx): Promise<{ lastSeq: number; lastHash: string }> {
  // UPDATE … RETURNING: one round trip, and the row stays locked until commit.
  return tx.auditChainHead.update({
    where: { id: CHAIN_HEAD_ID },
    data: { lastSeq: { increment: 1 } },
    select: { lastSeq: true, lastHash: true },
  });
}

async function writeEvent(tx: Tx, ctx: AuditContext, entry: AuditEntry, seq: number, prevHash: string): Promise<string> {
  const fields = {
    seq,
    createdAt: new Date(),
    actorId: ctx.actor.id,
    actorEmail: ctx.actor.email,
    action: entry.action,
    entityType: entry.entityType,
    entityId: entry.entityId,
    vhostId: entry.vhostId ?? null,
    summary: entry.summary,
    before: entry.before === undefined ? null : toJsonValue(entry.before),
    after: entry.after === undefined ? null : toJsonValue(entry.after),
    ip: ctx.meta?.ip ?? null,
    userAgent: ctx.meta?.userAgent?.slice(0, 512) ?? null,
    prevHash,
  };
  const hash = hashEvent(fields);
  await tx.auditEvent.create({
    data: {
      ...fields,
      before: fields.before === null ? undefined : (fields.before as object),
      after: fields.after === null ? undefined : (fields.after as object),
      hash,
    },
  });
  return hash;
}
