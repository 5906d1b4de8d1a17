// The REST API's route definitions: each route is data (method, path, permission, token scope, zod
// schemas for params, query, body and responses) plus a handler. The same definition gives the Next
// route handler (through defineRoute with the `token` authenticator and problem-details errors), the
// OpenAPI document (lib/api/openapi.ts) and the rows of the authorization test, so the three cannot drift.
import "server-only";
import { z } from "zod";
import { zodFieldErrors } from "@/lib/auth/action";
import type { Permission } from "@/lib/auth/permissions";
import { FieldValidationError, NotFoundError } from "@/lib/errors";
import { defineRoute, HttpError, token, type TokenPrincipal } from "@/lib/http/route";
import type { TokenScope } from "@/lib/tokens/schema";

export const API_BASE = "/api/v1";
export const MAX_BODY_BYTES = 1024 * 1024;

export type Method = "GET" | "POST" | "PUT" | "DELETE";

export type ApiResponseSpec = { description: string; schema?: z.ZodType; headers?: string[]; /** The media type of a 2xx answer that is not JSON (e.g. "text/yaml"). */ contentType?: string };

export type ApiHandlerContext<P, Q, B> = {
  principal: TokenPrincipal;
  params: P;
  query: Q;
  body: B;
  request: Request;
  requestId: string;
  /** The version an If-Match header names ("3" or W/"3"), or null when there is none. */
  ifMatch: number | null;
};

export type ApiRoute<P extends z.ZodType = z.ZodType, Q extends z.ZodType = z.ZodType, B extends z.ZodType = z.ZodType> = {
  method: Method;
  /** OpenAPI style, under API_BASE: "/vhosts/{id}". */
  path: string;
  operationId: string;
  summary: string;
  tag: string;
  permission: Permission;
  scope: TokenScope;
  params?: P;
  query?: Q;
  body?: B;
  /** Adjusts the raw JSON before the body schema parses it (e.g. aliases given as a list). */
  prepareBody?: (raw: unknown) => unknown;
  /** Takes If-Match (versioned resource); "fingerprint": a whole-state fingerprint the handler reads itself (/config/apply). */
  ifMatch?: boolean | "fingerprint";
  /** The If-Match header's description in the document, where the default ("the ETag you read") does not fit. */
  ifMatchText?: string;
  responses: Record<number, ApiResponseSpec>;
  handler: (ctx: ApiHandlerContext<z.output<P>, z.output<Q>, z.output<B>>) => Promise<Response>;
};

export function apiRoute<P extends z.ZodType = z.ZodType, Q extends z.ZodType = z.ZodType, B extends z.ZodType = z.ZodType>(r: ApiRoute<P, Q, B>): ApiRoute {
  return r as unknown as ApiRoute;
}

/** A JSON answer; `version` sets a strong ETag of it. */
export function json(data: unknown, init: { status?: number; version?: number; headers?: Record<string, string> } = {}): Response {
  const headers: Record<string, string> = { "cache-control": "no-store", ...init.headers };
  if (init.version !== undefined) headers.etag = etagOf(init.version);
  return Response.json(data, { status: init.status ?? 200, headers });
}

export function etagOf(version: number): string {
  return `"${version}"`;
}

/** `"3"`, `W/"3"` or a bare 3 → 3; anything else (a list, `*`) → 400. */
export function parseIfMatch(header: string | null): number | null {
  if (header === null) return null;
  const m = /^\s*(?:W\/)?"?(\d{1,9})"?\s*$/.exec(header);
  if (!m) throw new HttpError(400, 'If-Match must name one version, as the ETag gave it (e.g. "3").');
  return Number(m[1]);
}

/** The version a change is based on: If-Match, else `version` in the body; neither is 428. */
export function requireVersion(ifMatch: number | null, bodyVersion?: unknown): number {
  if (ifMatch !== null) return ifMatch;
  if (typeof bodyVersion === "number" && Number.isInteger(bodyVersion)) return bodyVersion;
  throw new HttpError(428, "Send If-Match with the ETag you read (optimistic locking), so a change made meanwhile is not overwritten.");
}

function searchObject(url: URL): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of url.searchParams) if (!(k in out)) out[k] = v;
  return out;
}

async function readJson(request: Request): Promise<unknown> {
  const type = request.headers.get("content-type") ?? "";
  if (!/^application\/([\w.+-]+\+)?json\b/i.test(type)) throw new HttpError(415, "Send the body as JSON (Content-Type: application/json).");
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > MAX_BODY_BYTES) throw new HttpError(413, `The body is limited to ${MAX_BODY_BYTES} bytes.`);
  const text = await request.text();
  if (Buffer.byteLength(text) > MAX_BODY_BYTES) throw new HttpError(413, `The body is limited to ${MAX_BODY_BYTES} bytes.`);
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(400, "The body is not valid JSON.");
  }
}

function parseOr(schema: z.ZodType | undefined, value: unknown, what: "params" | "query" | "body"): unknown {
  if (!schema) return undefined;
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  // A path that names nothing valid names nothing at all.
  if (what === "params") throw new NotFoundError("Not found.");
  throw new FieldValidationError(zodFieldErrors(r.error), what === "query" ? "Please correct the query parameters." : "Please correct the highlighted fields.");
}

/** The Next route handler of one API route. */
export function toHandler(route: ApiRoute) {
  return defineRoute<TokenPrincipal, Record<string, string>>(
    { name: `${route.method} ${API_BASE}${route.path}`, auth: token(route.permission, route.scope), errors: "problem" },
    async ({ principal, params, request, requestId }) => {
      const p = parseOr(route.params, params ?? {}, "params");
      const q = parseOr(route.query, searchObject(new URL(request.url)), "query");
      const raw = route.body ? await readJson(request) : undefined;
      const b = route.body ? parseOr(route.body, route.prepareBody ? route.prepareBody(raw) : raw, "body") : undefined;
      const ifMatch = route.ifMatch === true ? parseIfMatch(request.headers.get("if-match")) : null;
      return route.handler({ principal, params: p, query: q, body: b, request, requestId, ifMatch });
    },
  );
}

/** The exports of one route file: `export const { GET, PUT } = handlersFor(API_ROUTES, "/vhosts/{id}")`. */
export function handlersFor(routes: ApiRoute[], path: string): Partial<Record<Method, ReturnType<typeof toHandler>>> {
  const out: Partial<Record<Method, ReturnType<typeof toHandler>>> = {};
  for (const r of routes) if (r.path === path) out[r.method] = toHandler(r);
  if (Object.keys(out).length === 0) throw new Error(`no API route at ${path}`);
  return out;
}

/** Opaque cursors: base64url of JSON. A cursor that does not decode is a 400. */
export function encodeCursor(value: unknown): string {
  return Buffer.from(JSON.stringify(value), "utf8").toString("base64url");
}

export function decodeCursor<T>(cursor: string | undefined, schema: z.ZodType<T>): T | undefined {
  if (cursor === undefined) return undefined;
  try {
    const r = schema.safeParse(JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")));
    if (r.success) return r.data;
  } catch {
    // falls through
  }
  throw new FieldValidationError({ cursor: ["That cursor is not one this API gave out: start from the first page."] }, "Please correct the query parameters.");
}

export const PageQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(1000).optional(),
});
