// The node API (no session: a bearer token per node). Route files in app/api/v1/nodes/ call these.
//
//   GET  /api/v1/nodes/config   → 200 { revision, contentHash, files } with ETag "<contentHash>",
//                                  304 when If-None-Match names the latest content, 404 before the first publish
//   POST /api/v1/nodes/status   { revision, ok, message } → 200 { recorded: true, appliedRevision }
//   either, while the database is unreachable  → 503 with Retry-After (never a 500: nothing is wrong with the request)
//
// A missing, malformed, unknown or revoked token gets the same 401 body. Failed authentications are
// counted per source address (X-Forwarded-For's first hop, set by the reverse proxy in front of the
// panel, else X-Real-IP): 20 within a minute and that address gets 429 with Retry-After, whatever token
// it sends next, until the window has room again. The count lives in this process's memory (see
// rate-limit.ts): per process, and forgotten on restart. Run the panel behind a reverse proxy that sets
// X-Forwarded-For itself: without one, every caller counts as "unknown" (one shared budget), and a
// caller could pick its own address.
import { latestRevisionMemo } from "@/lib/config/revision-memo";
import { db, isDatabaseUnavailable } from "@/lib/db";
import { FailureLimiter } from "./rate-limit";
import { StatusReportSchema } from "./schema";
import { authenticateNode, recordNodeContact, recordNodeStatus, UnknownRevisionError } from "./service";
import { bearerToken } from "./token";

export const AUTH_FAILURE_LIMIT = 20;
export const AUTH_FAILURE_WINDOW_MS = 60_000;
const MAX_STATUS_BODY = 64 * 1024;
/** What a node is told to wait while the panel cannot reach its database. */
export const DB_OUTAGE_RETRY_AFTER_SECONDS = 5;

const limiter = new FailureLimiter({ limit: AUTH_FAILURE_LIMIT, windowMs: AUTH_FAILURE_WINDOW_MS });

const NO_STORE = { "cache-control": "no-store" };

function json(status: number, body: unknown, headers: Record<string, string> = {}) {
  return Response.json(body, { status, headers: { ...NO_STORE, ...headers } });
}

export function clientAddress(request: Request): string {
  return request.headers.get("x-forwarded-for")?.split(",")[0]?.trim() || request.headers.get("x-real-ip")?.trim() || "unknown";
}

type Authenticated = { node: NonNullable<Awaited<ReturnType<typeof authenticateNode>>>; ip: string };

async function authenticate(request: Request): Promise<Authenticated | Response> {
  const ip = clientAddress(request);
  const retryAfter = limiter.retryAfter(ip);
  if (retryAfter !== null) {
    return json(429, { error: `Too many failed authentications from this address. Try again in ${retryAfter} seconds.` }, { "retry-after": String(retryAfter) });
  }
  const node = await authenticateNode(bearerToken(request.headers.get("authorization")));
  if (!node) {
    limiter.fail(ip);
    return json(401, { error: "Unauthorized: send a valid node token as Authorization: Bearer <token>." }, { "www-authenticate": 'Bearer realm="palisade-nodes"' });
  }
  return { node, ip };
}

/** True when an If-None-Match header names this entity tag (or is `*`). Weak and strong forms compare equal. */
export function matchesIfNoneMatch(header: string | null, etag: string): boolean {
  if (!header) return false;
  const tags = header.split(",").map((t) => t.trim().replace(/^W\//, ""));
  return tags.includes("*") || tags.includes(etag);
}

async function guarded(run: () => Promise<Response>): Promise<Response> {
  try {
    return await run();
  } catch (err) {
    if (isDatabaseUnavailable(err)) {
      // An outage, not a bug: the agent backs off and tries again (lib/agent/agent.ts).
      console.warn(JSON.stringify({ level: "warn", msg: "node API: database unavailable", error: String((err as Error)?.message ?? err) }));
      return json(503, { error: "The panel cannot reach its database; try again shortly." }, { "retry-after": String(DB_OUTAGE_RETRY_AFTER_SECONDS) });
    }
    console.error(JSON.stringify({ level: "error", msg: "node API failed", error: String((err as Error)?.stack ?? err) }));
    return json(500, { error: "The panel could not answer; try again shortly." });
  }
}

/** The latest revision's 200 body, built once (see latestRevisionMemo). */
const revisionBody = latestRevisionMemo((files, { number, contentHash }) => JSON.stringify({ revision: number, contentHash, files }));

export function getNodeConfig(request: Request): Promise<Response> {
  return guarded(async () => {
    const auth = await authenticate(request);
    if (auth instanceof Response) return auth;
    await recordNodeContact(auth.node.id);
    // Number and hash only: that is all a 304 (nearly every poll) needs.
    const latest = await db.configRevision.findFirst({ orderBy: { number: "desc" }, select: { number: true, contentHash: true } });
    if (!latest) return json(404, { error: "No configuration has been published yet." });
    const etag = `"${latest.contentHash}"`;
    const headers = { etag, "x-palisade-revision": String(latest.number), "cache-control": "private, no-cache" };
    if (matchesIfNoneMatch(request.headers.get("if-none-match"), etag)) return new Response(null, { status: 304, headers });
    return new Response(await revisionBody(latest), { status: 200, headers: { ...headers, "content-type": "application/json" } });
  });
}

export function postNodeStatus(request: Request): Promise<Response> {
  return guarded(async () => {
    const auth = await authenticate(request);
    if (auth instanceof Response) return auth;
    const text = await request.text();
    if (text.length > MAX_STATUS_BODY) return json(413, { error: `The status report is larger than ${MAX_STATUS_BODY} bytes.` });
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return json(400, { error: 'The body must be JSON: {"revision": <number>, "ok": true|false, "message": "<text>"}.' });
    }
    const parsed = StatusReportSchema.safeParse(body);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((i) => `${i.path.join(".") || "body"}: ${i.message}`);
      return json(400, { error: `Invalid status report: ${problems.join("; ")}`, problems });
    }
    try {
      const updated = await recordNodeStatus(auth.node, parsed.data, { ip: auth.ip === "unknown" ? null : auth.ip, userAgent: request.headers.get("user-agent") });
      return json(200, { recorded: true, appliedRevision: updated.appliedRevision });
    } catch (err) {
      if (err instanceof UnknownRevisionError) return json(400, { error: err.message });
      throw err;
    }
  });
}
