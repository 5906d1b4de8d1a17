// The one way to change data: the change and its AuditEvent commit in one interactive transaction, or
// neither does. The chain head row (created by the first migration) is claimed first and held until
// commit, which orders concurrent writers (row lock on PostgreSQL, write lock on SQLite) so sequence
// numbers never skip or fork — and serializes audited transactions, which checks such as "the last
// admin", "nothing archived meanwhile" or an export's "through #n" rely on. (Claiming it after the
// change was measured: more concurrent throughput on PostgreSQL, but those checks would race.)
import "server-only";
import { randomUUID } from "node:crypto";
import { normalizeAddress } from "@/lib/http/client-address";
import { db, dialect, type AuditEventRow, type ChainHead, type Tx } from "@/lib/db";
import { hashEvent, toJsonValue } from "./chain";
import { findReceipt, writeReceipt, type IdempotencyScope } from "./idempotency";

export type Actor = { id: string | null; email: string };
export type RequestMeta = { ip?: string | null; userAgent?: string | null };
export type AuditContext = {
  actor: Actor;
  meta?: RequestMeta;
  /** Set by defineAction when the form sent an idempotency key (lib/audit/idempotency.ts). */
  idempotency?: IdempotencyScope;
  /**
   * Set when the change came through the REST API with a personal token (lib/http/route.ts `token`):
   * the row's actor is the token's user, and its summary names the token, so the hashed row itself
   * says which token made the change (no new column: the chain's hashed fields stay as they are).
   */
  via?: { tokenId: string; tokenName: string };
};

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

/**
 * Runs `change` and writes the audit rows it returns, all in one transaction.
 * `change` returns its result and one or more audit entries describing what it did.
 */
export async function audited<T>(
  ctx: AuditContext,
  change: (tx: Tx) => Promise<{ result: T; audit: AuditEntry | AuditEntry[] }>,
  options: AuditedOptions = {},
): Promise<T> {
  const chain = dialect();
  // A retry of a submission whose first attempt committed gets that attempt's result, without a change.
  const scope = ctx.idempotency;
  const step = scope ? scope.calls++ : 0;
  if (scope) {
    const prior = await findReceipt(db, scope, step);
    if (prior.found) return prior.result as T;
  }
  try {
    return await db.$transaction(
      async (tx) => {
        let head: ChainHead | null = await chain.claimChainHead(tx);
        if (scope) {
          // Checked again under the head claim: a concurrent duplicate committed meanwhile.
          const prior = await findReceipt(tx, scope, step);
          if (prior.found) throw new AlreadyApplied(prior.result);
        }
        const { result, audit } = await change(tx);
        for (const entry of Array.isArray(audit) ? audit : [audit]) {
          head ??= await chain.claimChainHead(tx);
          await chain.appendChainEvent(tx, eventRow(ctx, entry, head.lastSeq, head.lastHash));
          head = null;
        }
        if (scope) await writeReceipt(tx, scope, step, result);
        if (options.beforeCommit) await options.beforeCommit(tx);
        return result;
      },
      { maxWait: 10_000, timeout: 20_000 },
    );
  } catch (error) {
    // Thrown to roll back the head claim (a claim without an event would skip a sequence number).
    if (error instanceof AlreadyApplied) return error.result as T;
    throw error;
  }
}

class AlreadyApplied extends Error {
  constructor(readonly result: unknown) {
    super("already applied");
  }
}

// The chain's statements (claim the head with UPDATE … RETURNING, insert the event, move the head) are
// the dialect's (lib/db/dialect): they run on every write and bypass Prisma's ORM, whose per-call
// overhead made an audited update 2× the same update without audit (BENCHMARKS.md, section b).

function eventRow(ctx: AuditContext, entry: AuditEntry, seq: number, prevHash: string): AuditEventRow {
  const fields = {
    seq,
    createdAt: new Date(),
    actorId: ctx.actor.id,
    actorEmail: ctx.actor.email,
    action: entry.action,
    entityType: entry.entityType,
    entityId: entry.entityId,
    vhostId: entry.vhostId ?? null,
    summary: ctx.via ? `${entry.summary} (via API token "${ctx.via.tokenName}" ${ctx.via.tokenId})` : entry.summary,
    before: entry.before === undefined ? null : toJsonValue(entry.before),
    after: entry.after === undefined ? null : toJsonValue(entry.after),
    // Always an address or nothing: whatever a caller passes, a header's text never lands here.
    ip: normalizeAddress(ctx.meta?.ip),
    userAgent: ctx.meta?.userAgent?.slice(0, 512) ?? null,
    prevHash,
  };
  return { id: randomUUID(), ...fields, hash: hashEvent(fields) };
}
