// /api/v1/audit-events (read, export) and /api/v1/waf-events (read): the audit log's and the WAF
// events' own queries and filters, keyset-paged.
import "server-only";
import { z } from "zod";
import { startAuditExport } from "@/lib/audit/export";
import { EXPORT_CONTENT_TYPES } from "@/lib/audit/export-format";
import { AuditFilterSchema } from "@/lib/audit/filters";
import { getAuditEvent, listAuditEvents } from "@/lib/audit/queries";
import { NotFoundError } from "@/lib/errors";
import { EventFilterSchema } from "@/lib/events/filters";
import { listEvents } from "@/lib/events/queries";
import { apiRoute, decodeCursor, encodeCursor, json, PageQuerySchema } from "./define";
import { problems } from "./vhosts";

const timestamp = z.string().meta({ format: "date-time" });

const AuditListItemSchema = z
  .object({ id: z.string(), seq: z.number().int(), createdAt: timestamp, actorEmail: z.string(), action: z.string(), entityType: z.string(), entityId: z.string(), vhostId: z.string().nullable(), summary: z.string() })
  .meta({ id: "AuditEventSummary" });
const AuditPageSchema = z.object({ items: z.array(AuditListItemSchema), next: z.string().nullable() }).meta({ id: "AuditEventPage" });
const AuditEventSchema = z
  .object({
    id: z.string(),
    seq: z.number().int(),
    createdAt: timestamp,
    actorId: z.string().nullable(),
    actorEmail: z.string(),
    action: z.string(),
    entityType: z.string(),
    entityId: z.string(),
    vhostId: z.string().nullable(),
    summary: z.string(),
    before: z.unknown(),
    after: z.unknown(),
    ip: z.string().nullable(),
    userAgent: z.string().nullable(),
    prevHash: z.string(),
    hash: z.string(),
  })
  .meta({ id: "AuditEvent" });
const WafEventSchema = z
  .object({
    id: z.string(),
    occurredAt: timestamp,
    vhostId: z.string().nullable(),
    vhost: z.string(),
    clientAddress: z.string(),
    method: z.string(),
    uri: z.string(),
    path: z.string(),
    status: z.number().int(),
    outcome: z.string(),
    inboundScore: z.number().int().nullable(),
    scoringRules: z.array(z.number().int()),
  })
  .meta({ id: "WafEvent" });
const WafEventPageSchema = z.object({ items: z.array(WafEventSchema), next: z.string().nullable() }).meta({ id: "WafEventPage" });

const IdParams = z.object({ id: z.uuid() });

export const auditRoutes = [
  apiRoute({
    method: "GET",
    path: "/audit-events",
    operationId: "listAuditEvents",
    summary: "The audit log, newest first, filtered as on /audit (cursor paging)",
    tag: "Audit log",
    permission: "audit.read",
    scope: "read",
    query: PageQuerySchema.extend(AuditFilterSchema.partial().shape),
    responses: { 200: { description: "A page of audit events (without before/after)", schema: AuditPageSchema }, ...problems(400, 401, 403, 429) },
    handler: async ({ query }) => {
      const { limit, cursor, ...filter } = query;
      const before = decodeCursor(cursor, z.object({ s: z.number().int() }));
      const page = await listAuditEvents({ filter, before: before?.s, limit });
      return json({ items: page.rows.map((r) => ({ ...r, createdAt: r.createdAt.toISOString() })), next: page.nextBefore !== null ? encodeCursor({ s: page.nextBefore }) : null });
    },
  }),
  apiRoute({
    method: "GET",
    path: "/audit-events/export",
    operationId: "exportAuditEvents",
    summary: "Export the filtered audit log as CSV or JSON Lines (the export is itself audited)",
    tag: "Audit log",
    permission: "audit.export",
    scope: "read",
    query: AuditFilterSchema.partial().extend({ format: z.enum(["csv", "jsonl"], "Choose format=csv or format=jsonl.") }),
    responses: { 200: { description: "The export, streamed (text/csv or application/x-ndjson)" }, ...problems(400, 401, 403, 429) },
    handler: async ({ query, principal }) => {
      const { format, ...filter } = query;
      const { stream, fileName } = await startAuditExport(principal.audit, filter, format);
      return new Response(stream, {
        headers: { "content-type": EXPORT_CONTENT_TYPES[format], "content-disposition": `attachment; filename="${fileName}"`, "cache-control": "no-store", "x-content-type-options": "nosniff" },
      });
    },
  }),
  apiRoute({
    method: "GET",
    path: "/audit-events/{id}",
    operationId: "getAuditEvent",
    summary: "One audit event with its before/after and hash",
    tag: "Audit log",
    permission: "audit.read",
    scope: "read",
    params: IdParams,
    responses: { 200: { description: "The event", schema: AuditEventSchema }, ...problems(401, 403, 404, 429) },
    handler: async ({ params }) => {
      const e = await getAuditEvent(params.id);
      if (!e) throw new NotFoundError("No audit event has that id.");
      return json({ ...e, createdAt: e.createdAt.toISOString() });
    },
  }),
  apiRoute({
    method: "GET",
    path: "/waf-events",
    operationId: "listWafEvents",
    summary: "WAF events (blocked and detected requests), newest first, filtered as on /events (cursor paging)",
    tag: "WAF events",
    permission: "event.read",
    scope: "read",
    query: PageQuerySchema.extend(EventFilterSchema.partial().shape),
    responses: { 200: { description: "A page of WAF events", schema: WafEventPageSchema }, ...problems(400, 401, 403, 429) },
    handler: async ({ query }) => {
      const { limit, cursor, ...filter } = query;
      const c = decodeCursor(cursor, z.object({ at: z.string(), id: z.uuid() }));
      const page = await listEvents({ filter, before: c ? { at: new Date(c.at), id: c.id } : undefined, limit });
      return json({
        items: page.rows.map((r) => ({ ...r, occurredAt: r.occurredAt.toISOString() })),
        next: page.older ? encodeCursor({ at: page.older.at.toISOString(), id: page.older.id }) : null,
      });
    },
  }),
];
