// The dialect's statements that domain code will build on (the WAF events issue: bulk ingest with
// duplicates skipped, retention in batches), and its SQL fragments, proven on the real database of each
// project. The chain append is proven through audited() (lib/audit/audited.int.test.ts).
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { db, dialect, Prisma } from "@/lib/db";

const ARCHIVE_COLUMNS = ["id", "throughSeq", "lastHash", "eventCount", "fileName", "createdByEmail", "createdAt"];
const archiveRow = (seq: number, at = new Date(Date.UTC(2026, 10, 24, 10, 0, 0, seq % 1000))): unknown[] => [randomUUID(), seq, `h${seq}`, seq * 2, `f${seq}.jsonl`, "bulk@example.test", at];

describe(`dialect (${process.env.TEST_DB})`, () => {
  const d = dialect();

  describe("vacuum", () => {
    it("reclaims deleted rows' space and keeps the rows that remain, outside any transaction; refuses an unknown table", async () => {
      await d.bulkInsert(db, "AuditArchive", ARCHIVE_COLUMNS, Array.from({ length: 300 }, (_, i) => archiveRow(i + 1)));
      await db.auditArchive.deleteMany({ where: { throughSeq: { gt: 100 } } });
      await d.vacuum(["AuditArchive", "WafEvent"]);
      expect(await db.auditArchive.count()).toBe(100);
      await expect(d.vacuum(["NoSuchTable"])).rejects.toThrow();
      await db.auditArchive.deleteMany();
    });
  });

  describe("bulkInsert", () => {
    it("inserts more rows than one statement may carry parameters, in chunks, and reads back as the ORM wrote them", async () => {
      const rows = Array.from({ length: 10_000 }, (_, i) => archiveRow(i + 1));
      // More parameters in all than either database takes in one statement.
      expect(rows.length * ARCHIVE_COLUMNS.length).toBeGreaterThan(d.limits.maxParams);
      const inserted = await db.$transaction((tx) => d.bulkInsert(tx, "AuditArchive", ARCHIVE_COLUMNS, rows), { timeout: 60_000 });
      expect(inserted).toBe(10_000);
      expect(await db.auditArchive.count()).toBe(10_000);
      const some = await db.auditArchive.findUnique({ where: { throughSeq: 1234 } });
      expect(some).toEqual({ id: rows[1233]![0], throughSeq: 1234, lastHash: "h1234", eventCount: 2468, fileName: "f1234.jsonl", createdByEmail: "bulk@example.test", createdAt: rows[1233]![6] });
      // ORM filters on the dates it finds (the text format on SQLite must be Prisma's own).
      expect(await db.auditArchive.count({ where: { createdAt: { gte: new Date(Date.UTC(2026, 10, 24, 10, 0, 0, 500)) } } })).toBe(rows.filter((r) => (r[6] as Date).getUTCMilliseconds() >= 500).length);
      await db.auditArchive.deleteMany();
    });

    it("skips rows that conflict on a unique key, within the batch and with stored rows, and says how many went in", async () => {
      expect(await d.bulkInsert(db, "AuditArchive", ARCHIVE_COLUMNS, [archiveRow(1), archiveRow(2)])).toBe(2);
      const before = await db.auditArchive.findUnique({ where: { throughSeq: 1 } });
      const again = [archiveRow(1), archiveRow(2), archiveRow(3), archiveRow(3), archiveRow(4)];
      again[0]![2] = "changed";
      expect(await d.bulkInsert(db, "AuditArchive", ARCHIVE_COLUMNS, again)).toBe(2);
      expect((await db.auditArchive.findMany({ orderBy: { throughSeq: "asc" } })).map((r) => r.throughSeq)).toEqual([1, 2, 3, 4]);
      expect(await db.auditArchive.findUnique({ where: { throughSeq: 1 } })).toEqual(before);
      expect(await d.bulkInsert(db, "AuditArchive", ARCHIVE_COLUMNS, [])).toBe(0);
      await db.auditArchive.deleteMany();
    });

    it("fails on a broken row other than a unique conflict (the same on both databases), and a transaction keeps nothing", async () => {
      const broken = [archiveRow(1), archiveRow(2)];
      broken[1]![2] = null; // lastHash is NOT NULL
      await expect(db.$transaction((tx) => d.bulkInsert(tx, "AuditArchive", ARCHIVE_COLUMNS, broken))).rejects.toThrow();
      expect(await db.auditArchive.count()).toBe(0);
      await expect(d.bulkInsert(db, "AuditArchive", ARCHIVE_COLUMNS, [[randomUUID(), 1]])).rejects.toThrow(/2 values for 7 columns/);
      await expect(d.bulkInsert(db, 'AuditArchive"; DROP TABLE "User', ARCHIVE_COLUMNS, [archiveRow(1)])).rejects.toThrow(/identifier/);
    });

    it("stores booleans, enums, JSON and nulls as the ORM does", async () => {
      const id = randomUUID();
      const at = new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 6));
      const n = await d.bulkInsert(
        db,
        "VirtualHost",
        ["id", "domain", "aliases", "backendUrl", "tlsMode", "certificateRef", "hsts", "minTlsVersion", "enabled", "version", "updatedByEmail", "createdAt", "updatedAt"],
        [[id, "bulk.example.test", ["www.bulk.example.test"], "http://127.0.0.1:8080", "NONE", null, true, "TLS1_3", false, 3, null, at, at]],
      );
      expect(n).toBe(1);
      expect(await db.virtualHost.findUnique({ where: { id } })).toEqual({
        id,
        domain: "bulk.example.test",
        aliases: ["www.bulk.example.test"],
        backendUrl: "http://127.0.0.1:8080",
        tlsMode: "NONE",
        certificateRef: null,
        hsts: true,
        minTlsVersion: "TLS1_3",
        enabled: false,
        version: 3,
        updatedByEmail: null,
        createdAt: at,
        updatedAt: at,
      });
      expect(await db.virtualHost.count({ where: { hsts: true, enabled: false } })).toBe(1);
      await db.virtualHost.delete({ where: { id } });
    });
  });

  describe("insertBatch", () => {
    const LOGIN_COLUMNS = ["id", "email", "ip", "success", "createdAt"];
    const login = (i: number, at = new Date(Date.UTC(2026, 11, 7, 14, 0, 0, i))): unknown[] => [randomUUID(), `batch${i}@example.test`, i % 2 ? null : "192.0.2.1", i % 2 === 0, at];

    it("inserts into several tables in one transaction, skips conflicting rows, and says how many went into each", async () => {
      const archives = [archiveRow(1), archiveRow(2), archiveRow(2)];
      const logins = [login(0), login(1)];
      expect(await d.insertBatch([{ table: "AuditArchive", columns: ARCHIVE_COLUMNS, rows: archives }, { table: "LoginAttempt", columns: LOGIN_COLUMNS, rows: logins }])).toEqual([2, 2]);
      // A retry of the same rows with one new: only the new one goes in; an empty table counts 0.
      expect(await d.insertBatch([{ table: "AuditArchive", columns: ARCHIVE_COLUMNS, rows: [...archives, archiveRow(3)] }, { table: "LoginAttempt", columns: LOGIN_COLUMNS, rows: [] }])).toEqual([1, 0]);
      // Read back by the ORM as it writes them: dates, booleans, nulls.
      expect(await db.loginAttempt.findUnique({ where: { id: logins[0]![0] as string } })).toEqual({ id: logins[0]![0], email: "batch0@example.test", ip: "192.0.2.1", success: true, createdAt: logins[0]![4] });
      expect(await db.loginAttempt.count({ where: { success: false, ip: null, createdAt: { gt: new Date(Date.UTC(2026, 11, 7, 14, 0, 0, 0)) } } })).toBe(1);
      expect((await db.auditArchive.findMany({ orderBy: { throughSeq: "asc" } })).map((r) => r.throughSeq)).toEqual([1, 2, 3]);
      await db.auditArchive.deleteMany();
      await db.loginAttempt.deleteMany();
    });

    it("tells a follow-up which rows went in, and adds its upserts in the same transaction, in the order given", async () => {
      const [a, b, c, e] = [login(0), login(1), login(2), login(3)];
      await d.insertBatch([{ table: "LoginAttempt", columns: LOGIN_COLUMNS, rows: [a] }]);
      const hour = new Date(Date.UTC(2026, 11, 7, 14));
      const upsert = (rows: unknown[][]) => ({ table: "WafEventHourly", columns: ["kind", "vhostId", "key", "hour", "outcome", "n"], conflict: ["kind", "vhostId", "key", "hour", "outcome"], add: "n", rows });
      const count = (n: number, key = "") => ["total", "*", key, hour, "blocked", n];
      let seen: readonly (readonly boolean[])[] = [];
      // Already stored (a), new (b), b again in the same batch (went in once: its first row), new (c).
      const rows = [a, b, b, c];
      expect(await d.insertBatch([{ table: "LoginAttempt", columns: LOGIN_COLUMNS, rows, key: ["id"] }], (inserted) => ((seen = inserted), [upsert([count(inserted[0]!.filter(Boolean).length, "a"), count(1, "b")])]))).toEqual([2]);
      expect(seen).toEqual([[false, true, false, true]]);
      expect(await d.insertBatch([], () => [upsert([count(3, "a")])])).toEqual([]);
      const stored = async () => (await db.wafEventHourly.findMany({ orderBy: { key: "asc" } })).map((r) => [r.key, r.n, r.hour.toISOString()]);
      expect(await stored()).toEqual([["a", 5, hour.toISOString()], ["b", 1, hour.toISOString()]]);
      // A failing upsert (n is NOT NULL) undoes the batch's inserts.
      await expect(d.insertBatch([{ table: "LoginAttempt", columns: LOGIN_COLUMNS, rows: [e], key: ["id"] }], () => [upsert([count(1, "a"), ["total", "*", "c", hour, "blocked", null]])])).rejects.toThrow();
      expect(await db.loginAttempt.count({ where: { id: e[0] as string } })).toBe(0);
      expect(await stored()).toEqual([["a", 5, hour.toISOString()], ["b", 1, hour.toISOString()]]);
      await expect(d.insertBatch([], () => [{ ...upsert([count(1)]), add: "nope" }])).rejects.toThrow(/not one of its columns/);
      await db.wafEventHourly.deleteMany();
      await db.loginAttempt.deleteMany();
    });

    it("stores text and JSON exactly, whatever they hold: tabs, newlines, backslashes, \\N, quotes, accents, emoji", async () => {
      const columns = ["id", "nodeId", "transactionId", "vhostId", "vhost", "occurredAt", "receivedAt", "clientAddress", "clientKey", "method", "uri", "path", "status", "outcome", "inboundScore", "outboundScore", "revision", "matches"];
      const tricky = "a\tb\nc\rd\\e \\N \\t '\"\u00e9\u2400\u{1F600}";
      const at = new Date(Date.UTC(2026, 11, 7, 15, 4, 5, 678));
      const id = randomUUID();
      const matches = [{ ruleId: 942100, data: tricky, tags: ["a|b", tricky], nested: { n: null, t: true, x: 1.5 } }];
      const row = [id, randomUUID(), tricky, null, "\\N", at, at, "2001:db8::1", "", "GET", `/q?${tricky}`, "/q", 403, "blocked", null, 0, null, matches];
      expect(await d.insertBatch([{ table: "WafEvent", columns, rows: [row] }])).toEqual([1]);
      expect(await db.wafEvent.findUnique({ where: { id } })).toEqual({
        id, nodeId: row[1], transactionId: tricky, vhostId: null, vhost: "\\N", occurredAt: at, receivedAt: at, clientAddress: "2001:db8::1", clientKey: "", method: "GET",
        uri: `/q?${tricky}`, path: "/q", status: 403, outcome: "blocked", inboundScore: null, outboundScore: 0, revision: null, matches,
      });
      await db.wafEvent.deleteMany();
    });

    it("stores each row once when batches sharing rows run at the same time", async () => {
      const rows = Array.from({ length: 40 }, (_, i) => archiveRow(i + 1));
      // Three batches at once, overlapping two by two; in key order, as ingestion sorts them.
      const batches = [rows.slice(0, 20), rows.slice(10, 30), rows.slice(20, 40)].map((r) => [...r].sort((a, b) => (String(a[0]) < String(b[0]) ? -1 : 1)));
      const counts = await Promise.all(batches.map((r) => d.insertBatch([{ table: "AuditArchive", columns: ARCHIVE_COLUMNS, rows: r }])));
      expect(counts.flat().reduce((a, b) => a + b, 0)).toBe(40);
      expect(await db.auditArchive.count()).toBe(40);
      await db.auditArchive.deleteMany();
    });

    it("does its database work only when the caller's slot lets it, and once", async () => {
      let release!: () => void;
      const turn = new Promise<void>((resolve) => (release = resolve));
      let entered = 0;
      const slot = async <T,>(work: () => Promise<T>): Promise<T> => {
        entered++;
        await turn;
        return work();
      };
      const pending = d.insertBatch([{ table: "AuditArchive", columns: ARCHIVE_COLUMNS, rows: [archiveRow(1), archiveRow(2)] }], undefined, undefined, slot);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(entered).toBe(1);
      expect(await db.auditArchive.count()).toBe(0);
      release();
      expect(await pending).toEqual([2]);
      expect(entered).toBe(1);
      expect(await db.auditArchive.count()).toBe(2);
      await db.auditArchive.deleteMany();
    });

    it("keeps nothing when a row of any table fails, and refuses rows of the wrong length or a name that is no identifier", async () => {
      const broken = login(1);
      broken[1] = null; // email is NOT NULL
      await expect(d.insertBatch([{ table: "AuditArchive", columns: ARCHIVE_COLUMNS, rows: [archiveRow(1)] }, { table: "LoginAttempt", columns: LOGIN_COLUMNS, rows: [login(0), broken] }])).rejects.toThrow();
      expect(await db.auditArchive.count()).toBe(0);
      expect(await db.loginAttempt.count()).toBe(0);
      await expect(d.insertBatch([{ table: "AuditArchive", columns: ARCHIVE_COLUMNS, rows: [[randomUUID(), 1]] }])).rejects.toThrow(/2 values for 7 columns/);
      await expect(d.insertBatch([{ table: 'AuditArchive"; DROP TABLE "User', columns: ARCHIVE_COLUMNS, rows: [archiveRow(1)] }])).rejects.toThrow(/identifier/);
      expect(await db.auditArchive.count()).toBe(0);
      // The connection went back to the pool in a usable state.
      expect(await d.insertBatch([{ table: "AuditArchive", columns: ARCHIVE_COLUMNS, rows: [archiveRow(5)] }])).toEqual([1]);
      await db.auditArchive.deleteMany();
    });
  });

  describe("deleteOlderThan", () => {
    it("deletes the rows strictly before the date, in batches, and keeps the rest", async () => {
      const cutoff = new Date(Date.UTC(2026, 10, 24, 12, 0, 0, 0));
      const ms = (n: number) => new Date(cutoff.getTime() + n);
      const old = Array.from({ length: 25 }, (_, i) => ({ email: `old${i}@example.test`, success: false, createdAt: ms(-1 - i * 3_600_000) }));
      const kept = [0, 1, 60_000, 86_400_000].map((n, i) => ({ email: `new${i}@example.test`, success: true, createdAt: ms(n) }));
      await db.loginAttempt.createMany({ data: [...old, ...kept] });
      expect(await d.deleteOlderThan("LoginAttempt", "createdAt", cutoff, 10)).toBe(25);
      expect((await db.loginAttempt.findMany({ orderBy: { createdAt: "asc" } })).map((r) => r.email)).toEqual(kept.map((k) => k.email));
      expect(await d.deleteOlderThan("LoginAttempt", "createdAt", cutoff, 10)).toBe(0);
      // A batch exactly as large as what is left ends after one more (empty) batch.
      expect(await d.deleteOlderThan("LoginAttempt", "createdAt", ms(86_400_001), 4)).toBe(4);
      expect(await db.loginAttempt.count()).toBe(0);
    });

    it("awaits afterBatch between two batches, with the write lock released, and stops when it answers false", async () => {
      const cutoff = new Date(Date.UTC(2026, 10, 24, 12, 0, 0, 0));
      const old = (n: number, tag: string) => Array.from({ length: n }, (_, i) => ({ email: `${tag}${i}@example.test`, success: false, createdAt: new Date(cutoff.getTime() - 1 - i * 1000) }));
      await db.loginAttempt.createMany({ data: old(10, "paced") });
      const seen: { rows: number; left: number }[] = [];
      const deleted = await d.deleteOlderThan("LoginAttempt", "createdAt", cutoff, 4, async (batch) => {
        // Between two batches another writer gets in at once (SQLite: the write lock is free).
        await db.loginAttempt.create({ data: { email: `between${seen.length}@example.test`, success: true, createdAt: new Date(cutoff.getTime() + 1000) } });
        seen.push({ rows: batch.rows, left: await db.loginAttempt.count({ where: { createdAt: { lt: cutoff } } }) });
      });
      // Two full batches of 4, each followed by afterBatch, then the short batch of 2 ends it without one.
      expect(deleted).toBe(10);
      expect(seen).toEqual([{ rows: 4, left: 6 }, { rows: 4, left: 2 }]);
      expect(await db.loginAttempt.count({ where: { email: { startsWith: "between" } } })).toBe(2);

      await db.loginAttempt.createMany({ data: old(10, "stopped") });
      let calls = 0;
      expect(await d.deleteOlderThan("LoginAttempt", "createdAt", cutoff, 3, async () => ++calls < 2)).toBe(6);
      expect(calls).toBe(2);
      expect(await db.loginAttempt.count({ where: { createdAt: { lt: cutoff } } })).toBe(4);
      await db.loginAttempt.deleteMany();
    });

    it("never deletes inside a transaction another caller has open: it waits for it, and its rows stay deleted when that one rolls back", async () => {
      const cutoff = new Date(Date.UTC(2026, 10, 24, 12, 0, 0, 0));
      await db.loginAttempt.createMany({ data: Array.from({ length: 6 }, (_, i) => ({ email: `intx${i}@example.test`, success: false, createdAt: new Date(cutoff.getTime() - 1 - i) })) });
      let release!: () => void;
      const held = new Promise<void>((r) => (release = r));
      let entered!: () => void;
      const inside = new Promise<void>((r) => (entered = r));
      // Another request's transaction, open (it has written) while it awaits something else, then rolled back.
      const other = db
        .$transaction(async (tx) => {
          await tx.loginAttempt.create({ data: { email: "other-tx@example.test", success: true, createdAt: cutoff } });
          entered();
          await held;
          throw new Error("rolled back");
        })
        .catch((err: Error) => err.message);
      await inside;
      let done = false;
      const deleting = d.deleteOlderThan("LoginAttempt", "createdAt", cutoff, 4).then((n) => ((done = true), n));
      await new Promise((r) => setTimeout(r, 300));
      // On SQLite (one connection) it waits for the transaction to end; on PostgreSQL (a pool) it has gone ahead on its own connection.
      if (d.singleWriter) expect(done).toBe(false);
      release();
      expect(await other).toBe("rolled back");
      expect(await deleting).toBe(6);
      expect(await db.loginAttempt.count({ where: { email: { startsWith: "intx" } } })).toBe(0);
      expect(await db.loginAttempt.count({ where: { email: "other-tx@example.test" } })).toBe(0);
    });

    it("refuses a batch size that would never end and a name that is no identifier", async () => {
      await expect(d.deleteOlderThan("LoginAttempt", "createdAt", new Date(), 0)).rejects.toThrow(/batchSize/);
      await expect(d.deleteOlderThan("LoginAttempt", "createdAt < now() OR 1=1 --", new Date(), 10)).rejects.toThrow(/identifier/);
    });
  });

  describe("SQL fragments", () => {
    it("buckets times by UTC day and hour", async () => {
      const at = [Date.UTC(2026, 10, 24, 23, 59, 59, 999), Date.UTC(2026, 10, 24, 23, 0, 0, 0), Date.UTC(2026, 10, 25, 0, 0, 0, 0)];
      await db.loginAttempt.createMany({ data: at.map((t, i) => ({ email: `b${i}@example.test`, success: true, createdAt: new Date(t) })) });
      const buckets = (unit: "day" | "hour") =>
        db.$queryRaw<{ b: string; n: number | bigint }[]>(
          Prisma.sql`SELECT ${d.timeBucket("createdAt", unit)} AS b, COUNT(*) AS n FROM "LoginAttempt" GROUP BY 1 ORDER BY 1`,
        );
      expect((await buckets("day")).map((r) => [r.b, Number(r.n)])).toEqual([["2026-11-24", 2], ["2026-11-25", 1]]);
      expect((await buckets("hour")).map((r) => [r.b, Number(r.n)])).toEqual([["2026-11-24T23", 2], ["2026-11-25T00", 1]]);
      await db.loginAttempt.deleteMany();
    });

    it("compares a uuid column with a uuid value", async () => {
      const v = await db.virtualHost.create({ data: { domain: "uuid.example.test", aliases: [], backendUrl: "http://127.0.0.1:8080" } });
      const rows = await db.$queryRaw<{ domain: string }[]>(Prisma.sql`SELECT "domain" FROM "VirtualHost" WHERE "id" = ${d.uuid(v.id)}`);
      expect(rows).toEqual([{ domain: "uuid.example.test" }]);
      await db.virtualHost.delete({ where: { id: v.id } });
    });

    it("has limits a Prisma IN list and a statement can carry", () => {
      expect(d.limits.inList).toBeGreaterThan(0);
      expect(d.limits.inList).toBeLessThan(d.limits.maxParams);
    });
  });
});
