// Tamper evidence on a real database: edits and deletions made behind the panel's back (plain SQL) are
// reported at exactly the event they touched; parallel writers never fork the chain; the CLI agrees.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { db, type AuditEventModel as AuditEvent } from "@/lib/db";
import { audited, type AuditContext } from "./audited";
import { hashEvent } from "./chain";
import { describeChainReport, verifyChain } from "./verify";

const ctx: AuditContext = { actor: { id: null, email: "tester@example.test" }, meta: { ip: "203.0.113.9", userAgent: "vitest" } };

function write(i: number) {
  return audited(ctx, async () => ({
    result: null,
    audit: {
      action: "test.change",
      entityType: "Thing",
      entityId: `t${i}`,
      summary: `Change ${i} — naïve “quotes” 日本`,
      before: i % 3 ? { n: i - 1, nested: { list: [1, 2, { deep: "x" }] } } : undefined,
      after: { n: i, nested: { list: [1, 2, { deep: "y" }], when: new Date(Date.UTC(2026, 0, i)) }, big: 2 ** 40, neg: -0.5 },
    },
  }));
}

async function head() {
  return (await db.auditChainHead.findUniqueOrThrow({ where: { id: 1 } })).lastSeq;
}

async function row(seq: number) {
  return db.auditEvent.findUniqueOrThrow({ where: { seq } });
}

/** Puts a deleted row back exactly as it was. */
async function restore(e: AuditEvent) {
  await db.auditEvent.create({
    data: { ...e, before: e.before === null ? undefined : (e.before as object), after: e.after === null ? undefined : (e.after as object) },
  });
}

beforeAll(async () => {
  for (let i = 1; i <= 12; i++) await write(i);
});

describe(`verifyChain (${process.env.TEST_DB})`, () => {
  it("reports the chain intact through the head, in any batch size", async () => {
    const n = await head();
    for (const batchSize of [1000, 5, 1]) {
      const r = await verifyChain({ batchSize });
      expect(r).toMatchObject({ ok: true, intactThrough: n, checked: n, headSeq: n, broken: null, anchor: null });
    }
    expect(describeChainReport(await verifyChain())).toBe(`Chain intact through #${n}.`);
  });

  it("finds an UPDATE of one event's summary at exactly that event", async () => {
    for (const seq of [1, 5, 6, 12]) {
      const original = await row(seq);
      await db.$executeRaw`UPDATE "AuditEvent" SET "summary" = ${"nothing to see here"} WHERE "seq" = ${seq}`;
      const r = await verifyChain({ batchSize: 5 });
      expect(r.ok).toBe(false);
      expect(r.broken).toEqual({ seq, reason: `event #${seq} does not match its hash: its content was changed after it was written` });
      expect(r.intactThrough).toBe(seq - 1);
      expect(describeChainReport(r)).toMatch(new RegExp(`^Chain broken at #${seq}: `));
      await db.$executeRaw`UPDATE "AuditEvent" SET "summary" = ${original.summary} WHERE "seq" = ${seq}`;
    }
    expect((await verifyChain()).ok).toBe(true);
  });

  it("finds an edit of the JSON values, and an edit that recomputes the row's own hash at the next link", async () => {
    const original = await row(4);
    await db.auditEvent.update({ where: { seq: 4 }, data: { after: { n: 400 } } });
    expect((await verifyChain()).broken?.seq).toBe(4);

    // A careful forger also rewrites the hash: the row checks out, the next event's link does not.
    const forged = { ...original, after: { n: 400 } };
    await db.auditEvent.update({ where: { seq: 4 }, data: { hash: hashEvent(forged) } });
    const r = await verifyChain();
    expect(r.broken).toEqual({ seq: 5, reason: "event #5 does not link to event #4: one of them was altered or replaced" });

    await db.auditEvent.update({ where: { seq: 4 }, data: { after: original.after as object, hash: original.hash } });
    expect((await verifyChain()).ok).toBe(true);
  });

  it("finds a DELETE of an event at exactly that seq, also at a batch boundary and at the end", async () => {
    for (const seq of [1, 5, 7]) {
      const e = await row(seq);
      await db.$executeRaw`DELETE FROM "AuditEvent" WHERE "seq" = ${seq}`;
      const r = await verifyChain({ batchSize: 5 });
      expect(r.broken).toEqual({ seq, reason: `event #${seq} is missing: deleted after it was written` });
      await restore(e);
    }
    const last = await head();
    const tail = [await row(last - 1), await row(last)];
    await db.$executeRaw`DELETE FROM "AuditEvent" WHERE "seq" >= ${last - 1}`;
    expect((await verifyChain()).broken).toEqual({ seq: last - 1, reason: `event #${last - 1} to #${last} are missing: deleted after it was written` });
    for (const e of tail) await restore(e);
    expect((await verifyChain()).ok).toBe(true);
  });

  it("finds a chain rewritten from the end (the head's hash no longer matches)", async () => {
    const last = await head();
    const original = await row(last);
    const forged = { ...original, summary: "rewritten" };
    await db.auditEvent.update({ where: { seq: last }, data: { summary: "rewritten", hash: hashEvent(forged) } });
    expect((await verifyChain()).broken?.seq).toBe(last);
    await db.auditEvent.update({ where: { seq: last }, data: { summary: original.summary, hash: original.hash } });
  });

  it("refuses an archive anchor that no audit.archive event vouches for", async () => {
    // Hiding the first events behind a forged anchor: the anchor row alone must not be trusted.
    const e3 = await row(3);
    const saved = await db.auditEvent.findMany({ where: { seq: { lte: 3 } }, orderBy: { seq: "asc" } });
    const anchor = await db.auditArchive.create({ data: { throughSeq: 3, lastHash: e3.hash, eventCount: 3, fileName: "forged.jsonl", createdByEmail: "x" } });
    await db.auditEvent.deleteMany({ where: { seq: { lte: 3 } } });
    const r = await verifyChain();
    expect(r.ok).toBe(false);
    expect(r.broken?.seq).toBe(4);
    expect(r.broken?.reason).toContain("archive anchor through #3");
    await db.auditArchive.delete({ where: { id: anchor.id } });
    for (const e of saved) await restore(e);
    expect((await verifyChain()).ok).toBe(true);
  });

  it("keeps one unbroken chain under 8 parallel writers, and verifies while they write", async () => {
    const start = await head();
    const [report] = await Promise.all([verifyChain({ batchSize: 2 }), ...Array.from({ length: 8 }, (_, i) => write(100 + i))]);
    expect(report.ok).toBe(true);
    const events = await db.auditEvent.findMany({ where: { seq: { gt: start } }, orderBy: { seq: "asc" } });
    expect(events.map((e) => e.seq)).toEqual(Array.from({ length: 8 }, (_, i) => start + i + 1));
    expect(new Set(events.map((e) => e.entityId)).size).toBe(8);
    const r = await verifyChain();
    expect(r).toMatchObject({ ok: true, intactThrough: start + 8 });
  });

  it("npm run audit:verify prints the same verdict and exits 0 or 1", async () => {
    const run = async () => {
      try {
        const { stdout } = await promisify(execFile)("npx", ["tsx", "lib/audit/cli.ts"], { env: { ...process.env }, cwd: process.cwd() });
        return { code: 0, stdout };
      } catch (err) {
        const e = err as { code: number; stdout: string };
        return { code: e.code, stdout: e.stdout };
      }
    };
    const n = await head();
    expect(await run()).toEqual({ code: 0, stdout: `Chain intact through #${n}.\n` });
    const original = await row(2);
    await db.$executeRaw`UPDATE "AuditEvent" SET "summary" = ${"edited"} WHERE "seq" = 2`;
    const broken = await run();
    expect(broken.code).toBe(1);
    expect(broken.stdout).toMatch(/^Chain broken at #2: event #2 does not match its hash/);
    await db.$executeRaw`UPDATE "AuditEvent" SET "summary" = ${original.summary} WHERE "seq" = 2`;
  }, 60_000);
});
