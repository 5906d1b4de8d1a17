// /api/v1/config: config as code through the API with a token — the same core as `npm run config:export`
// and `config:apply` on a local database (lib/configcode). GET exports the YAML file with the whole
// state's fingerprint as ETag; POST /config/plan shows what a file would change (and the fingerprint
// of the state it was planned on); POST /config/apply applies it in one audited transaction as the
// token's user, only while the state still has the fingerprint sent as If-Match.
//
// The file travels as JSON: `{ "yaml": "<the file's text>", "source": "palisade.yaml" }` (source is
// optional: the name the audit row gives the file), like every other body of this API.
import "server-only";
import { z } from "zod";
import { describePlan, type Plan } from "@/lib/configcode/plan";
import { applyConfig, ConfigApplyError, ConfigChangedError, configFingerprint, exportConfigWithFingerprint, planConfig } from "@/lib/configcode/service";
import { parseConfigYaml, pathText, type DesiredConfig, type FileProblem } from "@/lib/configcode/yaml-file";
import { HttpError } from "@/lib/http/route";
import { apiRoute, MAX_BODY_BYTES } from "./define";
import { ProblemSchema } from "./schemas";
import { PROBLEM_TEXT, problems } from "./vhosts";

const DEFAULT_SOURCE = "config.yaml";

export const ConfigBodySchema = z
  .object({
    yaml: z.string().max(MAX_BODY_BYTES).meta({ description: "The configuration file's text (as `npm run config:export` writes it)." }),
    source: z
      .string()
      .trim()
      .min(1)
      .max(200)
      .regex(/^[^\u0000-\u001f\u007f]+$/, "A file name on one line.")
      .optional()
      .meta({ description: `The file's name, for the audit row and the problems' locations (default ${DEFAULT_SOURCE}).` }),
  })
  .meta({ id: "ConfigFile" });

const CountsSchema = z.object({ create: z.number().int(), update: z.number().int(), delete: z.number().int() });
const ChangeSchema = z
  .looseObject({
    op: z.enum(["create", "update", "delete"]),
    type: z.enum(["vhost", "policy", "ip", "exclusion", "customRule", "customRuleOrder", "template"]),
  })
  .meta({ id: "ConfigChange", description: "One change of the plan, in the order apply runs it: the object's key (domain, name, cidr…), the desired values and, for an update, `changes` (field, old, new)." });

export const ConfigPlanSchema = z
  .object({
    fingerprint: z.string().meta({ description: "The fingerprint of the state the plan was made on: send it as If-Match to /config/apply." }),
    counts: CountsSchema,
    changes: z.array(ChangeSchema),
    text: z.array(z.string()).meta({ description: "The plan as config:apply --dry-run prints it, one line per item." }),
  })
  .meta({ id: "ConfigPlan" });

export const ConfigApplyResultSchema = z
  .object({
    status: z.enum(["applied", "unchanged"]),
    appliedBy: z.string().meta({ description: "The email of the token's user, whom the audit rows name." }),
    counts: CountsSchema,
    changes: z.array(ChangeSchema),
    text: z.array(z.string()),
    fingerprint: z.string().meta({ description: "The fingerprint of the state after the apply (also the ETag)." }),
  })
  .meta({ id: "ConfigApplyResult" });

const FileProblemSchema = z.object({
  line: z.number().int(),
  col: z.number().int(),
  path: z.string(),
  message: z.string(),
  location: z.string().meta({ description: "source:line:col" }),
});

export const ConfigProblemSchema = ProblemSchema.extend({
  problems: z.array(FileProblemSchema).optional().meta({ description: "Where in the file each problem is (422)." }),
  fingerprint: z.string().optional().meta({ description: "The state's current fingerprint (412): plan again." }),
}).meta({ id: "ConfigProblem", description: "RFC 9457 problem details, with the file's problems (422) or the current fingerprint (412)." });

const configProblems = (...codes: number[]) => Object.fromEntries(codes.map((c) => [c, { description: PROBLEM_TEXT[c] ?? "Problem", schema: ConfigProblemSchema }]));

/** A configuration file is the one large body of this API: its limit and its media type are worth saying. */
const bodyProblems = {
  413: { description: `The body is over ${MAX_BODY_BYTES} bytes`, schema: ProblemSchema },
  415: { description: "The body is not JSON", schema: ProblemSchema },
};

const etag = (fingerprint: string) => `"${fingerprint}"`;

/** `"<64 hex>"` or `W/"…"` → the fingerprint; anything else is a 400. */
export function parseFingerprint(header: string | null, refusal = "If-Match must be the ETag of a plan (the fingerprint in quotes)."): string | null {
  if (header === null) return null;
  const m = /^\s*(?:W\/)?"?([0-9a-f]{64})"?\s*$/i.exec(header);
  if (!m) throw new HttpError(400, refusal);
  return m[1]!.toLowerCase();
}

function withLocation(source: string, p: FileProblem) {
  return { ...p, location: `${source}:${p.line}:${p.col}` };
}

function refuseFile(source: string, list: FileProblem[], detail: string): never {
  const located = list.map((p) => withLocation(source, p));
  const errors: Record<string, string[]> = {};
  for (const p of located) (errors[p.path || "file"] ??= []).push(`${p.location}: ${p.message}`);
  throw new HttpError(422, detail, { body: { problems: located, errors } });
}

function parseOrRefuse(yaml: string, source: string): DesiredConfig {
  const parsed = parseConfigYaml(yaml);
  if (!parsed.ok) refuseFile(source, parsed.problems, `Nothing was applied: ${parsed.problems.length === 1 ? "1 problem" : `${parsed.problems.length} problems`} in ${source}.`);
  return parsed.config;
}

function planBody(plan: Plan) {
  return { counts: plan.counts, changes: plan.ops as unknown as z.infer<typeof ChangeSchema>[], text: describePlan(plan) };
}

const yamlRequestHint = 'The file goes as JSON: { "yaml": "<text of the file>", "source": "palisade.yaml" }.';

export const configRoutes = [
  apiRoute({
    method: "GET",
    path: "/config",
    operationId: "exportConfig",
    summary: "The whole desired state as the configuration file (YAML, as config:export writes it); ETag is the state's fingerprint",
    tag: "Config as code",
    permission: "vhost.read",
    scope: "read",
    responses: {
      200: { description: "The configuration file", schema: z.string(), contentType: "text/yaml", headers: ["ETag"] },
      ...problems(401, 403, 429),
    },
    handler: async () => {
      const { text, fingerprint } = await exportConfigWithFingerprint();
      return new Response(text, {
        status: 200,
        headers: { "content-type": "text/yaml; charset=utf-8", "cache-control": "no-store", etag: etag(fingerprint), "content-disposition": 'inline; filename="palisade.yaml"' },
      });
    },
  }),
  apiRoute({
    method: "POST",
    path: "/config/plan",
    operationId: "planConfig",
    summary: `What applying a configuration file would change (nothing is changed). ${yamlRequestHint}`,
    tag: "Config as code",
    permission: "vhost.read",
    scope: "read",
    body: ConfigBodySchema,
    responses: {
      200: { description: "The plan; ETag (and `fingerprint`) is the state it was made on, for If-Match on /config/apply", schema: ConfigPlanSchema, headers: ["ETag"] },
      ...problems(400, 401, 403, 429),
      ...bodyProblems,
      ...configProblems(422),
    },
    handler: async ({ body }) => {
      const source = body.source ?? DEFAULT_SOURCE;
      const { plan, fingerprint } = await planConfig(parseOrRefuse(body.yaml, source));
      return Response.json({ fingerprint, ...planBody(plan) }, { headers: { "cache-control": "no-store", etag: etag(fingerprint) } });
    },
  }),
  apiRoute({
    method: "POST",
    path: "/config/apply",
    operationId: "applyConfig",
    summary: `Apply a configuration file in one audited transaction (all or nothing), as the token's user; If-Match: the plan's ETag. ${yamlRequestHint}`,
    tag: "Config as code",
    permission: "config.apply",
    scope: "write",
    ifMatch: "fingerprint",
    body: ConfigBodySchema,
    responses: {
      200: { description: "Applied (or nothing to do); ETag is the state's new fingerprint", schema: ConfigApplyResultSchema, headers: ["ETag"] },
      ...problems(400, 401, 403, 428, 429),
      ...bodyProblems,
      ...configProblems(412, 422),
    },
    handler: async ({ body, principal, request }) => {
      const fingerprint = parseFingerprint(request.headers.get("if-match"));
      if (fingerprint === null) throw new HttpError(428, "Send If-Match with the ETag of the plan (POST /api/v1/config/plan), so a change made meanwhile is not overwritten.");
      const source = body.source ?? DEFAULT_SOURCE;
      const desired = parseOrRefuse(body.yaml, source);
      let plan: Plan;
      try {
        plan = await applyConfig(principal.audit, desired, { fingerprint, source });
      } catch (err) {
        if (err instanceof ConfigChangedError) {
          const current = await configFingerprint();
          throw new HttpError(412, "The state changed after the plan was made: nothing was applied. Plan again and apply with the new ETag.", { headers: { etag: etag(current) }, body: { fingerprint: current } });
        }
        if (err instanceof ConfigApplyError) {
          const at = err.path ? (() => {
            const fieldPath = err.problems.length === 1 && err.problems[0]!.field ? [...err.path, err.problems[0]!.field] : err.path;
            return desired.locate(fieldPath);
          })() : { line: 1, col: 1 };
          refuseFile(source, [{ ...at, path: err.path ? pathText(err.path) : "", message: err.message }], `${err.message} Nothing was applied.`);
        }
        throw err;
      }
      const after = await configFingerprint();
      return Response.json(
        { status: plan.ops.length ? "applied" : "unchanged", appliedBy: principal.user.email, fingerprint: after, ...planBody(plan) },
        { headers: { "cache-control": "no-store", etag: etag(after) } },
      );
    },
  }),
];
