// The WAF events' retention as an ADMIN sets it (issue 18: "retention in days set by an ADMIN, that setting
// change is audited"): one WafEventSettings row, changed in an audited transaction (lib/audit/audited.ts) on
// /events/retention. Until an admin sets it, PALISADE_EVENT_RETENTION_DAYS (1–3650) or 30 days. Read by the
// purge (retention.ts pruneEvents) each time it runs, so a change takes effect at the next hourly purge (or
// `npm run db:prune`).
import "server-only";
import { audited, type AuditContext, type AuditedOptions } from "@/lib/audit/audited";
import { db } from "@/lib/db";

const SETTINGS_ID = "events";
export const EVENT_RETENTION_DAYS = 30;

/** PALISADE_EVENT_RETENTION_DAYS (1–3650), default 30; anything else is refused with the reason. */
export function eventRetentionDays(env: Record<string, string | undefined> = process.env): number {
  const raw = env.PALISADE_EVENT_RETENTION_DAYS?.trim();
  if (!raw) return EVENT_RETENTION_DAYS;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 3650) throw new Error(`PALISADE_EVENT_RETENTION_DAYS must be a whole number of days, 1 to 3650; got "${raw}"`);
  return n;
}


export type EventRetention = {
  days: number;
  /** Where `days` comes from: an admin's setting, the environment variable, or the default. */
  source: "setting" | "environment" | "default";
  updatedAt: Date | null;
};

/** The retention in force. Throws (with the reason) only when no admin has set it and the environment variable is invalid. */
export async function eventRetention(env: Record<string, string | undefined> = process.env): Promise<EventRetention> {
  const row = await db.wafEventSettings.findUnique({ where: { id: SETTINGS_ID } });
  if (row) return { days: row.retentionDays, source: "setting", updatedAt: row.updatedAt };
  return { days: eventRetentionDays(env), source: env.PALISADE_EVENT_RETENTION_DAYS?.trim() ? "environment" : "default", updatedAt: null };
}

/** Sets the retention (days validated by EventRetentionSchema), with its audit row in the same transaction. */
export async function setEventRetention(ctx: AuditContext, days: number, options: AuditedOptions = {}): Promise<EventRetention> {
  return audited(
    ctx,
    async (tx) => {
    const before = await tx.wafEventSettings.findUnique({ where: { id: SETTINGS_ID } });
    const row = await tx.wafEventSettings.upsert({ where: { id: SETTINGS_ID }, create: { id: SETTINGS_ID, retentionDays: days }, update: { retentionDays: days } });
    const was = before?.retentionDays ?? null;
    return {
      result: { days: row.retentionDays, source: "setting" as const, updatedAt: row.updatedAt },
      audit: {
        action: "events.retention",
        entityType: "WafEventSettings",
        entityId: SETTINGS_ID,
        summary: was === null ? `WAF events are now kept ${days} days` : `WAF events are now kept ${days} days (were ${was})`,
        before: { retentionDays: was },
        after: { retentionDays: days },
      },
    };
    },
    options,
  );
}
