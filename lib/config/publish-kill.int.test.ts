// Issue 21, faults: a panel instance killed (SIGKILL) in the middle of a publish leaves the whole
// revision or none of it. A child process publishes (lib/testing/publish-child.ts) and stops at a point
// of the publish (PALISADE_TEST_PAUSE_AT, lib/testing/fault-injection.ts); the test kills it there and
// checks the database: the revision row (its files are its bundle) and its audit row both present or
// both absent, the audit chain intact, and a publish afterwards works. Both databases: PostgreSQL rolls
// back the dead connection's transaction, SQLite its journal when the file is next opened.
import { spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyChain } from "@/lib/audit/verify";
import { db } from "@/lib/db";
import { admin, changePolicy, makeVhost, passingChecker } from "@/lib/testing/config-fixtures";
import type { PausePoint } from "@/lib/testing/fault-injection";
import { publishConfig } from "./service";

const children = new Set<ReturnType<typeof spawn>>();

/** Starts a publish in a child process, waits until it reports `paused at <point>`, and kills it with SIGKILL. */
function publishAndKillAt(point: PausePoint, basedOn: number | null): Promise<void> {
  return new Promise((resolve, reject) => {
    // node with tsx's loader, not the tsx command: that one runs the script in a child of its own, which a
    // SIGKILL of the command would leave running (holding the transaction open).
    const child = spawn(process.execPath, ["--import", "tsx", "lib/testing/publish-child.ts", basedOn === null ? "none" : String(basedOn)], {
      env: { ...process.env, PALISADE_TEST_PAUSE_AT: point },
      stdio: ["ignore", "pipe", "pipe"],
    });
    children.add(child);
    let out = "";
    let err = "";
    child.stdout!.on("data", (d) => {
      out += d;
      if (out.includes(`paused at ${point}`)) child.kill("SIGKILL");
    });
    child.stderr!.on("data", (d) => (err += d));
    child.on("exit", (code, signal) => {
      children.delete(child);
      if (signal === "SIGKILL" && out.includes(`paused at ${point}`)) resolve();
      else reject(new Error(`the publishing child ended (${code ?? signal}) without pausing at ${point}:\n${out}\n${err}`));
    });
  });
}

async function revisionState(number: number) {
  const revision = await db.configRevision.findUnique({ where: { number }, select: { id: true, contentHash: true, bundle: true } });
  const audit = revision ? await db.auditEvent.count({ where: { entityType: "ConfigRevision", entityId: revision.id, action: "config.publish" } }) : 0;
  const orphanAudit = await db.auditEvent.count({ where: { action: "config.publish", summary: { startsWith: `Published revision ${number}:` } } });
  return { revision, audit, orphanAudit };
}

let vhostId = "";
let threshold = 10;

beforeAll(async () => {
  vhostId = (await makeVhost("kill.publish.test")).id;
  const first = await publishConfig(admin, { basedOn: null, checker: passingChecker });
  expect(first.status).toBe("published");
});

afterAll(() => {
  for (const child of children) child.kill("SIGKILL");
});

describe(`a publish killed mid-way (${process.env.TEST_DB})`, { timeout: 120_000 }, () => {
  it.each([
    ["before-transaction", false],
    ["after-revision", false],
    ["before-commit", false],
    ["after-commit", true],
  ] as [PausePoint, boolean][])("killed at %s leaves the whole revision or none (here: %s), the chain intact, and the next publish works", async (point, committed) => {
    const latest = await db.configRevision.findFirstOrThrow({ orderBy: { number: "desc" }, select: { number: true, contentHash: true } });
    const auditBefore = await db.auditEvent.count();
    await changePolicy(vhostId, { inboundThreshold: ++threshold });
    const auditWithChange = await db.auditEvent.count();

    await publishAndKillAt(point, latest.number);

    const next = await revisionState(latest.number + 1);
    if (committed) {
      expect(next.revision).not.toBeNull();
      expect(next.revision!.contentHash).not.toBe(latest.contentHash);
      expect(Object.keys((next.revision!.bundle as { files: Record<string, string> }).files).length).toBeGreaterThan(0);
      expect(next.audit).toBe(1);
      expect(await db.auditEvent.count()).toBe(auditWithChange + 1);
    } else {
      expect(next.revision).toBeNull();
      expect(next.orphanAudit).toBe(0);
      expect(await db.auditEvent.count()).toBe(auditWithChange);
    }
    expect(auditWithChange).toBe(auditBefore + 1);
    const chain = await verifyChain();
    expect(chain.broken).toBeNull();
    expect(chain.ok).toBe(true);

    // The panel goes on: a publish now (another change, so there is something to publish) works and chains on.
    await changePolicy(vhostId, { inboundThreshold: ++threshold });
    const head = await db.configRevision.findFirstOrThrow({ orderBy: { number: "desc" }, select: { number: true } });
    const after = await publishConfig(admin, { basedOn: head.number, checker: passingChecker });
    expect(after.status).toBe("published");
    if (after.status === "published") expect(after.revision.number).toBe(head.number + 1);
    expect((await verifyChain()).ok).toBe(true);
  });
});
