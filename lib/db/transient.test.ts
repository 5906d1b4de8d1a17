// Which database failures are transient (retry-safe), with errors as Prisma's adapters really produce
// them: the pg adapter talking to stand-in servers that fail like a PostgreSQL shutting down, starting
// up, refusing or dropping connections; and readWithRetry, which retries a read once.
import { afterAll, describe, expect, it, vi } from "vitest";
import { closedPort, refusingPostgres, resettingPostgres, type FakeServer } from "@/lib/testing/fake-postgres";
import { createDb, isTransientDbError, readWithRetry, type Db } from "./index";

const servers: FakeServer[] = [];
const clients: Db[] = [];
afterAll(async () => {
  await Promise.all(clients.map((c) => c.$disconnect().catch(() => undefined)));
  await Promise.all(servers.map((s) => s.close().catch(() => undefined)));
});

async function failureFrom(server: Promise<FakeServer>, run: (db: Db) => Promise<unknown>): Promise<Error> {
  const s = await server;
  servers.push(s);
  const db = createDb(s.url);
  clients.push(db);
  const err = await run(db).then(
    () => null,
    (e: unknown) => e,
  );
  if (!(err instanceof Error)) throw new Error("expected the query to fail");
  return err;
}

const shapes: [string, () => Promise<FakeServer>][] = [
  ["starting up (57P03)", () => refusingPostgres("57P03", "the database system is starting up")],
  ["shutting down (57P03)", () => refusingPostgres("57P03", "the database system is shutting down")],
  ["in recovery mode (57P03)", () => refusingPostgres("57P03", "the database system is in recovery mode")],
  ["terminated by an administrator (57P01)", () => refusingPostgres("57P01", "terminating connection due to administrator command")],
  ["too many connections (53300)", () => refusingPostgres("53300", "sorry, too many clients already")],
  ["connection refused", closedPort],
  ["connection reset", resettingPostgres],
];

describe("isTransientDbError with the errors the pg adapter produces", () => {
  for (const [what, server] of shapes) {
    it(`a model query: ${what}`, async () => {
      const err = await failureFrom(server(), (db) => db.user.findMany());
      expect(isTransientDbError(err), `${(err as { code?: string }).code} ${err.message}`).toBe(true);
    });
  }

  it("a raw query (P2010) and an interactive transaction (P2039) during a restart", async () => {
    const raw = await failureFrom(refusingPostgres("57P03", "the database system is shutting down"), (db) => db.$queryRawUnsafe("SELECT 1"));
    expect((raw as { code?: string }).code).toBe("P2010");
    expect(isTransientDbError(raw)).toBe(true);
    const tx = await failureFrom(refusingPostgres("57P03", "the database system is starting up"), (db) => db.$transaction((t) => t.user.count()));
    expect((tx as { code?: string }).code).toBe("P2039");
    expect(isTransientDbError(tx)).toBe(true);
  });

  it("not for errors about the query or the setup", async () => {
    const denied = await failureFrom(refusingPostgres("28P01", 'password authentication failed for user "postgres"'), (db) => db.user.findMany());
    expect(isTransientDbError(denied)).toBe(false);
    const syntax = await failureFrom(refusingPostgres("42601", "syntax error at or near \"SELEC\""), (db) => db.$queryRawUnsafe("SELEC 1"));
    expect(isTransientDbError(syntax)).toBe(false);
    expect(isTransientDbError(new Error("Unique constraint failed"))).toBe(false);
    expect(isTransientDbError("ECONNREFUSED")).toBe(false);
  });
});

describe("readWithRetry", () => {
  const transient = () => Object.assign(new Error("Database error. Code: `57P03`. Message: `the database system is starting up`"), { code: "57P03" });

  it("retries a read once after a transient failure", async () => {
    vi.useFakeTimers();
    try {
      const read = vi.fn().mockRejectedValueOnce(transient()).mockResolvedValueOnce(42);
      const result = readWithRetry(read);
      await vi.advanceTimersByTimeAsync(1000);
      expect(await result).toBe(42);
      expect(read).toHaveBeenCalledTimes(2);
    } finally {
      vi.useRealTimers();
    }
  });

  it("gives up after the second transient failure, and never retries other errors", async () => {
    const twice = vi.fn().mockRejectedValue(transient());
    await expect(readWithRetry(twice, { delayMs: 1 })).rejects.toThrow(/57P03/);
    expect(twice).toHaveBeenCalledTimes(2);
    const bad = vi.fn().mockRejectedValue(new Error("column does not exist"));
    await expect(readWithRetry(bad, { delayMs: 1 })).rejects.toThrow(/column/);
    expect(bad).toHaveBeenCalledTimes(1);
  });

  it("reads through a PostgreSQL that comes back: the first attempt meets a restart, the retry a working server", async () => {
    const s = await refusingPostgres("57P03", "the database system is starting up");
    servers.push(s);
    let calls = 0;
    const result = await readWithRetry(
      async () => {
        calls++;
        if (calls === 1) {
          const db = createDb(s.url);
          clients.push(db);
          return db.user.count();
        }
        return 7;
      },
      { delayMs: 1 },
    );
    expect([result, calls]).toEqual([7, 2]);
  });
});
