// The OpenAPI 3.1 document of the REST API, generated from the routes' zod schemas (zod-openapi):
// served at /api/v1/openapi.json, rendered on /api-docs, and checked against real responses by tests.
import "server-only";
import { z } from "zod";
import { createDocument } from "zod-openapi";
import { API_BASE, type ApiRoute } from "./define";
import { API_ROUTES } from "./routes";

const HEADER_SCHEMAS: Record<string, { description: string }> = {
  ETag: { description: "The resource's version (for /config: the whole state's fingerprint; for /revisions/preview: the content hash of the bundle Publish would store), for If-Match" },
  Location: { description: "The URL of the created resource" },
};

function operation(r: ApiRoute) {
  const header = r.ifMatch
    ? z.object({
        "if-match": z
          .string()
          .optional()
          .meta({ description: r.ifMatchText ?? (r.ifMatch === "fingerprint" ? "The ETag of the plan (the fingerprint of the state it was made on): a stale one is 412" : 'The ETag you read (e.g. "3"): a stale one is 412') }),
      })
    : undefined;
  const requestParams = {
    ...(r.params ? { path: r.params as z.ZodObject } : {}),
    ...(r.query ? { query: r.query as z.ZodObject } : {}),
    ...(header ? { header } : {}),
  };
  return {
    operationId: r.operationId,
    summary: r.summary,
    tags: [r.tag],
    description: `Needs the permission \`${r.permission}\` (by role) and a token with the \`${r.scope}\` scope.`,
    security: [{ bearer: [] }],
    "x-permission": r.permission,
    "x-scope": r.scope,
    ...(Object.keys(requestParams).length ? { requestParams } : {}),
    ...(r.body ? { requestBody: { required: true, content: { "application/json": { schema: r.body } } } } : {}),
    responses: Object.fromEntries(
      Object.entries(r.responses).map(([status, spec]) => [
        status,
        {
          description: spec.description,
          ...(spec.headers ? { headers: Object.fromEntries(spec.headers.map((h) => [h, { ...HEADER_SCHEMAS[h], schema: { type: "string" as const } }])) } : {}),
          ...(spec.schema ? { content: { [Number(status) >= 400 ? "application/problem+json" : (spec.contentType ?? "application/json")]: { schema: spec.schema } } } : {}),
        },
      ]),
    ),
  };
}

let cached: ReturnType<typeof createDocument> | null = null;

export function openApiDocument() {
  if (cached) return cached;
  const paths: Record<string, Record<string, ReturnType<typeof operation>>> = {};
  for (const r of API_ROUTES) (paths[`${API_BASE}${r.path}`] ??= {})[r.method.toLowerCase()] = operation(r);
  cached = createDocument(
    {
      openapi: "3.1.0",
      info: {
        title: "Palisade API",
        version: "1",
        description:
          "Manage virtual hosts, WAF policies and configuration revisions, and read the audit log and WAF events. " +
          "Authenticate with a personal API token (create one on your account page): `Authorization: Bearer pal_…`. " +
          "A token acts as its user: the role decides what it may do, a read-only token only reads. " +
          "Versioned resources answer with an ETag; send it back as If-Match (a stale one is 412). " +
          "Errors are RFC 9457 problem details; lists page with an opaque `next` cursor.",
      },
      components: { securitySchemes: { bearer: { type: "http", scheme: "bearer", description: "A personal API token, pal_<prefix>_<secret>" } } },
      paths,
    },
  );
  return cached;
}
