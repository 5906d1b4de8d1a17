import { z } from "zod";
import { db } from "@/lib/db";

export const AUDIT_PAGE_SIZE = 50;

/** Keyset paging on seq (unique, assigned in commit order): `?before=<seq>` is the page below that event. */
export const AuditListParamsSchema = z.object({
  before: z.coerce.number().int().min(1).optional().catch(undefined),
  vhost: z.uuid().optional().catch(undefined),
});

export async function listAuditEvents(params: { before?: number; vhost?: string; limit?: number }) {
  const limit = params.limit ?? AUDIT_PAGE_SIZE;
  const rows = await db.auditEvent.findMany({
    where: { ...(params.before ? { seq: { lt: params.before } } : {}), ...(params.vhost ? { vhostId: params.vhost } : {}) },
    orderBy: { seq: "desc" },
    take: limit + 1,
    // The list never needs the before/after JSON: leaving it out keeps pages small and fast.
    select: { id: true, seq: true, createdAt: true, actorEmail: true, action: true, entityType: true, entityId: true, vhostId: true, summary: true },
  });
  const hasMore = rows.length > limit;
  const page = hasMore ? rows.slice(0, limit) : rows;
  return { rows: page, nextBefore: hasMore ? page[page.length - 1]!.seq : null };
}

export function getAuditEvent(id: string) {
  if (!z.uuid().safeParse(id).success) return Promise.resolve(null);
  return db.auditEvent.findUnique({ where: { id } });
}
