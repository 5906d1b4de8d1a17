// Sign-in attempts are kept for a documented period (30 days by default), then deleted: by the sign-in
// path itself at most once an hour, and by `npm run db:prune`. Audit events (security.denied,
// security.login_locked) are never deleted by it: they follow the audit archive.
import { execFile } from "node:child_process";
import path from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { audited } from "@/lib/audit/audited";
import { db } from "@/lib/db";
import { createUser } from "@/lib/users/service";
import { LOGIN_WINDOW_MS } from "./login-guard";
import { LOGIN_ATTEMPT_RETENTION_DAYS, loginAttemptRetentionDays, pruneLoginAttempts, resetPeriodicPrune } from "./login-retention";
import { verifyCredentials } from "./options";

const DAY = 24 * 60 * 60 * 1000;
const ago = (ms: number) => new Date(Date.now() - ms);

async function seedAttempts(email: string) {
  await db.loginAttempt.createMany({
    data: [
      { email, ip: "192.0.2.1", success: false, createdAt: ago(31 * DAY) },
      { email, ip: "192.0.2.1", success: true, createdAt: ago(400 * DAY) },
      { email, ip: "192.0.2.1", success: false, createdAt: ago(29 * DAY) },
      { email, ip: "192.0.2.1", success: false, createdAt: ago(60 * 1000) },
    ],
  });
}
const countFor = (email: string) => db.loginAttempt.count({ where: { email } });

beforeEach(() => resetPeriodicPrune());

describe(`sign-in attempt retention (${process.env.TEST_DB})`, () => {
  it("is 30 days unless PALISADE_LOGIN_RETENTION_DAYS says otherwise", () => {
    expect(LOGIN_ATTEMPT_RETENTION_DAYS).toBe(30);
    expect(loginAttemptRetentionDays({})).toBe(30);
    expect(loginAttemptRetentionDays({ PALISADE_LOGIN_RETENTION_DAYS: "7" })).toBe(7);
    expect(() => loginAttemptRetentionDays({ PALISADE_LOGIN_RETENTION_DAYS: "0" })).toThrow(/1 to 3650/);
  });

  it("deletes the attempts older than the period, keeps the rest and every audit event", async () => {
    await seedAttempts("prune@example.test");
    await audited({ actor: { id: null, email: "x@example.test" } }, async () => ({ result: null, audit: { action: "security.denied", entityType: "Action", entityId: "a", summary: "refused" } }));
    const events = await db.auditEvent.count();
    const r = await pruneLoginAttempts();
    expect(r.deleted).toBeGreaterThanOrEqual(2);
    expect(await countFor("prune@example.test")).toBe(2);
    expect(await db.auditEvent.count()).toBe(events);
  });

  it("never deletes inside the throttle's window, whatever the period", async () => {
    await db.loginAttempt.create({ data: { email: "window@example.test", ip: null, success: false, createdAt: ago(LOGIN_WINDOW_MS / 2) } });
    await pruneLoginAttempts({ days: 0 });
    expect(await countFor("window@example.test")).toBe(1);
  });

  it("is pruned by the sign-in path, at most once an hour", async () => {
    await createUser({ actor: { id: null, email: "setup@example.test" } }, { email: "signin@example.test", name: "S", role: "EDITOR", password: "sign-in password" });
    await seedAttempts("old@example.test");
    expect(await verifyCredentials({ email: "signin@example.test", password: "sign-in password" })).not.toBeNull();
    expect(await countFor("old@example.test")).toBe(2);
    await seedAttempts("later@example.test");
    expect(await verifyCredentials({ email: "signin@example.test", password: "sign-in password" })).not.toBeNull();
    expect(await countFor("later@example.test")).toBe(4); // the next prune is due in an hour
  });

  it("is pruned by npm run db:prune", async () => {
    await seedAttempts("cli@example.test");
    const out = await new Promise<string>((resolve, reject) =>
      execFile(path.resolve("node_modules/.bin/tsx"), ["lib/setup/cli.ts", "prune"], { env: { ...process.env } }, (err, stdout, stderr) => (err ? reject(new Error(stderr)) : resolve(stdout))),
    );
    expect(out).toMatch(/^sign-in attempts before \S+: \d+ deleted/);
    expect(out).toMatch(/^WAF events before \S+: \d+ deleted \(\d+ rule matches, \d+ hourly rollup rows\)$/m);
    expect(await countFor("cli@example.test")).toBe(2);
  });
});
