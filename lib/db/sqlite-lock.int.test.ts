// SQLite: while another process holds the write lock, a waiting write must not freeze the server.
// better-sqlite3 is synchronous: a busy timeout spent inside SQLite blocks Node's only thread, and every
// other request with it. The panel's connection waits for the lock asynchronously instead (a short busy
// timeout, then retries on timers until a deadline), and WAL lets reads go on beside the other writer.
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { toActionError } from "@/lib/auth/action";
import { createVhost } from "@/lib/vhosts/service";
import { db, SQLITE_LOCK_WAIT_MS } from "./index";

const ctx = { actor: { id: null, email: "sqlite-lock@example.test" } };
const input = (domain: string) => ({
  domain,
  aliases: [],
  backendUrl: "http://10.0.0.1",
  tlsMode: "NONE" as const,
  certificateRef: "",
  hsts: false,
  minTlsVersion: "TLS1_2" as const,
  enabled: true,
});
const RETRY_MESSAGE = "The database was busy or the connection dropped, so nothing was saved. Try again in a moment.";

let holder: ChildProcess | null = null;
afterEach(() => {
  holder?.kill("SIGKILL");
  holder = null;
});

/** Another process takes SQLite's exclusive write lock and keeps it for `holdMs`; resolves once it holds it. */
function holdExclusiveLock(file: string, holdMs: number): Promise<{ released: Promise<void> }> {
  const script = `
    const Database = require(${JSON.stringify(path.join(process.cwd(), "node_modules", "better-sqlite3"))});
    const db = new Database(${JSON.stringify(file)});
    db.prepare("BEGIN EXCLUSIVE").run();
    db.prepare("UPDATE \\"User\\" SET \\"name\\" = \\"name\\" WHERE 0").run();
    process.stdout.write("locked\\n");
    setTimeout(() => { db.prepare("COMMIT").run(); db.close(); process.exit(0); }, ${holdMs});
  `;
  holder = spawn(process.execPath, ["-e", script], { stdio: ["ignore", "pipe", "inherit"] });
  const released = new Promise<void>((resolve) => holder!.once("exit", () => resolve()));
  return new Promise((resolve, reject) => {
    holder!.stdout!.once("data", () => resolve({ released }));
    holder!.once("exit", (code) => reject(new Error(`the lock holder exited (${code}) before locking`)));
  });
}

/** While `pending` runs: the longest event-loop stall and the slowest of repeated unrelated reads. */
async function responsiveness(pending: Promise<unknown>): Promise<{ maxLagMs: number; maxReadMs: number; reads: number }> {
  let done = false;
  void pending.then(
    () => (done = true),
    () => (done = true),
  );
  let maxLagMs = 0;
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    maxLagMs = Math.max(maxLagMs, now - last - 10);
    last = now;
  }, 10);
  let maxReadMs = 0;
  let reads = 0;
  try {
    while (!done) {
      const started = performance.now();
      await db.user.count(); // an unrelated read, as GET /login or /audit would make
      maxReadMs = Math.max(maxReadMs, performance.now() - started);
      reads++;
      await new Promise((r) => setTimeout(r, 25));
    }
  } finally {
    clearInterval(timer);
  }
  return { maxLagMs, maxReadMs, reads };
}

describe.runIf(process.env.TEST_DB !== "postgres")("SQLite write lock held by another process", () => {
  const file = () => process.env.DATABASE_URL!.replace(/^file:/, "");

  it("uses WAL, so readers never wait for the writer", async () => {
    const rows = await db.$queryRawUnsafe<{ journal_mode: string }[]>("PRAGMA journal_mode");
    expect(rows[0]?.journal_mode.toLowerCase()).toBe("wal");
  });

  it("a waiting write leaves the server responsive, and goes through once the lock is released", async () => {
    // The same write once without contention: Prisma compiles its query plans on first use (CPU work
    // that would show up as a stall of its own), and the panel's connection is open.
    await createVhost(ctx, input("warm-up.example.test"));
    const { released } = await holdExclusiveLock(file(), 1500);
    const started = performance.now();
    const write = createVhost(ctx, input("waited.example.test"));
    const r = await responsiveness(write);
    const v = await write;
    const waitedMs = performance.now() - started;
    await released;
    console.log(`write waited ${Math.round(waitedMs)} ms; meanwhile ${r.reads} reads, slowest ${r.maxReadMs.toFixed(1)} ms, longest event-loop stall ${r.maxLagMs.toFixed(1)} ms`);
    expect(v.domain).toBe("waited.example.test");
    expect(waitedMs).toBeGreaterThan(1000); // it did wait for the other writer
    expect(r.reads).toBeGreaterThan(10);
    expect(r.maxReadMs).toBeLessThan(250);
    expect(r.maxLagMs).toBeLessThan(250);
  });

  it("gives up after the deadline with the retryable message, writing nothing, still without freezing", async () => {
    await createVhost(ctx, input("warm-up-2.example.test"));
    await holdExclusiveLock(file(), SQLITE_LOCK_WAIT_MS + 4000);
    const started = performance.now();
    const write = createVhost(ctx, input("never.example.test"));
    const r = await responsiveness(write);
    const err = await write.catch((e: unknown) => e);
    const waitedMs = performance.now() - started;
    console.log(`write gave up after ${Math.round(waitedMs)} ms; meanwhile ${r.reads} reads, slowest ${r.maxReadMs.toFixed(1)} ms, longest event-loop stall ${r.maxLagMs.toFixed(1)} ms`);
    expect(toActionError(err)).toEqual({ ok: false, error: RETRY_MESSAGE });
    expect(waitedMs).toBeGreaterThan(SQLITE_LOCK_WAIT_MS - 500);
    expect(waitedMs).toBeLessThan(SQLITE_LOCK_WAIT_MS + 3000);
    expect(r.maxReadMs).toBeLessThan(250);
    expect(r.maxLagMs).toBeLessThan(250);
    expect(await db.virtualHost.findUnique({ where: { domain: "never.example.test" } })).toBeNull();
  }, 30_000);
});

describe(`statements outside a transaction, while another request's is open (${process.env.TEST_DB})`, () => {
  it("neither see its uncommitted rows nor become part of it: a write made meanwhile stays when it rolls back", async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let entered!: () => void;
    const inside = new Promise<void>((r) => (entered = r));
    const other = db
      .$transaction(async (tx) => {
        await tx.loginAttempt.create({ data: { email: "uncommitted@example.test", success: false } });
        entered();
        await held;
        throw new Error("rolled back");
      })
      .catch((err: Error) => err.message);
    await inside;
    // Started now (.then: Prisma's promises run only when awaited), while the other transaction is open.
    const read = db.loginAttempt.count({ where: { email: "uncommitted@example.test" } }).then((n) => n);
    const write = db.loginAttempt.create({ data: { email: "outside@example.test", success: true } }).then((r) => r);
    await new Promise((r) => setTimeout(r, 200));
    release();
    expect(await other).toBe("rolled back");
    expect(await read).toBe(0);
    await write;
    expect(await db.loginAttempt.count({ where: { email: "outside@example.test" } })).toBe(1);
    expect(await db.loginAttempt.count({ where: { email: "uncommitted@example.test" } })).toBe(0);
    await db.loginAttempt.deleteMany();
  });

  it.runIf(process.env.TEST_DB !== "postgres")("a statement made with db inside a transaction's callback fails as busy after the wait, instead of hanging", async () => {
    const started = performance.now();
    const err = await db
      .$transaction(async () => {
        await db.loginAttempt.count();
      })
      .then(() => null, (e: unknown) => e);
    expect(toActionError(err)).toEqual({ ok: false, error: RETRY_MESSAGE });
    expect(performance.now() - started).toBeGreaterThanOrEqual(SQLITE_LOCK_WAIT_MS - 50);
  }, 30_000);
});
