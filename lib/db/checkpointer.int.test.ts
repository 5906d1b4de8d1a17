// SQLite's WAL checkpoints run on a worker thread (lib/db/checkpointer.ts), not inside a commit on the
// panel's thread: the panel's connection checkpoints only past CHECKPOINT_SAFETY_PAGES, and the worker
// copies the log into the database file within about CHECKPOINT_EVERY_MS. PostgreSQL has no such thing.
import { statSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { databaseUrl, db, dialect } from "@/lib/db";
import { CHECKPOINT_EVERY_MS, CHECKPOINT_SAFETY_PAGES, startCheckpointer } from "./checkpointer";

describe.runIf(dialect().singleWriter)(`WAL checkpoints on a worker thread (${process.env.TEST_DB})`, () => {
  const file = databaseUrl().slice("file:".length);

  it("leaves the panel's connection only the safety net, and copies the log into the file within a checkpoint interval", async () => {
    // The client's one connection answers its own setting.
    const [setting] = await db.$queryRawUnsafe<{ wal_autocheckpoint: number | bigint }[]>("PRAGMA wal_autocheckpoint");
    expect(Number(setting!.wal_autocheckpoint)).toBe(CHECKPOINT_SAFETY_PAGES);
    const before = statSync(file).size;
    // About 8 MB of new pages: far below the safety net, so only the worker can have copied them.
    await db.$executeRawUnsafe(`CREATE TABLE "ckpt_probe" ("v" TEXT)`);
    await db.$transaction(async (tx) => {
      for (let i = 0; i < 200; i++) await tx.$executeRawUnsafe(`INSERT INTO "ckpt_probe" ("v") VALUES (?)`, "x".repeat(40_000));
    });
    const deadline = performance.now() + CHECKPOINT_EVERY_MS * 10;
    while (statSync(file).size < before + 7_000_000 && performance.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(statSync(file).size).toBeGreaterThanOrEqual(before + 7_000_000);
    await db.$executeRawUnsafe(`DROP TABLE "ckpt_probe"`);
  });

  it("tells when the worker is lost, so the connection checkpoints itself again; stops when asked", async () => {
    let lost = 0;
    const gone = startCheckpointer("/nonexistent/palisade.db", () => lost++);
    expect(gone).not.toBeNull();
    for (const deadline = performance.now() + 5000; lost === 0 && performance.now() < deadline; ) await new Promise((r) => setTimeout(r, 20));
    expect(lost).toBe(1);
    const kept = startCheckpointer(file, () => lost++);
    await kept!.stop();
    await new Promise((r) => setTimeout(r, 50));
    expect(lost).toBe(1); // a stop asked for is not a loss
  });
});
