// The one wrapper every route handler (app/api/**/route.ts) goes through, as server actions go through
// defineAction (lib/auth/action.ts): a request id (the caller's `x-request-id` if it is a sane token,
// else a new one, echoed on every response), authentication by the route's authenticator (a session with
// a permission, a node's bearer token, or none), structured logs through lib/log, and every thrown error
// turned into a JSON body `{ error, requestId }` with its status: 400/401/403/404/409/413/429 from typed
// errors, 503 with Retry-After while the database is unreachable (an outage, not a bug), 500 otherwise
// (logged; the body names no internals).
import { randomUUID } from "node:crypto";
import { unstable_rethrow } from "next/navigation";
import type { AuditContext, RequestMeta } from "@/lib/audit/audited";
import { recordDeniedRequest } from "@/lib/audit/denied";
import { clientAddress } from "@/lib/http/client-address";
import { can, type Permission } from "@/lib/auth/permissions";
import { getSessionUser, type SessionUser } from "@/lib/auth/session";
import { isDatabaseUnavailable } from "@/lib/db";
import { AppError, ConflictError, FieldValidationError, ForbiddenError, NotFoundError, UnauthenticatedError } from "@/lib/errors";
import { log } from "@/lib/log";
import { authenticateApiToken, countTokenRequest, scopeAllows, type AuthenticatedToken } from "@/lib/tokens/service";
import type { TokenScope } from "@/lib/tokens/schema";
import { bearerToken } from "@/lib/nodes/token";
import { problemResponse } from "./problem";

export const REQUEST_ID_HEADER = "x-request-id";
/** What a client is told to wait while the panel cannot reach its database. */
export const DB_OUTAGE_RETRY_AFTER_SECONDS = 5;
const SANE_REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;
const NO_STORE = { "cache-control": "no-store" };

/** An error that is already an HTTP answer: its status, its message as `error`, extra headers and body fields. */
export class HttpError extends Error {
  constructor(
    public readonly status: number,
    message: string,
    public readonly options: { headers?: Record<string, string>; body?: Record<string, unknown> } = {},
  ) {
    super(message);
  }
}

/** The caller's request id when it is a sane token (a proxy in front may set one), else a new one. */
export function requestIdOf(request: Request): string {
  const incoming = request.headers.get(REQUEST_ID_HEADER);
  return incoming && SANE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
}

/** Who sent the request, for the audit log: from the request itself (route handlers get it as an argument). */
export function requestMetaOf(request: Request): RequestMeta {
  return { ip: clientAddress(request.headers), userAgent: request.headers.get("user-agent") };
}

export type RouteRequest = { request: Request; requestId: string; meta: RequestMeta; name: string };
/** Decides who the request is from, or throws (UnauthenticatedError, ForbiddenError, HttpError 401/429…). */
export type Authenticator<P> = (req: RouteRequest) => Promise<P>;
export type RouteContext<P, Params> = RouteRequest & { principal: P; params: Params };

/** No authentication (next-auth's own endpoints, test-only routes that guard themselves). */
export const anyone: Authenticator<null> = async () => null;

export type SessionPrincipal = { user: SessionUser; audit: AuditContext };

/**
 * A signed-in user whose role has `permission`. A refusal is recorded as a security event
 * (security.denied, naming the route) and answered 403 with `forbidden`.
 */
export function session(permission: Permission, forbidden = "Your role does not allow this action."): Authenticator<SessionPrincipal> {
  return async ({ meta, name }) => {
    const user = await getSessionUser();
    if (!user) throw new UnauthenticatedError();
    if (!can(user.role, permission)) {
      await recordDeniedRequest(user, meta, name, permission);
      throw new ForbiddenError(forbidden);
    }
    return { user, audit: { actor: { id: user.id, email: user.email }, meta } };
  };
}

export type TokenPrincipal = AuthenticatedToken & { audit: AuditContext };

const TOKEN_REFUSED: Record<string, string> = {
  missing: "Send a personal API token as Authorization: Bearer <token> (create one on your account page).",
  malformed: "That is not a Palisade API token.",
  unknown: "That API token does not exist.",
  expired: "That API token has expired: create a new one on your account page.",
  revoked: "That API token was revoked.",
  "user-disabled": "The account of that API token is disabled.",
};

/**
 * A personal API token (lib/tokens) whose user's role has `permission`, with `scope` ("write" for
 * changes). A missing, unknown, expired or revoked token, or one of a disabled user, is 401; a valid
 * token over its rate limit is 429 with Retry-After (counted in the database, across instances); a role
 * or scope that does not allow the route is recorded as security.denied (like a session's) and 403.
 * Changes made with it are audited as the user, naming the token (AuditContext.via).
 */
export function token(permission: Permission, scope: TokenScope): Authenticator<TokenPrincipal> {
  return async ({ request, meta, name }) => {
    const found = await authenticateApiToken(bearerToken(request.headers.get("authorization")));
    if ("refused" in found) {
      throw new HttpError(401, TOKEN_REFUSED[found.refused]!, { headers: { "www-authenticate": 'Bearer realm="palisade-api"' } });
    }
    const retryAfter = await countTokenRequest(found.token.id);
    if (retryAfter !== null) {
      throw new HttpError(429, `This token made too many requests. Try again in ${retryAfter} seconds.`, { headers: { "retry-after": String(retryAfter) } });
    }
    if (!can(found.user.role, permission)) {
      await recordDeniedRequest(found.user, meta, name, permission);
      throw new ForbiddenError("Your role does not allow this request.");
    }
    if (!scopeAllows(found.token.scope, scope)) {
      await recordDeniedRequest(found.user, meta, `${name} (read-only token "${found.token.name}")`, permission);
      throw new ForbiddenError("This token is read-only: create a token with the write scope for changes.");
    }
    return { ...found, audit: { actor: { id: found.user.id, email: found.user.email }, meta, via: { tokenId: found.token.id, tokenName: found.token.name } } };
  };
}

/** The JSON error answer for `err`, and whether it was expected (unexpected ones are logged as errors). */
export function errorResponse(err: unknown, requestId: string, options: { name?: string; unexpected?: string } = {}): Response {
  const answer = (status: number, error: string, extra: { headers?: Record<string, string>; body?: Record<string, unknown> } = {}) =>
    Response.json({ error, ...extra.body, requestId }, { status, headers: { ...NO_STORE, ...extra.headers, [REQUEST_ID_HEADER]: requestId } });

  if (err instanceof HttpError) return answer(err.status, err.message, err.options);
  if (err instanceof UnauthenticatedError) return answer(401, err.message);
  if (err instanceof ForbiddenError) return answer(403, err.message);
  if (err instanceof NotFoundError) return answer(404, err.message || "Not found.");
  if (err instanceof ConflictError) {
    return answer(409, err.message, {
      body: { conflict: { savedBy: err.savedBy, savedAt: err.savedAt?.toISOString() ?? null, currentVersion: err.currentVersion } },
    });
  }
  if (err instanceof FieldValidationError) return answer(400, err.message, { body: { fieldErrors: err.fieldErrors } });
  if (err instanceof AppError) return answer(400, err.message);
  if (isDatabaseUnavailable(err)) {
    void log.warn(`${options.name ?? "route"}: database unavailable`, { requestId, error: err });
    return answer(503, "The panel cannot reach its database; try again shortly.", { headers: { "retry-after": String(DB_OUTAGE_RETRY_AFTER_SECONDS) } });
  }
  void log.error(`${options.name ?? "route"} failed`, { requestId, error: err });
  return answer(500, options.unexpected ?? "The panel could not answer; try again shortly.");
}

/** The response with the request id on it (a response with immutable headers is copied). */
function withRequestId(res: Response, requestId: string): Response {
  try {
    res.headers.set(REQUEST_ID_HEADER, requestId);
    return res;
  } catch {
    const copy = new Response(res.body, { status: res.status, statusText: res.statusText, headers: res.headers });
    copy.headers.set(REQUEST_ID_HEADER, requestId);
    return copy;
  }
}

export type RouteOptions<P> = {
  /** "GET /api/audit/export": names the route in logs and in security.denied events. */
  name: string;
  auth: Authenticator<P>;
  /** The 500 message (default: "The panel could not answer; try again shortly."). */
  unexpected?: string;
  /** "problem": errors as RFC 9457 problem details (the REST API); default `{ error, requestId }`. */
  errors?: "json" | "problem";
};

/** A route handler: `export const GET = defineRoute({ name, auth }, async (ctx) => Response)`. */
export function defineRoute<P, Params = unknown>(
  options: RouteOptions<P>,
  handler: (ctx: RouteContext<P, Params>) => Promise<Response>,
): (request: Request, routeContext?: { params: Promise<Params> }) => Promise<Response> {
  return async (request, routeContext) => {
    const requestId = requestIdOf(request);
    const started = performance.now();
    const base: RouteRequest = { request, requestId, meta: requestMetaOf(request), name: options.name };
    let res: Response;
    try {
      const principal = await options.auth(base);
      const params = (routeContext ? await routeContext.params : undefined) as Params;
      res = withRequestId(await handler({ ...base, principal, params }), requestId);
    } catch (err) {
      unstable_rethrow(err); // Next's own control flow (redirect, notFound, dynamic rendering) is not an error
      res = options.errors === "problem" ? problemResponse(err, requestId, options) : errorResponse(err, requestId, options);
    }
    void log.debug("route answered", { requestId, route: options.name, status: res.status, ms: Math.round(performance.now() - started) });
    return res;
  };
}
