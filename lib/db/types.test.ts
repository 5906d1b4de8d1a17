// `Db` is typed as the narrower of the two generated clients (lib/db/index.ts), so a PostgreSQL-only ORM
// call fails `npm run typecheck` instead of failing on SQLite at run time. The @ts-expect-error lines are
// the test: if one of those calls compiled, tsc would report the directive as unused. Never run, only typed.
import { describe, expect, it } from "vitest";
import type { Db, Tx } from "@/lib/db";

function postgresOnlyCalls(db: Db) {
  return [
    // @ts-expect-error skipDuplicates exists on PostgreSQL only (use dialect().bulkInsert)
    db.loginAttempt.createMany({ data: [], skipDuplicates: true }),
    // @ts-expect-error SQLite has only the Serializable isolation level
    db.$transaction(async (tx: Tx) => tx.user.count(), { isolationLevel: "ReadCommitted" }),
    // What both databases do compiles.
    db.loginAttempt.createMany({ data: [] }),
    db.$transaction(async (tx: Tx) => tx.user.count(), { isolationLevel: "Serializable" }),
  ];
}

describe("Db type", () => {
  it("is the API both databases support (checked by tsc, see above)", () => {
    expect(typeof postgresOnlyCalls).toBe("function");
  });
});
