// /api/v1/vhosts and /api/v1/vhosts/{id}/policy: the same services and schemas as the vhost and policy forms.
import "server-only";
import { z } from "zod";
import { db } from "@/lib/db";
import { NotFoundError } from "@/lib/errors";
import { WafPolicySchema } from "@/lib/policies/policy";
import { updatePolicy } from "@/lib/policies/service";
import { listVhostPage } from "@/lib/vhosts/queries";
import { CreateVhostSchema, VhostFieldsSchema, vhostColumns } from "@/lib/vhosts/schema";
import { createVhost, deleteVhost, setVhostEnabled, updateVhost } from "@/lib/vhosts/service";
import { API_BASE, apiRoute, decodeCursor, encodeCursor, json, PageQuerySchema, requireVersion } from "./define";
import { DeletedSchema, PolicySchema, policyBody, ProblemSchema, VhostPageSchema, VhostSchema, vhostBody } from "./schemas";

const VhostParams = z.object({ id: z.uuid() });
const problems = (...codes: number[]) => Object.fromEntries(codes.map((c) => [c, { description: PROBLEM_TEXT[c] ?? "Problem", schema: ProblemSchema }]));
export const PROBLEM_TEXT: Record<number, string> = {
  400: "Invalid input: `errors` names each field",
  401: "No valid token",
  403: "The role or the token's scope does not allow this",
  404: "Not found",
  409: "Not possible on this resource (e.g. a built-in template)",
  412: "Stale If-Match: `currentVersion` is the current version",
  422: "Refused by the service",
  428: "If-Match is required",
  429: "Rate limited: see Retry-After",
};
export { problems };

/** Aliases may be sent as a list (as the API returns them) or as the form's text, one per line. */
function aliasesAsText(raw: unknown): unknown {
  if (raw && typeof raw === "object" && Array.isArray((raw as { aliases?: unknown }).aliases)) {
    const r = raw as { aliases: unknown[] };
    return { ...r, aliases: r.aliases.map((a) => (typeof a === "string" ? a : "\u0000")).join("\n") };
  }
  return raw;
}

async function vhostOr404(id: string) {
  const v = await db.virtualHost.findUnique({ where: { id } });
  if (!v) throw new NotFoundError("No virtual host has that id.");
  return v;
}

export const vhostRoutes = [
  apiRoute({
    method: "GET",
    path: "/vhosts",
    operationId: "listVhosts",
    summary: "List virtual hosts in domain order (cursor paging)",
    tag: "Virtual hosts",
    permission: "vhost.read",
    scope: "read",
    query: PageQuerySchema.extend({ q: z.string().trim().max(253).refine((s) => !/[\u0000-\u001f\u007f]/.test(s), "The search contains a control character.").optional() }),
    responses: { 200: { description: "A page of virtual hosts; `next` is the cursor of the following page", schema: VhostPageSchema }, ...problems(400, 401, 403, 429) },
    handler: async ({ query }) => {
      const after = decodeCursor(query.cursor, z.object({ d: z.string() }));
      const page = await listVhostPage({ afterDomain: after?.d, limit: query.limit, q: query.q });
      const last = page.rows.at(-1);
      return json({ items: page.rows.map(vhostBody), next: page.hasMore && last ? encodeCursor({ d: last.domain }) : null });
    },
  }),
  apiRoute({
    method: "POST",
    path: "/vhosts",
    operationId: "createVhost",
    summary: "Create a virtual host (with CRS defaults, or from a template)",
    tag: "Virtual hosts",
    permission: "vhost.write",
    scope: "write",
    body: CreateVhostSchema,
    prepareBody: aliasesAsText,
    responses: { 201: { description: "Created; Location names it, ETag is its version", schema: VhostSchema, headers: ["Location", "ETag"] }, ...problems(400, 401, 403, 404, 429) },
    handler: async ({ body, principal }) => {
      const v = await createVhost(principal.audit, body);
      return json(vhostBody(v), { status: 201, version: v.version, headers: { location: `${API_BASE}/vhosts/${v.id}` } });
    },
  }),
  apiRoute({
    method: "GET",
    path: "/vhosts/{id}",
    operationId: "getVhost",
    summary: "One virtual host (ETag: its version)",
    tag: "Virtual hosts",
    permission: "vhost.read",
    scope: "read",
    params: VhostParams,
    responses: { 200: { description: "The virtual host", schema: VhostSchema, headers: ["ETag"] }, ...problems(401, 403, 404, 429) },
    handler: async ({ params }) => {
      const v = await vhostOr404(params.id);
      return json(vhostBody(v), { version: v.version });
    },
  }),
  apiRoute({
    method: "PUT",
    path: "/vhosts/{id}",
    operationId: "replaceVhost",
    summary: "Replace a virtual host's settings (If-Match: the version read). Idempotent: the same settings again change nothing",
    tag: "Virtual hosts",
    permission: "vhost.write",
    scope: "write",
    params: VhostParams,
    body: VhostFieldsSchema,
    prepareBody: aliasesAsText,
    ifMatch: true,
    responses: { 200: { description: "The virtual host as stored", schema: VhostSchema, headers: ["ETag"] }, ...problems(400, 401, 403, 404, 412, 428, 429) },
    handler: async ({ params, body, ifMatch, principal }) => {
      const current = await vhostOr404(params.id);
      // The same settings again: nothing to change, whatever version the client last saw.
      const wanted = vhostColumns(body);
      const stored = { ...wanted, ...Object.fromEntries(Object.keys(wanted).map((k) => [k, current[k as keyof typeof current]])) };
      if (JSON.stringify(wanted) === JSON.stringify(stored)) return json(vhostBody(current), { version: current.version });
      const v = await updateVhost(principal.audit, { ...body, id: params.id, version: requireVersion(ifMatch) });
      return json(vhostBody(v), { version: v.version });
    },
  }),
  apiRoute({
    method: "DELETE",
    path: "/vhosts/{id}",
    operationId: "deleteVhost",
    summary: "Delete a virtual host with its policy, lists, rules and exclusions (If-Match: the version read)",
    tag: "Virtual hosts",
    permission: "vhost.write",
    scope: "write",
    params: VhostParams,
    ifMatch: true,
    responses: { 200: { description: "Deleted", schema: DeletedSchema }, ...problems(401, 403, 404, 412, 428, 429) },
    handler: async ({ params, ifMatch, principal }) => {
      const version = requireVersion(ifMatch);
      const r = await deleteVhost(principal.audit, { id: params.id, version });
      return json({ id: r.id, deleted: true });
    },
  }),
  ...(["enable", "disable"] as const).map((verb) =>
    apiRoute({
      method: "POST",
      path: `/vhosts/{id}/${verb}`,
      operationId: `${verb}Vhost`,
      summary:
        `${verb === "enable" ? "Enable" : "Disable"} a virtual host, as the panel's toggle does (If-Match: the version read; audited as vhost.${verb}). ` +
        `Its own operation, not a PATCH: the API has no partial updates and the toggle sends no other field (PUT /vhosts/{id} can set \`enabled\` with the rest). ` +
        `Idempotent: a vhost already ${verb}d stays as it is`,
      tag: "Virtual hosts",
      permission: "vhost.write",
      scope: "write",
      params: VhostParams,
      ifMatch: true,
      responses: { 200: { description: "The virtual host as stored", schema: VhostSchema, headers: ["ETag"] }, ...problems(401, 403, 404, 412, 428, 429) },
      handler: async ({ params, ifMatch, principal }) => {
        const enabled = verb === "enable";
        const current = await vhostOr404(params.id);
        if (current.enabled === enabled) return json(vhostBody(current), { version: current.version });
        const v = await setVhostEnabled(principal.audit, { id: params.id, version: requireVersion(ifMatch), enabled });
        return json(vhostBody(v), { version: v.version });
      },
    }),
  ),
  apiRoute({
    method: "GET",
    path: "/vhosts/{id}/policy",
    operationId: "getPolicy",
    summary: "A virtual host's WAF policy (ETag: its version)",
    tag: "Policies",
    permission: "vhost.read",
    scope: "read",
    params: VhostParams,
    responses: { 200: { description: "The policy", schema: PolicySchema, headers: ["ETag"] }, ...problems(401, 403, 404, 429) },
    handler: async ({ params }) => {
      const p = await db.wafPolicy.findUnique({ where: { vhostId: params.id } });
      if (!p) throw new NotFoundError("No virtual host has that id.");
      return json(policyBody(p), { version: p.version });
    },
  }),
  apiRoute({
    method: "PUT",
    path: "/vhosts/{id}/policy",
    operationId: "replacePolicy",
    summary: "Replace a virtual host's WAF policy (If-Match, or `version` in the body). Idempotent",
    tag: "Policies",
    permission: "policy.write",
    scope: "write",
    params: VhostParams,
    body: WafPolicySchema,
    prepareBody: (raw) => (raw && typeof raw === "object" && !("version" in raw) ? { ...raw, version: 0 } : raw),
    ifMatch: true,
    responses: { 200: { description: "The policy as stored", schema: PolicySchema, headers: ["ETag"] }, ...problems(400, 401, 403, 404, 412, 428, 429) },
    handler: async ({ params, body, ifMatch, principal }) => {
      const current = await db.wafPolicy.findUnique({ where: { vhostId: params.id } });
      if (!current) throw new NotFoundError("No virtual host has that id.");
      const fields = ["engineMode", "blockingParanoia", "detectionParanoia", "inboundThreshold", "outboundThreshold"] as const;
      if (fields.every((f) => current[f] === body[f])) return json(policyBody(current), { version: current.version });
      // Versions start at 1: 0 is "not in the body" (prepareBody).
      const version = requireVersion(ifMatch, body.version || undefined);
      const p = await updatePolicy(principal.audit, { ...body, version, vhostId: params.id });
      return json(policyBody(p), { version: p.version });
    },
  }),
];
