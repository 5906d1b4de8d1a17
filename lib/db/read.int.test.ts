// readRows (lib/db/read.ts), the bare-driver read path of the /events list, on both databases: rows shaped
// as listEvents shows them, committed data only, only SELECTs with bound values, and the retry of
// retryingRead when the database is busy (SQLite) or drops the connection (PostgreSQL).
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { clientKey } from "@/lib/events/client-key";
import { listEvents } from "@/lib/events/queries";
import { insertEvents, TEST_NODE_ID } from "@/lib/testing/event-fixtures";
import { startTcpProxy } from "@/lib/testing/tcp-proxy";
import { db, disconnectDb, isTransientDbError, Prisma, readRows } from "./index";
import { openSqliteReader } from "./read";

const NOW = new Date("2026-12-06T12:00:00Z");
const V1 = "11111111-1111-4111-8111-111111111111";
const sqli = { ruleId: 942100, tags: ["attack-sqli"] };
const xss = { ruleId: 941100, tags: ["attack-xss"] };
const block = { ruleId: 949110, tags: ["anomaly-evaluation"] };
const isPostgres = process.env.TEST_DB === "postgres";

describe(`readRows (${process.env.TEST_DB})`, () => {
  it("gives listEvents the rows it gave through Prisma: Dates, numbers, null, the scoring rules", async () => {
    const [a, b] = await insertEvents([
      { at: "2026-12-06T11:00:00.123Z", vhostId: V1, client: "192.0.2.77", uri: "/shape?x=1", status: 406, inboundScore: 13, matches: [xss, sqli, block] },
      { at: "2026-12-06T10:00:00Z", vhostId: null, client: "2001:db8::1", uri: "/other", outcome: "detected", inboundScore: null, matches: [block] },
    ]);
    await db.wafEvent.update({ where: { id: b }, data: { inboundScore: null } });
    const page = await listEvents({ filter: {}, now: NOW });
    const rowA = page.rows.find((r) => r.id === a)!;
    const rowB = page.rows.find((r) => r.id === b)!;
    expect(rowA).toEqual({
      id: a, occurredAt: new Date("2026-12-06T11:00:00.123Z"), vhostId: V1, vhost: "shop.example.test", clientAddress: "192.0.2.77",
      method: "GET", uri: "/shape?x=1", path: "/shape", status: 406, outcome: "blocked", inboundScore: 13, scoringRules: [941100, 942100],
    });
    expect(rowA.occurredAt).toBeInstanceOf(Date);
    expect(rowB).toMatchObject({ vhostId: null, inboundScore: null, scoringRules: [], status: 200, outcome: "detected" });
    // The same rows as the ORM reads them.
    const orm = await db.wafEvent.findUniqueOrThrow({ where: { id: a } });
    expect(rowA.occurredAt.getTime()).toBe(orm.occurredAt.getTime());
  });

  it("binds values as parameters: a value that looks like SQL is only a value", async () => {
    const hostile = `x' OR '1'='1`;
    const rows = await readRows<{ n: unknown }>(Prisma.sql`SELECT COUNT(*) AS n FROM "WafEvent" WHERE "vhost" = ${hostile}`);
    expect(Number(rows[0]!.n)).toBe(0);
    const page = await listEvents({ filter: { path: `/shape' OR 1=1 --` }, now: NOW });
    expect(page.rows).toEqual([]);
  });

  it("takes only SELECT statements, and the database refuses writes on its connection", async () => {
    const before = await db.wafEvent.count();
    await expect(readRows(Prisma.sql`DELETE FROM "WafEvent"`)).rejects.toThrow(/SELECT/);
    await expect(readRows(Prisma.sql`WITH d AS (DELETE FROM "WafEvent" RETURNING 1) SELECT COUNT(*) FROM d`)).rejects.toThrow(/SELECT/);
    await expect(readRows(Prisma.sql`SELECT 1; DELETE FROM "WafEvent"`)).rejects.toThrow();
    expect(await db.wafEvent.count()).toBe(before);
  });

  it("reads committed rows only, also while the ORM's transaction is open in this process", async () => {
    const id = "33333333-3333-4333-8333-333333333333";
    const ids = (rows: { id: string }[]) => rows.map((r) => r.id);
    let seenInside: string[] = [];
    await db.$transaction(async (tx) => {
      await tx.wafEvent.create({
        data: {
          id, nodeId: TEST_NODE_ID, transactionId: `tx-${id}`, vhostId: null, vhost: "tx.example.test", occurredAt: new Date("2026-12-06T11:59:00Z"), clientAddress: "192.0.2.1", clientKey: clientKey("192.0.2.1"),
          method: "GET", uri: "/uncommitted", path: "/uncommitted", status: 403, outcome: "blocked", inboundScore: 5, outboundScore: null, revision: null, matches: [],
        },
      });
      seenInside = ids((await listEvents({ filter: {}, now: NOW })).rows);
    });
    // Through Prisma on SQLite this read ran on the transaction's own connection and saw the uncommitted row.
    expect(seenInside).not.toContain(id);
    expect(ids((await listEvents({ filter: {}, now: NOW })).rows)).toContain(id);
  });
});

describe.runIf(!isPostgres)("SQLite: the reader when another connection holds the database", () => {
  // A WAL database never makes a reader wait for a writer; a database in rollback-journal mode (or one in
  // recovery) can. Such a file, locked exclusively by another connection, shows how the reader waits.
  async function lockedFile() {
    const dir = await mkdtemp(path.join(os.tmpdir(), "palisade-reader-"));
    const file = path.join(dir, "locked.db");
    const setup = new Database(file);
    setup.exec(`CREATE TABLE t (n INTEGER); INSERT INTO t VALUES (1), (2);`);
    setup.close();
    const other = new Database(file);
    other.prepare("BEGIN EXCLUSIVE").run();
    return { file, other, dir };
  }

  it("waits on timers, not blocking the thread, and reads once the lock is gone", async () => {
    const { file, other, dir } = await lockedFile();
    const reader = openSqliteReader(file, 2000);
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 5);
    setTimeout(() => other.prepare("COMMIT").run(), 150);
    try {
      const started = performance.now();
      const rows = await reader.all(Prisma.sql`SELECT COUNT(*) AS n FROM t WHERE n >= ${1}`);
      expect(rows).toEqual([{ n: 2 }]);
      expect(performance.now() - started).toBeGreaterThanOrEqual(100);
      expect(ticks).toBeGreaterThan(5); // the event loop ran while it waited
    } finally {
      clearInterval(ticker);
      reader.close();
      other.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("gives a transient error (retryingRead's kind) when the lock outlasts the wait", async () => {
    const { file, other, dir } = await lockedFile();
    const reader = openSqliteReader(file, 100);
    try {
      const err = await reader.all(Prisma.sql`SELECT COUNT(*) AS n FROM t`).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(Error);
      expect(isTransientDbError(err), String(err)).toBe(true);
    } finally {
      reader.close();
      other.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe.runIf(isPostgres)("PostgreSQL drops the connection under the /events list", () => {
  it("the list is retried once and shows its rows instead of an error", async () => {
    const realUrl = process.env.DATABASE_URL!;
    const u = new URL(realUrl);
    const proxy = await startTcpProxy({ host: u.hostname, port: Number(u.port || 5432) });
    try {
      process.env.DATABASE_URL = proxy.via(realUrl);
      await disconnectDb();
      expect((await listEvents({ filter: {}, now: NOW })).rows.length).toBeGreaterThan(0); // the pool is connected through the proxy
      proxy.resetNextQuery(); // the next statement dies with its connection, as in a restart
      const page = await listEvents({ filter: {}, now: NOW });
      expect(page.rows.length).toBeGreaterThan(0);
      // Without the retry, the same fault is an error (the transient kind).
      proxy.resetNextQuery();
      const err = await readRows(Prisma.sql`SELECT 1 AS one`).catch((e: unknown) => e);
      expect(isTransientDbError(err), String(err)).toBe(true);
    } finally {
      await disconnectDb();
      process.env.DATABASE_URL = realUrl;
      await proxy.close();
    }
  });
});
