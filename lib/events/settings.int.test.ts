// The WAF events' retention as an ADMIN sets it (lib/events/settings.ts), on both databases: the setting and
// its audit row commit together or not at all, bad values get field errors and change nothing, other roles are
// refused by the action itself, and the purge deletes by the setting (else the environment, else 30 days).
import { describe, expect, it } from "vitest";
import { runWithSession } from "@/lib/auth/session";
import { db } from "@/lib/db";
import { insertEvents } from "@/lib/testing/event-fixtures";
import { createUser } from "@/lib/users/service";
import { setEventRetentionAction } from "./actions";
import { pruneEvents } from "./retention";
import { eventRetention, setEventRetention } from "./settings";

const setup = { actor: { id: null, email: "setup@retention.test" } };

async function user(email: string, role: "ADMIN" | "EDITOR" | "AUDITOR") {
  const u = await createUser(setup, { email, name: email, role, password: "retention test password" });
  return { id: u.id, email, claim: { uid: u.id, sv: u.sessionVersion } };
}

const DAY = 86_400_000;
const audits = () => db.auditEvent.count({ where: { action: "events.retention" } });

describe(`WAF event retention set by an admin (${process.env.TEST_DB})`, () => {
  it("is the environment's or 30 days until an admin sets it; the admin's change and its audit row commit together", async () => {
    expect(await eventRetention({})).toEqual({ days: 30, source: "default", updatedAt: null });
    expect(await eventRetention({ PALISADE_EVENT_RETENTION_DAYS: "45" })).toEqual({ days: 45, source: "environment", updatedAt: null });

    const admin = await user("admin@retention.test", "ADMIN");
    expect(await runWithSession(admin.claim, () => setEventRetentionAction({ days: 14 }))).toEqual({ ok: true, data: { days: 14 } });
    // The admin's setting wins over the environment.
    expect(await eventRetention({ PALISADE_EVENT_RETENTION_DAYS: "45" })).toMatchObject({ days: 14, source: "setting" });
    const first = await db.auditEvent.findFirstOrThrow({ where: { action: "events.retention" } });
    expect(first).toMatchObject({ actorEmail: admin.email, entityType: "WafEventSettings", summary: "WAF events are now kept 14 days", before: { retentionDays: null }, after: { retentionDays: 14 } });

    // A form posts text: coerced as the browser's field sends it.
    expect(await runWithSession(admin.claim, () => setEventRetentionAction({ days: "90" }))).toEqual({ ok: true, data: { days: 90 } });
    expect(await db.auditEvent.findFirstOrThrow({ where: { action: "events.retention" }, orderBy: { seq: "desc" } })).toMatchObject({
      summary: "WAF events are now kept 90 days (were 14)",
      before: { retentionDays: 14 },
      after: { retentionDays: 90 },
    });

    // A failure after the audit row is written rolls back both.
    await expect(setEventRetention({ actor: { id: admin.id, email: admin.email } }, 3, { beforeCommit: async () => Promise.reject(new Error("injected failure before commit")) })).rejects.toThrow(/injected/);
    expect((await eventRetention()).days).toBe(90);
    expect(await audits()).toBe(2);
  });

  it("refuses bad values with a field error and other roles outright, changing nothing", async () => {
    const admin = await user("admin2@retention.test", "ADMIN");
    const before = [(await eventRetention()).days, await audits()];
    for (const days of [0, -3, 1.5, 3651, "thirty", "", null]) {
      const r = await runWithSession(admin.claim, () => setEventRetentionAction({ days }));
      expect(r, String(days)).toMatchObject({ ok: false, fieldErrors: { days: [expect.any(String)] } });
    }
    const bad = await runWithSession(admin.claim, () => setEventRetentionAction({ days: 0 }));
    expect(bad).toMatchObject({ fieldErrors: { days: ["Keep at least one day of events."] } });
    for (const role of ["EDITOR", "AUDITOR"] as const) {
      const u = await user(`${role.toLowerCase()}@retention.test`, role);
      expect(await runWithSession(u.claim, () => setEventRetentionAction({ days: 7 }))).toMatchObject({ ok: false, error: "Your role does not allow this action." });
    }
    expect([(await eventRetention()).days, await audits()]).toEqual(before);
  });

  it("purges by the admin's setting", async () => {
    const admin = await user("admin3@retention.test", "ADMIN");
    const now = new Date();
    await insertEvents([
      { at: new Date(now.getTime() - 10 * DAY), matches: [{ ruleId: 942100 }] },
      { at: new Date(now.getTime() - 3 * DAY), matches: [{ ruleId: 942100 }] },
    ]);
    const count = () => db.wafEvent.count();
    await runWithSession(admin.claim, () => setEventRetentionAction({ days: 30 }));
    expect((await pruneEvents({ now, duty: 1 })).events).toBe(0);
    await runWithSession(admin.claim, () => setEventRetentionAction({ days: 7 }));
    const kept = await count();
    expect(await pruneEvents({ now, duty: 1 })).toMatchObject({ events: 1, before: new Date(Math.floor((now.getTime() - 7 * DAY) / 3_600_000) * 3_600_000) });
    expect(await count()).toBe(kept - 1);
  });
});
