// Failures that say nothing about the request and may pass on a retry, on either database, and the one
// retry that read-only page queries get.
//
// Where the code is: Prisma reports connection-level failures with its own codes (P1001 can't reach,
// P1008 timed out — SQLite's SQLITE_BUSY arrives as that — P1017 closed, P2024/P2028 pool and
// transaction timeouts, P2034 write conflict). A PostgreSQL error it has no code for arrives wrapped:
// P2010 for a raw query, P2039 (or the model's own code) otherwise, with the server's SQLSTATE in
// meta.driverAdapterError.cause.originalCode (see @prisma/adapter-pg's convertDriverError). The pg driver
// itself throws plain errors ("Connection terminated unexpectedly") when a socket dies mid-handshake.

const PRISMA_CODES = new Set(["P1001", "P1002", "P1008", "P1017", "P2024", "P2028", "P2034"]);
/**
 * SQLSTATEs: 57P01 admin shutdown, 57P02 crash shutdown, 57P03 cannot connect now (starting up, shutting
 * down, in recovery), 53300 too many connections, 08xxx connection exceptions, 40001/40P01 serialization
 * failure and deadlock (the transaction was rolled back as a whole).
 */
const SQLSTATE = /^(57P0[123]|53300|08[0-9A-Z]{3}|40001|40P01)$/;
const SQLITE_CODES = /^SQLITE_(BUSY|LOCKED)/;
/** Adapter error kinds (Prisma's DriverAdapterError) that describe the connection, not the query. */
const ADAPTER_KINDS = new Set(["DatabaseNotReachable", "ConnectionClosed", "SocketTimeout", "TooManyConnections", "TransactionWriteConflict"]);
const SOCKET_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "ENOTFOUND", "EAI_AGAIN"]);
const MESSAGES =
  /database is locked|SQLITE_BUSY|terminating connection|Connection terminated|connection error|not queryable|server closed the connection|ECONNRESET|ECONNREFUSED|Transaction already closed|could not serialize|the database system is (starting up|shutting down|in recovery mode)|Can't reach database server/i;

type Coded = { code?: unknown; kind?: unknown; originalCode?: unknown; cause?: unknown; meta?: { driverAdapterError?: { cause?: unknown } } };

function transientCode(e: Coded): boolean {
  for (const code of [e.code, e.originalCode]) {
    if (typeof code !== "string") continue;
    if (PRISMA_CODES.has(code) || SQLSTATE.test(code) || SQLITE_CODES.test(code) || SOCKET_CODES.has(code)) return true;
  }
  return typeof e.kind === "string" && ADAPTER_KINDS.has(e.kind);
}

/**
 * True for failures that say nothing about the input and may pass on retry: SQLite's write lock held by
 * another writer, PostgreSQL starting up, shutting down or dropping the connection, a refused or reset
 * connection, a serialization conflict.
 */
export function isTransientDbError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  // The error, the adapter's cause inside Prisma's meta, and the chain of `cause`s (a few levels).
  const seen: unknown[] = [];
  let next: unknown = err;
  for (let depth = 0; depth < 4 && next && typeof next === "object" && !seen.includes(next); depth++) {
    const e = next as Coded;
    seen.push(e);
    if (transientCode(e)) return true;
    const adapterCause = e.meta?.driverAdapterError?.cause;
    if (adapterCause && typeof adapterCause === "object" && transientCode(adapterCause as Coded)) return true;
    next = e.cause;
  }
  return MESSAGES.test(`${err.message} ${String((err as { cause?: unknown }).cause ?? "")}`);
}

/**
 * Runs a read-only query and, when it fails transiently (PostgreSQL restarting, a dropped connection),
 * once more after a short pause: a page rendered during a database restart then shows its data instead
 * of an error. Only for reads outside a transaction — a write might have been applied.
 */
export async function readWithRetry<T>(read: () => Promise<T>, options: { delayMs?: number } = {}): Promise<T> {
  try {
    return await read();
  } catch (err) {
    if (!isTransientDbError(err)) throw err;
    const base = options.delayMs ?? 300;
    await new Promise((resolve) => setTimeout(resolve, base + Math.random() * base));
    return read();
  }
}

/** `readWithRetry` for a query function: the same function, its reads retried once. */
export function retryingRead<A extends unknown[], T>(query: (...args: A) => Promise<T>): (...args: A) => Promise<T> {
  return (...args) => readWithRetry(() => query(...args));
}

/**
 * True when the database cannot be used at all right now: a transient failure, or a database that cannot
 * be opened (a missing SQLite folder or file, a PostgreSQL database that does not exist, refused
 * credentials). For messages that say "the panel cannot reach its database" rather than blame the input.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  if (isTransientDbError(err)) return true;
  if (!(err instanceof Error)) return false;
  const e = err as Coded;
  if (typeof e.code === "string" && ["P1000", "P1003", "P1010", "SQLITE_CANTOPEN"].includes(e.code)) return true;
  return err.name === "PrismaClientInitializationError" || /Cannot open database|unable to open database file|SQLITE_CANTOPEN/i.test(err.message);
}
