// /api/v1/vhosts/{id}/ip-lists, /custom-rules and /exclusions: the same services and schemas as the vhost's
// policy pages (templates: lib/api/templates.ts).
import "server-only";
import { z } from "zod";
import { db } from "@/lib/db";
import { NotFoundError } from "@/lib/errors";
import { IpBulkSchema } from "@/lib/policies/cidr";
import { addIpEntries, removeIpEntry } from "@/lib/policies/service";
import { RuleExclusionSchema } from "@/lib/rules/exclusions";
import { CustomRuleSchema, MoveCustomRuleSchema } from "@/lib/rules/secrule";
import { createCustomRule, createExclusion, deleteCustomRule, deleteExclusion, moveCustomRule, updateCustomRule } from "@/lib/rules/service";
import { API_BASE, apiRoute, json, requireVersion } from "./define";
import { problems } from "./vhosts";

const timestamp = z.string().meta({ format: "date-time" });
const VhostParams = z.object({ id: z.uuid() });
const ItemParams = (name: string) => z.object({ id: z.uuid(), [name]: z.uuid() });

const IpEntrySchema = z.object({ id: z.string(), kind: z.enum(["ALLOW", "DENY"]), cidr: z.string(), note: z.string().nullable(), createdAt: timestamp }).meta({ id: "IpEntry" });
const IpAddResultSchema = z
  .object({
    addedCount: z.number().int(),
    lines: z.array(z.object({ line: z.number().int().nullable(), input: z.string(), status: z.enum(["added", "refused"]), cidr: z.string().nullable(), message: z.string() })),
  })
  .meta({ id: "IpAddResult" });
const CustomRuleOutSchema = z
  .object({ id: z.string(), ruleId: z.number().int(), description: z.string(), secRule: z.string(), enabled: z.boolean(), position: z.number().int(), version: z.number().int(), updatedAt: timestamp })
  .meta({ id: "CustomRule" });
const ExclusionOutSchema = z
  .object({
    id: z.string(),
    kind: z.string(),
    ruleId: z.number().int().nullable(),
    ruleIdEnd: z.number().int().nullable(),
    tag: z.string().nullable(),
    target: z.string().nullable(),
    pathPrefix: z.string().nullable(),
    note: z.string().nullable(),
    createdAt: timestamp,
  })
  .meta({ id: "Exclusion" });
const list = <T extends z.ZodType>(item: T, id: string) => z.object({ items: z.array(item) }).meta({ id });
const CustomRuleListSchema = list(CustomRuleOutSchema, "CustomRuleList");
const RemovedSchema = z.object({ id: z.string(), deleted: z.literal(true) });

async function vhostExists(id: string) {
  if (!(await db.virtualHost.findUnique({ where: { id }, select: { id: true } }))) throw new NotFoundError("No virtual host has that id.");
}

const iso = <T extends Record<string, unknown>>(row: T, ...keys: (keyof T)[]) => ({ ...row, ...Object.fromEntries(keys.map((k) => [k, (row[k] as Date).toISOString()])) });
const ruleBody = (r: { id: string; ruleId: number; description: string; secRule: string; enabled: boolean; position: number; version: number; updatedAt: Date }) => ({
  id: r.id, ruleId: r.ruleId, description: r.description, secRule: r.secRule, enabled: r.enabled, position: r.position, version: r.version, updatedAt: r.updatedAt.toISOString(),
});
const exclusionBody = (e: { id: string; kind: string; ruleId: number | null; ruleIdEnd: number | null; tag: string | null; target: string | null; pathPrefix: string | null; note: string | null; createdAt: Date }) => ({
  id: e.id, kind: e.kind, ruleId: e.ruleId, ruleIdEnd: e.ruleIdEnd, tag: e.tag, target: e.target, pathPrefix: e.pathPrefix, note: e.note, createdAt: e.createdAt.toISOString(),
});

export const policyItemRoutes = [
  apiRoute({
    method: "GET", path: "/vhosts/{id}/ip-lists", operationId: "listIpEntries", summary: "A virtual host's allow and deny lists", tag: "IP lists",
    permission: "vhost.read", scope: "read", params: VhostParams,
    responses: { 200: { description: "Every entry", schema: list(IpEntrySchema, "IpEntryList") }, ...problems(401, 403, 404, 429) },
    handler: async ({ params }) => {
      await vhostExists(params.id);
      const rows = await db.ipListEntry.findMany({ where: { vhostId: params.id }, orderBy: [{ kind: "asc" }, { createdAt: "asc" }] });
      return json({ items: rows.map(({ id, kind, cidr, note, createdAt }) => iso({ id, kind, cidr, note, createdAt }, "createdAt")) });
    },
  }),
  apiRoute({
    method: "POST", path: "/vhosts/{id}/ip-lists", operationId: "addIpEntries",
    summary: "Add addresses and ranges (one per line, as pasted in the panel) to the allow or deny list; the answer says line by line what was added or refused",
    tag: "IP lists", permission: "policy.write", scope: "write", params: VhostParams, body: IpBulkSchema,
    responses: { 200: { description: "The per-line report", schema: IpAddResultSchema }, ...problems(400, 401, 403, 404, 429) },
    handler: async ({ params, body, principal }) => {
      const r = await addIpEntries(principal.audit, { ...body, vhostId: params.id });
      return json({
        addedCount: r.addedCount,
        lines: r.report.lines.map((l) =>
          l.status === "added"
            ? { line: l.line ?? null, input: l.input, status: "added" as const, cidr: l.cidr.canonical, message: l.warnings.join(" ") }
            : { line: l.line ?? null, input: l.input, status: "refused" as const, cidr: null, message: l.reason },
        ),
      });
    },
  }),
  apiRoute({
    method: "DELETE", path: "/vhosts/{id}/ip-lists/{entryId}", operationId: "removeIpEntry", summary: "Remove one allow- or deny-list entry", tag: "IP lists",
    permission: "policy.write", scope: "write", params: ItemParams("entryId"),
    responses: { 200: { description: "Removed", schema: RemovedSchema }, ...problems(401, 403, 404, 429) },
    handler: async ({ params, principal }) => {
      const p = params as { id: string; entryId: string };
      const r = await removeIpEntry(principal.audit, { vhostId: p.id, id: p.entryId });
      return json({ id: r.id, deleted: true });
    },
  }),
  apiRoute({
    method: "GET", path: "/vhosts/{id}/custom-rules", operationId: "listCustomRules", summary: "A virtual host's custom SecRules in evaluation order", tag: "Custom rules",
    permission: "vhost.read", scope: "read", params: VhostParams,
    responses: { 200: { description: "Every rule", schema: CustomRuleListSchema }, ...problems(401, 403, 404, 429) },
    handler: async ({ params }) => {
      await vhostExists(params.id);
      const rows = await db.customRule.findMany({ where: { vhostId: params.id }, orderBy: { position: "asc" } });
      return json({ items: rows.map(ruleBody) });
    },
  }),
  apiRoute({
    method: "POST", path: "/vhosts/{id}/custom-rules", operationId: "createCustomRule", summary: "Add a custom SecRule (checked as in the panel)", tag: "Custom rules",
    permission: "policy.write", scope: "write", params: VhostParams, body: CustomRuleSchema,
    responses: { 201: { description: "Created; Location names it", schema: CustomRuleOutSchema, headers: ["Location", "ETag"] }, ...problems(400, 401, 403, 404, 429) },
    handler: async ({ params, body, principal }) => {
      const r = await createCustomRule(principal.audit, { ...body, vhostId: params.id });
      return json(ruleBody(r), { status: 201, version: r.version, headers: { location: `${API_BASE}/vhosts/${params.id}/custom-rules/${r.id}` } });
    },
  }),
  apiRoute({
    method: "GET", path: "/vhosts/{id}/custom-rules/{ruleId}", operationId: "getCustomRule", summary: "One custom rule (ETag: its version)", tag: "Custom rules",
    permission: "vhost.read", scope: "read", params: ItemParams("ruleId"),
    responses: { 200: { description: "The rule", schema: CustomRuleOutSchema, headers: ["ETag"] }, ...problems(401, 403, 404, 429) },
    handler: async ({ params }) => {
      const p = params as { id: string; ruleId: string };
      const r = await db.customRule.findFirst({ where: { id: p.ruleId, vhostId: p.id } });
      if (!r) throw new NotFoundError("No custom rule of that virtual host has that id.");
      return json(ruleBody(r), { version: r.version });
    },
  }),
  apiRoute({
    method: "PUT", path: "/vhosts/{id}/custom-rules/{ruleId}", operationId: "replaceCustomRule", summary: "Replace a custom rule (If-Match: the version read)", tag: "Custom rules",
    permission: "policy.write", scope: "write", params: ItemParams("ruleId"), body: CustomRuleSchema, ifMatch: true,
    responses: { 200: { description: "The rule as stored", schema: CustomRuleOutSchema, headers: ["ETag"] }, ...problems(400, 401, 403, 404, 412, 428, 429) },
    handler: async ({ params, body, ifMatch, principal }) => {
      const p = params as { id: string; ruleId: string };
      const r = await updateCustomRule(principal.audit, { ...body, vhostId: p.id, id: p.ruleId, version: requireVersion(ifMatch) });
      return json(ruleBody(r), { version: r.version });
    },
  }),
  apiRoute({
    method: "DELETE", path: "/vhosts/{id}/custom-rules/{ruleId}", operationId: "deleteCustomRule", summary: "Delete a custom rule", tag: "Custom rules",
    permission: "policy.write", scope: "write", params: ItemParams("ruleId"),
    responses: { 200: { description: "Deleted", schema: RemovedSchema }, ...problems(401, 403, 404, 429) },
    handler: async ({ params, principal }) => {
      const p = params as { id: string; ruleId: string };
      await deleteCustomRule(principal.audit, { vhostId: p.id, id: p.ruleId });
      return json({ id: p.ruleId, deleted: true });
    },
  }),
  apiRoute({
    method: "POST", path: "/vhosts/{id}/custom-rules/{ruleId}/move", operationId: "moveCustomRule",
    summary:
      "Move a custom rule one place earlier (up) or later (down) in its vhost's evaluation order, as the panel's arrows do. " +
      "No If-Match: as in the panel, a move checks no version and keeps the rules' versions (their ETags stay valid)",
    tag: "Custom rules", permission: "policy.write", scope: "write", params: ItemParams("ruleId"), body: MoveCustomRuleSchema,
    responses: { 200: { description: "The vhost's rules in their new order", schema: CustomRuleListSchema }, ...problems(400, 401, 403, 404, 422, 429) },
    handler: async ({ params, body, principal }) => {
      const p = params as { id: string; ruleId: string };
      await moveCustomRule(principal.audit, { vhostId: p.id, id: p.ruleId, direction: body.direction });
      const rows = await db.customRule.findMany({ where: { vhostId: p.id }, orderBy: [{ position: "asc" }, { ruleId: "asc" }] });
      return json({ items: rows.map(ruleBody) });
    },
  }),
  apiRoute({
    method: "GET", path: "/vhosts/{id}/exclusions", operationId: "listExclusions", summary: "A virtual host's CRS rule exclusions", tag: "Exclusions",
    permission: "vhost.read", scope: "read", params: VhostParams,
    responses: { 200: { description: "Every exclusion", schema: list(ExclusionOutSchema, "ExclusionList") }, ...problems(401, 403, 404, 429) },
    handler: async ({ params }) => {
      await vhostExists(params.id);
      const rows = await db.ruleExclusion.findMany({ where: { vhostId: params.id }, orderBy: { createdAt: "asc" } });
      return json({ items: rows.map(exclusionBody) });
    },
  }),
  apiRoute({
    method: "POST", path: "/vhosts/{id}/exclusions", operationId: "createExclusion", summary: "Exclude a CRS rule, tag or target (optionally under a path prefix)", tag: "Exclusions",
    permission: "policy.write", scope: "write", params: VhostParams, body: RuleExclusionSchema,
    responses: { 201: { description: "Created", schema: ExclusionOutSchema, headers: ["Location"] }, ...problems(400, 401, 403, 404, 429) },
    handler: async ({ params, body, principal }) => {
      const e = await createExclusion(principal.audit, { ...body, vhostId: params.id });
      return json(exclusionBody(e), { status: 201, headers: { location: `${API_BASE}/vhosts/${params.id}/exclusions` } });
    },
  }),
  apiRoute({
    method: "DELETE", path: "/vhosts/{id}/exclusions/{exclusionId}", operationId: "deleteExclusion", summary: "Delete an exclusion", tag: "Exclusions",
    permission: "policy.write", scope: "write", params: ItemParams("exclusionId"),
    responses: { 200: { description: "Deleted", schema: RemovedSchema }, ...problems(401, 403, 404, 429) },
    handler: async ({ params, principal }) => {
      const p = params as { id: string; exclusionId: string };
      const r = await deleteExclusion(principal.audit, { vhostId: p.id, id: p.exclusionId });
      return json({ id: r.id, deleted: true });
    },
  }),
];
