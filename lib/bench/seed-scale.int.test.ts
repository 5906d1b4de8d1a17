import { afterAll, describe, expect, it } from "vitest";
import { GENESIS_HASH, hashEvent } from "@/lib/audit/chain";
import { db } from "@/lib/db";
import { updatePolicy } from "@/lib/policies/service";
import { createEmptyDatabase, type TestDbKind } from "@/lib/testing/test-db";
import { listVhosts } from "@/lib/vhosts/queries";
import { checkChain } from "./chain-check";
import { openRaw } from "@/lib/db/raw";
import { seedScale } from "./seed-scale";

const url = process.env.DATABASE_URL!;
const ctx = { actor: { id: null, email: "x@example.test" } };

/** Recomputes every hash through Prisma (what the panel reads), in seq order, from the genesis hash. */
async function expectChainVerifies(): Promise<number> {
  const events = await db.auditEvent.findMany({ orderBy: { seq: "asc" } });
  let prevHash = GENESIS_HASH;
  events.forEach((e, i) => {
    expect(e.seq).toBe(i + 1);
    expect(e.prevHash).toBe(prevHash);
    expect(hashEvent(e)).toBe(e.hash);
    prevHash = e.hash;
  });
  const head = await db.auditChainHead.findUniqueOrThrow({ where: { id: 1 } });
  expect(head).toMatchObject({ lastSeq: events.length, lastHash: prevHash });
  return events.length;
}

describe("seed:scale", () => {
  it("fills an empty database with vhosts, their children and an audit chain that verifies", async () => {
    const r = await seedScale({ url, vhosts: 5, events: 200, quiet: true });
    expect(r).toMatchObject({ vhosts: 5, events: 200, firstSeq: 1, lastSeq: 200 });
    expect(await expectChainVerifies()).toBe(200);

    // Prisma reads the bare driver's rows: every vhost has a policy, and the list page's query works.
    const list = await listVhosts({ q: "", sort: "domain", dir: "asc", page: 1 });
    expect(list.total).toBe(5);
    expect(list.rows.every((v) => v.policy !== null)).toBe(true);
    expect(await db.ipListEntry.count()).toBe(r.ipEntries);
    expect(await db.customRule.count()).toBe(r.customRules);
    expect(await db.ruleExclusion.count()).toBe(r.exclusions);
    // One vhost.create per vhost, by a seeded user whose id is recorded (the actor filter uses it).
    expect(await db.auditEvent.count({ where: { action: "vhost.create" } })).toBe(5);
    expect(await db.auditEvent.count({ where: { actorId: null } })).toBe(0);
  });

  it("continues the chain after the panel's own audited writes, and the bare check agrees", async () => {
    const vhost = await db.virtualHost.findFirstOrThrow({ include: { policy: true } });
    const p = vhost.policy!;
    await updatePolicy(ctx, { vhostId: vhost.id, version: p.version, engineMode: "DETECTION_ONLY", blockingParanoia: 2, detectionParanoia: 3, inboundThreshold: 7, outboundThreshold: 5 });

    const r = await seedScale({ url, vhosts: 3, events: 150, batch: 40, quiet: true });
    expect(r).toMatchObject({ firstSeq: 202, lastSeq: 351 });
    expect(await expectChainVerifies()).toBe(351);
    expect(await db.virtualHost.count()).toBe(8);

    const raw = await openRaw(url);
    try {
      expect(await checkChain(raw)).toEqual({ checked: 351, firstSeq: 1, lastSeq: 351, problem: null });
      // Tampering is caught by the bare check too (so the benchmarks can trust it).
      await raw.query(`UPDATE "AuditEvent" SET "summary" = 'edited' WHERE "seq" = 300`);
      expect((await checkChain(raw)).problem).toBe("event #300 does not match its hash");
    } finally {
      await raw.close();
    }
  });
});

describe("seed:scale on a database that is not migrated", () => {
  const kind = (process.env.TEST_DB ?? "sqlite") as TestDbKind;
  const drops: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const d of drops) await d();
  });

  it("refuses with a message that says to migrate, and writes nothing", async () => {
    const empty = await createEmptyDatabase(kind);
    drops.push(empty.drop);
    if (kind === "sqlite") {
      // A file that does not exist yet is refused rather than created empty.
      await expect(seedScale({ url: empty.url, vhosts: 1, events: 1, quiet: true })).rejects.toThrow(/db:migrate/);
      const Database = (await import("better-sqlite3")).default;
      new Database(empty.url.slice("file:".length)).close();
    }
    await expect(seedScale({ url: empty.url, vhosts: 1, events: 1, quiet: true })).rejects.toThrow(/not migrated.*npm run db:migrate/);
  });
});
