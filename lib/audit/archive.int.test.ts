// Retention: archiving moves a verified prefix of the chain into a JSON Lines file and leaves an anchor
// from which the rest still verifies; a failure at any step leaves neither a file nor a change.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { archiveAuditEvents, archiveDir } from "./archive";
import { audited, type AuditContext } from "./audited";
import { hashEvent } from "./chain";
import { writeEventAt } from "@/lib/testing/audit-fixtures";
import { verifyChain } from "./verify";

const admin: AuditContext = { actor: { id: null, email: "admin@archive.test" } };
const NOW = new Date("2026-06-01T12:00:00Z");
const daysAgo = (n: number) => new Date(NOW.getTime() - n * 86_400_000);
let dir = "";

function files() {
  return fs.readdirSync(dir).sort();
}

function readLines(file: string) {
  return fs.readFileSync(path.join(dir, file), "utf8").trimEnd().split("\n").map((l) => JSON.parse(l));
}

async function writeAt(n: number, at: Date) {
  await writeEventAt(admin.actor, { action: "test.change", entityType: "Thing", entityId: `t${n}`, summary: `change ${n}`, after: { n } }, at);
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "palisade-archive-"));
  // #1–#6 are 200 to 100 days old, #7–#8 40 days, #9–#10 from yesterday.
  for (let i = 1; i <= 6; i++) await writeAt(i, daysAgo(220 - i * 20));
  for (let i = 7; i <= 8; i++) await writeAt(i, daysAgo(40));
  for (let i = 9; i <= 10; i++) await writeAt(i, daysAgo(1));
});

afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe(`archiving audit events (${process.env.TEST_DB})`, () => {
  it("refuses when nothing is old enough, and writes nothing", async () => {
    await expect(archiveAuditEvents(admin, { olderThanDays: 365 }, { dir, now: NOW })).rejects.toThrow("No events older than 365 days to archive.");
    expect(files()).toEqual([]);
  });

  it("leaves no file and no change when the database step fails", async () => {
    await expect(
      archiveAuditEvents(admin, { olderThanDays: 90 }, { dir, now: NOW, beforeCommit: async () => { throw new Error("injected failure before commit"); } }),
    ).rejects.toThrow("injected failure before commit");
    expect(files()).toEqual([]);
    expect(await db.auditEvent.count()).toBe(10);
    expect(await db.auditArchive.count()).toBe(0);
  });

  it("refuses to archive a broken chain (that would hide the evidence)", async () => {
    const original = await db.auditEvent.findUniqueOrThrow({ where: { seq: 2 } });
    await db.$executeRaw`UPDATE "AuditEvent" SET "summary" = ${"edited"} WHERE "seq" = 2`;
    await expect(archiveAuditEvents(admin, { olderThanDays: 90 }, { dir, now: NOW })).rejects.toThrow(/chain is broken at #2/);
    expect(files()).toEqual([]);
    expect(await db.auditEvent.count()).toBe(10);
    await db.$executeRaw`UPDATE "AuditEvent" SET "summary" = ${original.summary} WHERE "seq" = 2`;
  });

  it("archives the old prefix to a file, records the anchor in an audited step, and the rest still verifies", async () => {
    const lastOld = await db.auditEvent.findUniqueOrThrow({ where: { seq: 6 } });
    const r = await archiveAuditEvents(admin, { olderThanDays: 90 }, { dir, now: NOW, batchSize: 4 });
    expect(r).toMatchObject({ fromSeq: 1, throughSeq: 6, eventCount: 6, more: false });
    expect(files()).toEqual([r.fileName]);
    expect(r.fileName).toBe("palisade-audit-1-6-20260601-120000.jsonl");

    // The file holds the six events, exactly as stored: each still matches its hash and they chain.
    const lines = readLines(r.fileName);
    expect(lines.map((l) => l.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    for (const [i, l] of lines.entries()) {
      expect(hashEvent(l)).toBe(l.hash);
      if (i > 0) expect(l.prevHash).toBe(lines[i - 1].hash);
    }

    expect(await db.auditEvent.count({ where: { seq: { lte: 6 } } })).toBe(0);
    const anchor = await db.auditArchive.findUniqueOrThrow({ where: { throughSeq: 6 } });
    expect(anchor).toMatchObject({ lastHash: lastOld.hash, eventCount: 6, fileName: r.fileName, createdByEmail: "admin@archive.test" });
    const event = await db.auditEvent.findFirstOrThrow({ where: { action: "audit.archive" } });
    expect(event).toMatchObject({ entityType: "AuditArchive", entityId: anchor.id, actorEmail: "admin@archive.test" });
    expect(event.after).toMatchObject({ fromSeq: 1, throughSeq: 6, eventCount: 6, lastHash: lastOld.hash, fileName: r.fileName, fileSha256: r.fileSha256, olderThanDays: 90 });
    expect(event.summary).toBe(`Archived 6 audit events #1–#6 (older than 90 days) to ${r.fileName}`);

    const report = await verifyChain();
    expect(report).toMatchObject({ ok: true, intactThrough: 11, checked: 5, anchor: { throughSeq: 6, fileName: r.fileName } });

    // Writers carry on, the chain too.
    await writeAt(12, NOW);
    expect(await verifyChain()).toMatchObject({ ok: true, intactThrough: 12 });
  });

  it("still sees a deletion right after the anchor, and an anchor edited behind the panel's back", async () => {
    const e7 = await db.auditEvent.findUniqueOrThrow({ where: { seq: 7 } });
    await db.$executeRaw`DELETE FROM "AuditEvent" WHERE "seq" = 7`;
    expect((await verifyChain()).broken?.seq).toBe(7);
    await db.auditEvent.create({ data: { ...e7, before: undefined, after: e7.after as object } });

    await db.$executeRaw`UPDATE "AuditArchive" SET "throughSeq" = 7, "lastHash" = ${e7.hash}`;
    expect((await verifyChain()).broken?.reason).toContain("archive anchor through #7");
    await db.$executeRaw`UPDATE "AuditArchive" SET "throughSeq" = 6, "lastHash" = ${e7.prevHash}`;
    expect((await verifyChain()).ok).toBe(true);
  });

  it("continues from the anchor next time, at most maxEvents per run", async () => {
    const anchor = await db.auditArchive.findUniqueOrThrow({ where: { throughSeq: 6 } });
    const later = new Date(NOW.getTime() + 1000);
    const r = await archiveAuditEvents(admin, { olderThanDays: 30 }, { dir, now: later, maxEvents: 1 });
    expect(r).toMatchObject({ fromSeq: 7, throughSeq: 7, eventCount: 1, more: true });
    const [line] = readLines(r.fileName);
    expect(line.prevHash).toBe(anchor.lastHash);
    const r2 = await archiveAuditEvents(admin, { olderThanDays: 30 }, { dir, now: new Date(later.getTime() + 1000) });
    expect(r2).toMatchObject({ fromSeq: 8, throughSeq: 8, more: false });
    expect(await verifyChain()).toMatchObject({ ok: true, anchor: { throughSeq: 8 } });
    expect(files()).toHaveLength(3);
  });

  it("archives everything when everything is old, and audited() keeps chaining after it", async () => {
    const far = new Date(NOW.getTime() + 400 * 86_400_000);
    const head = (await db.auditChainHead.findUniqueOrThrow({ where: { id: 1 } })).lastSeq;
    const r = await archiveAuditEvents(admin, { olderThanDays: 1 }, { dir, now: far });
    expect(r.throughSeq).toBe(head);
    expect(await db.auditEvent.count()).toBe(1); // only the audit.archive event itself
    await audited(admin, async () => ({ result: null, audit: { action: "test.after", entityType: "Thing", entityId: "x", summary: "after" } }));
    expect(await verifyChain()).toMatchObject({ ok: true, intactThrough: head + 2, checked: 2 });
  });

  it("writes to PALISADE_AUDIT_ARCHIVE_DIR, else ./audit-archive", () => {
    const saved = process.env.PALISADE_AUDIT_ARCHIVE_DIR;
    try {
      delete process.env.PALISADE_AUDIT_ARCHIVE_DIR;
      expect(archiveDir()).toBe(path.join(process.cwd(), "audit-archive"));
      process.env.PALISADE_AUDIT_ARCHIVE_DIR = "/var/lib/palisade/archive";
      expect(archiveDir()).toBe("/var/lib/palisade/archive");
    } finally {
      if (saved === undefined) delete process.env.PALISADE_AUDIT_ARCHIVE_DIR;
      else process.env.PALISADE_AUDIT_ARCHIVE_DIR = saved;
    }
  });
});
