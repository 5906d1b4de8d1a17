// Test helpers for the audit integration tests: events written through audited() itself (so the chain
// is real), at a chosen time — only Date is faked while they are written, so the database drivers'
// timers are untouched.
import { vi } from "vitest";
import { db } from "@/lib/db";
import { audited, type AuditEntry } from "@/lib/audit/audited";

export type FixtureEvent = AuditEntry & { key: string; at: string; actor: string };

export async function writeEventAt(actor: { id: string | null; email: string }, entry: AuditEntry, at: Date) {
  vi.useFakeTimers({ toFake: ["Date"], now: at });
  try {
    return await audited({ actor, meta: { ip: "192.0.2.1", userAgent: "vitest" } }, async () => ({ result: null, audit: entry }));
  } finally {
    vi.useRealTimers();
  }
}

/** Writes the events in order; actors named by email get a user of their own unless listed in `withoutUser`. */
export async function writeFixture(events: FixtureEvent[], withoutUser: string[] = []): Promise<Map<number, string>> {
  const ids = new Map<string, string | null>();
  for (const e of events) {
    if (ids.has(e.actor)) continue;
    if (withoutUser.includes(e.actor)) ids.set(e.actor, null);
    else {
      const u = await db.user.upsert({
        where: { email: e.actor },
        create: { email: e.actor, name: e.actor.split("@")[0]!, passwordHash: "x", role: "ADMIN" },
        update: {},
      });
      ids.set(e.actor, u.id);
    }
  }
  const keyBySeq = new Map<number, string>();
  for (const { key, at, actor, ...entry } of events) {
    await writeEventAt({ id: ids.get(actor)!, email: actor }, entry, new Date(at));
    const head = await db.auditChainHead.findUniqueOrThrow({ where: { id: 1 } });
    keyBySeq.set(head.lastSeq, key);
  }
  return keyBySeq;
}
