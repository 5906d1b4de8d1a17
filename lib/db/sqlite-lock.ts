// Waiting for SQLite's write lock without blocking Node's only thread.
//
// better-sqlite3 is synchronous: with a busy timeout of 5 s, a write that finds another process holding
// the lock sleeps inside SQLite for up to 5 s, and every other request of the server waits with it
// (issue 16: GET /login took 4.8 s behind one waiting write). So the panel's connection has a busy
// timeout of a few milliseconds, and this layer waits on timers instead: it retries a statement that
// failed with SQLITE_BUSY, and a transaction's BEGIN IMMEDIATE, until SQLITE_LOCK_WAIT_MS has passed,
// then lets SQLITE_BUSY through (a transient error: "nothing was saved, try again").
//
// Transactions begin IMMEDIATE: they take the write lock first, so no statement inside can meet
// SQLITE_BUSY halfway (a deferred transaction that has read and then finds the lock taken cannot be
// saved by waiting in WAL mode: its snapshot is stale). A statement outside a transaction that failed
// with SQLITE_BUSY did nothing and is safe to run again.
import type Database from "better-sqlite3";

/** The busy timeout SQLite itself may spend blocking the thread, per attempt. */
export const SQLITE_BUSY_TIMEOUT_MS = 5;

type Query = { sql: string; args: unknown[]; argTypes: unknown[] };
type Queryable = {
  queryRaw(q: Query): Promise<unknown>;
  executeRaw(q: Query): Promise<number>;
  adapterOptions?: unknown;
};
type Adapter = Queryable & {
  startTransaction(isolationLevel?: string): Promise<unknown>;
  onError(error: unknown): never;
};

export function isSqliteBusy(err: unknown): boolean {
  const e = err as { code?: unknown; cause?: { originalCode?: unknown } } | null;
  const code = typeof e?.code === "string" ? e.code : typeof e?.cause?.originalCode === "string" ? e.cause.originalCode : "";
  return code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED");
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs `attempt` until it does not fail with SQLITE_BUSY, pausing on timers (2 ms doubling to 50 ms, with jitter) until `waitMs` has passed. */
export async function whileBusy<T>(attempt: () => T | Promise<T>, waitMs: number): Promise<T> {
  const deadline = performance.now() + waitMs;
  let pause = 2;
  for (;;) {
    try {
      return await attempt();
    } catch (err) {
      if (!isSqliteBusy(err) || performance.now() + pause > deadline) throw err;
      await sleep(pause * (0.5 + Math.random()));
      pause = Math.min(pause * 2, 50);
    }
  }
}

/** One at a time: the adapter runs every transaction on its single connection. */
function mutex() {
  let tail = Promise.resolve();
  return async (): Promise<() => void> => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const before = tail;
    tail = tail.then(() => held);
    await before;
    let released = false;
    return () => {
      if (!released) (released = true), release();
    };
  };
}

/**
 * The mutex, or SQLITE_BUSY ("try again") after `waitMs`: a statement made with `db` inside a transaction's
 * callback (instead of its `tx`) would otherwise wait forever for the transaction it is part of.
 */
async function lockWithin(lock: () => Promise<() => void>, waitMs: number): Promise<() => void> {
  let timer: NodeJS.Timeout | undefined;
  const acquiring = lock();
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      // The lock still comes, later: hand it straight back.
      void acquiring.then((release) => release());
      reject(Object.assign(new Error(`SQLITE_BUSY: a statement outside a transaction waited ${waitMs} ms for the one open on the connection`), { code: "SQLITE_BUSY" }));
    }, waitMs);
  });
  try {
    return await Promise.race([acquiring, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Changes a connected @prisma/adapter-better-sqlite3 adapter in place: statements outside a transaction
 * wait for the lock asynchronously, and transactions begin IMMEDIATE, waiting the same way.
 */
export function waitForLocksAsynchronously(adapter: Adapter, connection: Database.Database, waitMs: number): void {
  // The adapter's transaction class is not exported; it is the adapter's base class (statements on the
  // one connection) plus commit/rollback/savepoints, which are rebuilt below. Checked, so a changed adapter fails loudly.
  const Base = Object.getPrototypeOf(Object.getPrototypeOf(adapter))?.constructor as (new (client: Database.Database, options: unknown) => Queryable) | undefined;
  if (typeof Base?.prototype?.queryRaw !== "function" || typeof Base.prototype.executeRaw !== "function") {
    throw new Error("@prisma/adapter-better-sqlite3 changed shape: update lib/db/sqlite-lock.ts.");
  }
  connection.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);

  // The adapter runs a statement made outside a transaction (db.x, not tx.x) on the one connection at once,
  // even while another request's interactive transaction is open there: the statement became part of that
  // transaction — a write was undone with its rollback, a read saw its uncommitted rows. Such a statement
  // now waits for the open transaction to end (its turn in the same queue as the transactions). The check
  // and the statement run in one tick (the adapter's statements are synchronous), so nothing opens between.
  const lock = mutex();
  const outsideTransactions = async <T>(statement: () => Promise<T>): Promise<T> => {
    if (!connection.inTransaction) return statement();
    const release = await lockWithin(lock, waitMs);
    try {
      return await statement();
    } finally {
      release();
    }
  };
  const queryRaw = adapter.queryRaw.bind(adapter);
  const executeRaw = adapter.executeRaw.bind(adapter);
  adapter.queryRaw = (q) => whileBusy(() => outsideTransactions(() => queryRaw(q)), waitMs);
  adapter.executeRaw = (q) => whileBusy(() => outsideTransactions(() => executeRaw(q)), waitMs);

  const startTransaction = adapter.startTransaction.bind(adapter);
  adapter.startTransaction = async (isolationLevel) => {
    if (isolationLevel && isolationLevel !== "SERIALIZABLE") return startTransaction(isolationLevel); // its own refusal
    const release = await lock();
    try {
      await whileBusy(() => connection.prepare("BEGIN IMMEDIATE").run(), waitMs);
    } catch (err) {
      release();
      adapter.onError(err); // throws Prisma's DriverAdapterError, as the adapter's own BEGIN would
    }
    const tx = new Base(connection, adapter.adapterOptions);
    const raw = (sql: string) => tx.executeRaw({ sql, args: [], argTypes: [] }).then(() => undefined);
    // Prisma sends COMMIT / ROLLBACK itself, then calls these to end the transaction on the adapter's side.
    return Object.assign(tx, {
      options: { usePhantomQuery: false },
      commit: () => Promise.resolve(release()),
      rollback: () => Promise.resolve(release()),
      createSavepoint: (name: string) => raw(`SAVEPOINT ${name}`),
      rollbackToSavepoint: (name: string) => raw(`ROLLBACK TO ${name}`),
      releaseSavepoint: (name: string) => raw(`RELEASE SAVEPOINT ${name}`),
    });
  };
}
