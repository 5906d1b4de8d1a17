// The one way to change data: the change and its AuditEvent commit in one interactive transaction, or
// neither does. The chain head row (created by the first migration) is claimed first and held until
// commit, which orders concurrent writers (row lock on PostgreSQL, write lock on SQLite) so sequence
// numbers never skip or fork — and serializes audited transactions, which checks such as "the last
// admin", "nothing archived meanwhile" or an export's "through #n" rely on. (Claiming it after the
// change was measured: more concurrent throughput on PostgreSQL, but those checks would race.)
import "server-only";
import { randomUUID } from "node:crypto";
import type BetterSqlite3 from "better-sqlite3";
import { normalizeAddress } from "@/lib/auth/client-address";
import { db, dbKind, Prisma, sqliteConnection, sqliteDateText, type DbKind, type Tx } from "@/lib/db";
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
  const kind = dbKind();
  return db.$transaction(
    async (tx) => {
      let head: ChainHead | null = await claimHead(tx, kind);
      const { result, audit } = await change(tx);
      for (const entry of Array.isArray(audit) ? audit : [audit]) {
        head ??= await claimHead(tx, kind);
        await writeEvent(tx, kind, eventRow(ctx, entry, head.lastSeq, head.lastHash));
        head = null;
      }
      if (options.beforeCommit) await options.beforeCommit(tx);
      return result;
    },
    { maxWait: 10_000, timeout: 20_000 },
  );
}

// The chain's statements bypass Prisma's ORM: they run on every write, and an ORM call costs 0.2 ms of
// overhead where the statement itself takes microseconds (SQLite) — which made an audited update 2× the
// same update without audit (BENCHMARKS.md, section b). PostgreSQL gets raw SQL through Prisma, with the
// event insert and the head's new hash in one statement; SQLite gets prepared statements on Prisma's own
// connection, which inside db.$transaction are part of the transaction (see lib/db sqliteConnection).

type ChainHead = { lastSeq: number; lastHash: string };
type Event = ReturnType<typeof eventRow>;

/** An AuditEvent row's columns, in the order the chain's inserts (and the scale seed's) list them. */
export const EVENT_COLUMNS = ["id", "seq", "createdAt", "actorId", "actorEmail", "action", "entityType", "entityId", "vhostId", "summary", "before", "after", "ip", "userAgent", "prevHash", "hash"] as const;
const CLAIM_SQL = `UPDATE "AuditChainHead" SET "lastSeq" = "lastSeq" + 1 WHERE "id" = ${CHAIN_HEAD_ID} RETURNING "lastSeq", "lastHash"`;
const INSERT_COLUMNS = EVENT_COLUMNS.map((c) => `"${c}"`).join(", ");
const MOVE_HEAD_SQL = `UPDATE "AuditChainHead" SET "lastHash" = ? WHERE "id" = ${CHAIN_HEAD_ID}`;

/** UPDATE … RETURNING: one round trip, and the row (PostgreSQL) or the database (SQLite) stays locked until commit. */
async function claimHead(tx: Tx, kind: DbKind): Promise<ChainHead> {
  const [head] =
    kind === "sqlite"
      ? [sqliteStatements().claim.get() as { lastSeq: number | bigint; lastHash: string } | undefined]
      : await tx.$queryRawUnsafe<{ lastSeq: number | bigint; lastHash: string }[]>(CLAIM_SQL);
  if (!head) throw new Error("The audit chain head row is missing: run the database migrations.");
  return { lastSeq: Number(head.lastSeq), lastHash: head.lastHash };
}

function eventRow(ctx: AuditContext, entry: AuditEntry, seq: number, prevHash: string) {
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
    // Always an address or nothing: whatever a caller passes, a header's text never lands here.
    ip: normalizeAddress(ctx.meta?.ip),
    userAgent: ctx.meta?.userAgent?.slice(0, 512) ?? null,
    prevHash,
  };
  return { id: randomUUID(), ...fields, hash: hashEvent(fields) };
}

/** The event row and the head's new hash. Values are stored as the ORM stores them (JSON as text, NULL for none). */
async function writeEvent(tx: Tx, kind: DbKind, e: Event) {
  const json = (v: unknown) => (v === null ? null : JSON.stringify(v));
  if (kind === "sqlite") {
    const { insert, moveHead } = sqliteStatements();
    insert.run(EVENT_COLUMNS.map((c) => (c === "before" || c === "after" ? json(e[c]) : c === "createdAt" ? sqliteDateText(e.createdAt) : e[c])));
    moveHead.run(e.hash);
    return;
  }
  const value = (c: (typeof EVENT_COLUMNS)[number]) => {
    const v = c === "before" || c === "after" ? json(e[c]) : e[c];
    if (v === null) return Prisma.sql`NULL`;
    if (c === "before" || c === "after") return Prisma.sql`CAST(${v} AS jsonb)`;
    if (c === "id" || c === "actorId" || c === "vhostId") return Prisma.sql`CAST(${v} AS uuid)`;
    return Prisma.sql`${v}`;
  };
  // One statement: a data-modifying WITH inserts the event, the outer UPDATE moves the head.
  await tx.$executeRaw`
    WITH "event" AS (INSERT INTO "AuditEvent" (${Prisma.raw(INSERT_COLUMNS)}) VALUES (${Prisma.join(EVENT_COLUMNS.map(value))}))
    UPDATE "AuditChainHead" SET "lastHash" = ${e.hash} WHERE "id" = ${CHAIN_HEAD_ID}`;
}

const prepared = new WeakMap<object, { claim: Statement; insert: Statement; moveHead: Statement }>();
type Statement = BetterSqlite3.Statement<unknown[]>;

function sqliteStatements() {
  const connection = sqliteConnection();
  if (!connection) throw new Error("The SQLite connection is not open yet: audited() runs its statements inside db.$transaction.");
  let statements = prepared.get(connection);
  if (!statements) {
    statements = {
      claim: connection.prepare<unknown[]>(CLAIM_SQL),
      insert: connection.prepare<unknown[]>(`INSERT INTO "AuditEvent" (${INSERT_COLUMNS}) VALUES (${EVENT_COLUMNS.map(() => "?").join(", ")})`),
      moveHead: connection.prepare<unknown[]>(MOVE_HEAD_SQL),
    };
    prepared.set(connection, statements);
  }
  return statements;
}
