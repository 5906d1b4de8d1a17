// /api/v1/templates and /api/v1/vhosts/{id}/policy/copy: the same services and schemas as the template
// pages (lib/templates: createTemplate, updateTemplate, deleteTemplate) and the vhost's "copy policy" form
// (copyPolicy). A template travels as GET answers it: { name, description, policy: { …, exclusions } }, so
// a script can read one, change it and send it back.
import "server-only";
import { z } from "zod";
import { zodFieldErrors } from "@/lib/auth/action";
import { FieldValidationError, NotFoundError, type FieldErrors } from "@/lib/errors";
import { HttpError } from "@/lib/http/route";
import { exclusionToRow, CopyPolicySchema, TemplateFormSchema, templatePolicyOf, TemplatePolicySchema, type TemplateInput } from "@/lib/templates/schema";
import { getTemplate, listTemplates } from "@/lib/templates/queries";
import { copyPolicy, createTemplate, deleteTemplate, templateView, updateTemplate } from "@/lib/templates/service";
import { API_BASE, apiRoute, json, requireVersion } from "./define";
import { DeletedSchema, PolicySchema, policyBody } from "./schemas";
import { problems } from "./vhosts";

const TemplateParams = z.object({ id: z.uuid() });
const VhostParams = z.object({ id: z.uuid() });

const TemplateOutSchema = z
  .object({ id: z.string(), name: z.string(), description: z.string(), builtIn: z.boolean(), version: z.number().int(), policy: z.unknown() })
  .meta({ id: "Template" });
const TemplateListSchema = z.object({ items: z.array(TemplateOutSchema) }).meta({ id: "TemplateList" });

const { name, description } = TemplateFormSchema.shape;
/** The body of POST and PUT: the template as GET answers it (id, builtIn and version aside). */
export const TemplateBodySchema = z
  .object({ name, description: description.default(""), policy: TemplatePolicySchema })
  .meta({
    id: "TemplateInput",
    description: "A custom template: its name, description and policy (engine mode, paranoia levels, thresholds and rule exclusions), as GET answers it.",
  });

/** The template form's input from an API body, checked by the form's own schema (e.g. the same exclusion twice). */
function templateInputOf(body: z.output<typeof TemplateBodySchema>): TemplateInput {
  const { exclusions, ...levels } = body.policy;
  const r = TemplateFormSchema.safeParse({ name: body.name, description: body.description, ...levels, exclusions: exclusions.map(exclusionToRow) });
  if (r.success) return r.data;
  const errors: FieldErrors = {};
  for (const issue of r.error.issues) {
    const [head, index] = issue.path;
    const key = head === "name" || head === "description" ? head : "policy";
    (errors[key] ??= []).push(`${head === "exclusions" && typeof index === "number" ? `Exclusion ${index + 1}: ` : ""}${issue.message}`);
  }
  throw new FieldValidationError(errors);
}

type TemplateRow = { id: string; name: string; description: string; builtIn: boolean; version: number; policy: unknown };

async function templateOr404(id: string) {
  const t = await getTemplate(id);
  if (!t) throw new NotFoundError("No template has that id.");
  return t;
}

/** Built-in templates live in code (lib/templates/builtin.ts): as in the panel, they are not edited or deleted. */
function refuseBuiltIn(t: TemplateRow) {
  if (t.builtIn) throw new HttpError(409, `"${t.name}" is a built-in template and cannot be changed or deleted. Create a custom template instead.`);
}

const body = (t: TemplateRow) => templateView(t);

export const templateRoutes = [
  apiRoute({
    method: "GET",
    path: "/templates",
    operationId: "listTemplates",
    summary: "Policy templates (built-in and custom)",
    tag: "Templates",
    permission: "vhost.read",
    scope: "read",
    responses: { 200: { description: "Every template", schema: TemplateListSchema }, ...problems(401, 403, 429) },
    handler: async () => {
      const rows = await listTemplates();
      return json({ items: rows.map(body) });
    },
  }),
  apiRoute({
    method: "POST",
    path: "/templates",
    operationId: "createTemplate",
    summary: "Create a custom template (checked as the template form checks it; built-in names are taken)",
    tag: "Templates",
    permission: "template.manage",
    scope: "write",
    body: TemplateBodySchema,
    responses: { 201: { description: "Created; Location names it, ETag is its version", schema: TemplateOutSchema, headers: ["Location", "ETag"] }, ...problems(400, 401, 403, 429) },
    handler: async ({ body: b, principal }) => {
      const t = await createTemplate(principal.audit, templateInputOf(b));
      return json(body(t), { status: 201, version: t.version, headers: { location: `${API_BASE}/templates/${t.id}` } });
    },
  }),
  apiRoute({
    method: "GET",
    path: "/templates/{id}",
    operationId: "getTemplate",
    summary: "One template (ETag: its version)",
    tag: "Templates",
    permission: "vhost.read",
    scope: "read",
    params: TemplateParams,
    responses: { 200: { description: "The template", schema: TemplateOutSchema, headers: ["ETag"] }, ...problems(401, 403, 404, 429) },
    handler: async ({ params }) => {
      const t = await templateOr404(params.id);
      return json(body(t), { version: t.version });
    },
  }),
  apiRoute({
    method: "PUT",
    path: "/templates/{id}",
    operationId: "replaceTemplate",
    summary: "Replace a custom template (If-Match: the version read; a built-in one is 409). Idempotent: the same template again changes nothing",
    tag: "Templates",
    permission: "template.manage",
    scope: "write",
    params: TemplateParams,
    body: TemplateBodySchema,
    ifMatch: true,
    responses: {
      200: { description: "The template as stored", schema: TemplateOutSchema, headers: ["ETag"] },
      ...problems(400, 401, 403, 404, 409, 412, 428, 429),
    },
    handler: async ({ params, body: b, ifMatch, principal }) => {
      const current = await templateOr404(params.id);
      refuseBuiltIn(current);
      const input = templateInputOf(b);
      // The same template again: nothing to change, whatever version the client last saw.
      const wanted = { name: input.name, description: input.description, policy: TemplatePolicySchema.parse(templatePolicyOf(input)) };
      if (JSON.stringify(wanted) === JSON.stringify({ name: current.name, description: current.description, policy: current.policy })) return json(body(current), { version: current.version });
      const t = await updateTemplate(principal.audit, { ...input, id: params.id, version: requireVersion(ifMatch) });
      return json(body(t), { version: t.version });
    },
  }),
  apiRoute({
    method: "DELETE",
    path: "/templates/{id}",
    operationId: "deleteTemplate",
    summary: "Delete a custom template (If-Match: the version read; a built-in one is 409). Vhosts created from it keep their policies",
    tag: "Templates",
    permission: "template.manage",
    scope: "write",
    params: TemplateParams,
    ifMatch: true,
    responses: { 200: { description: "Deleted", schema: DeletedSchema }, ...problems(401, 403, 404, 409, 412, 428, 429) },
    handler: async ({ params, ifMatch, principal }) => {
      const current = await templateOr404(params.id);
      refuseBuiltIn(current);
      const r = await deleteTemplate(principal.audit, { id: params.id, version: requireVersion(ifMatch) });
      return json({ id: r.id, deleted: true });
    },
  }),
];

const { source, replaceExclusions } = CopyPolicySchema.shape;
const CopyPolicyBodySchema = z
  .object({
    source: source.meta({ description: '"template:<id>" applies a template; "vhost:<id>" copies another virtual host\'s policy.' }),
    replaceExclusions: replaceExclusions.meta({ description: "Also replace this vhost's rule exclusions by the source's (false keeps them)." }),
  })
  .meta({ id: "CopyPolicy" });
const CopyPolicyResultSchema = z
  .object({
    policy: PolicySchema,
    exclusionCount: z.number().int().nullable().meta({ description: "How many exclusions the vhost has now (null: they were kept)." }),
    copiedFrom: z.string().meta({ description: 'The source, as the audit row names it (e.g. the template "strict").' }),
  })
  .meta({ id: "CopyPolicyResult" });

export const copyPolicyRoutes = [
  apiRoute({
    method: "POST",
    path: "/vhosts/{id}/policy/copy",
    operationId: "copyPolicy",
    summary:
      "Apply a template to a virtual host's policy, or copy another vhost's, as the panel's \"copy policy\" does: mode, paranoia levels and thresholds, " +
      "and with replaceExclusions its rule exclusions (If-Match: the policy's ETag)",
    tag: "Policies",
    permission: "policy.write",
    scope: "write",
    params: VhostParams,
    body: CopyPolicyBodySchema,
    ifMatch: true,
    ifMatchText: 'The policy\'s ETag (GET /vhosts/{id}/policy, e.g. "3"): a stale one is 412',
    responses: { 200: { description: "The policy as stored; ETag is its version", schema: CopyPolicyResultSchema, headers: ["ETag"] }, ...problems(400, 401, 403, 404, 412, 428, 429) },
    handler: async ({ params, body: b, ifMatch, principal }) => {
      const input = CopyPolicySchema.safeParse({ vhostId: params.id, source: b.source, replaceExclusions: b.replaceExclusions, policyVersion: requireVersion(ifMatch) });
      if (!input.success) throw new FieldValidationError(zodFieldErrors(input.error));
      const r = await copyPolicy(principal.audit, input.data);
      return json({ policy: policyBody(r.policy), exclusionCount: r.exclusionCount, copiedFrom: r.sourceLabel }, { version: r.policy.version });
    },
  }),
];
