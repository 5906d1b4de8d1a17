// Errors of the REST API (/api/v1, except the node API) as RFC 9457 problem details
// (`application/problem+json`): type, title, status, detail, plus `errors` (field → messages) for
// invalid input, `currentVersion` for a stale If-Match (412), and the request id.
import { isDatabaseUnavailable } from "@/lib/db";
import { AppError, ConflictError, FieldValidationError, ForbiddenError, NotFoundError, UnauthenticatedError } from "@/lib/errors";
import { log } from "@/lib/log";
import { DB_OUTAGE_RETRY_AFTER_SECONDS, HttpError, REQUEST_ID_HEADER } from "./route";

export const PROBLEM_TYPE_BASE = "https://palisade.invalid/problems/";

const TITLES: Record<number, [string, string]> = {
  400: ["invalid-request", "The request is invalid"],
  401: ["unauthenticated", "Authentication required"],
  403: ["forbidden", "Not allowed"],
  404: ["not-found", "Not found"],
  409: ["conflict", "Conflict"],
  412: ["stale-version", "The resource changed since you read it"],
  413: ["too-large", "The request body is too large"],
  415: ["unsupported-media-type", "Send JSON"],
  422: ["unprocessable", "The change was refused"],
  428: ["precondition-required", "If-Match required"],
  429: ["rate-limited", "Too many requests"],
  500: ["internal", "Internal error"],
  503: ["unavailable", "Service unavailable"],
};

export function problem(status: number, detail: string, options: { requestId: string; headers?: Record<string, string>; extra?: Record<string, unknown> }): Response {
  const [slug, title] = TITLES[status] ?? ["error", "Error"];
  return new Response(JSON.stringify({ type: `${PROBLEM_TYPE_BASE}${slug}`, title, status, detail, ...options.extra, requestId: options.requestId }), {
    status,
    headers: { "content-type": "application/problem+json", "cache-control": "no-store", ...options.headers, [REQUEST_ID_HEADER]: options.requestId },
  });
}

export function problemResponse(err: unknown, requestId: string, options: { name?: string; unexpected?: string } = {}): Response {
  const answer = (status: number, detail: string, extra: { headers?: Record<string, string>; body?: Record<string, unknown> } = {}) =>
    problem(status, detail, { requestId, headers: extra.headers, extra: extra.body });
  if (err instanceof HttpError) return answer(err.status, err.message, err.options);
  if (err instanceof UnauthenticatedError) return answer(401, err.message);
  if (err instanceof ForbiddenError) return answer(403, err.message);
  if (err instanceof NotFoundError) return answer(404, err.message || "Not found.");
  // Services detect a stale version themselves (optimistic locking): over HTTP that is If-Match failing.
  if (err instanceof ConflictError) {
    return answer(412, err.message, { headers: { etag: `"${err.currentVersion}"` }, body: { currentVersion: err.currentVersion } });
  }
  if (err instanceof FieldValidationError) return answer(400, err.message, { body: { errors: err.fieldErrors } });
  if (err instanceof AppError) return answer(422, err.message);
  if (isDatabaseUnavailable(err)) {
    void log.warn(`${options.name ?? "route"}: database unavailable`, { requestId, error: err });
    return answer(503, "The panel cannot reach its database; try again shortly.", { headers: { "retry-after": String(DB_OUTAGE_RETRY_AFTER_SECONDS) } });
  }
  void log.error(`${options.name ?? "route"} failed`, { requestId, error: err });
  return answer(500, options.unexpected ?? "The panel could not answer; try again shortly.");
}
