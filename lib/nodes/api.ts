// The node API (no session: a bearer token per node). Route files in app/api/v1/nodes/ call these.
//
//   GET  /api/v1/nodes/config   → 200 { revision, contentHash, files } with ETag "<contentHash>",
//                                  304 when If-None-Match names the latest content, 404 before the first publish
//   POST /api/v1/nodes/status   { revision, ok, message } → 200 { recorded: true, appliedRevision }
//   either, while the database is unreachable  → 503 with Retry-After (never a 500: nothing is wrong with the request)
//   any error answer                           → { error, requestId } (+ problems for a 400 that has them)
//
// A missing, malformed, unknown or revoked token gets the same 401 body. Failed authentications are
// counted per client address (lib/http/client-address.ts: the socket's address, or what a trusted proxy
// saw): after 20 within a one-minute window opened by its first failure, that address's failures get 429
// with Retry-After until the window ends, and a malformed or missing token from it is refused without a
// database read. A valid token is never refused by this limiter: the address may be shared (a NAT, a proxy
// that is not configured as trusted), and a stranger's failures must not lock a node out of its config.
// The count lives in this process's memory (see rate-limit.ts): per panel instance, forgotten on restart.
// Both routes go through defineRoute (lib/http/route.ts) with `nodeToken` as their authenticator: it
// gives the request id, the error bodies ({ error, requestId }) and the 503 for a database outage.
import { clientAddress } from "@/lib/http/client-address";
import { NotFoundError } from "@/lib/errors";
import { latestRevisionMemo } from "@/lib/config/revision-memo";
import { db } from "@/lib/db";
import { defineRoute, HttpError, type Authenticator } from "@/lib/http/route";
import { FailureLimiter } from "./rate-limit";
import { StatusReportSchema } from "./schema";
import { authenticateNode, recordNodeContact, recordNodeStatus, UnknownRevisionError } from "./service";
import { bearerToken, isTokenFormat } from "./token";

export const AUTH_FAILURE_LIMIT = 20;
export const AUTH_FAILURE_WINDOW_MS = 60_000;
export const MAX_STATUS_BODY = 64 * 1024;
export { DB_OUTAGE_RETRY_AFTER_SECONDS } from "@/lib/http/route";

const NO_STORE = { "cache-control": "no-store" };

const limiter = new FailureLimiter({ limit: AUTH_FAILURE_LIMIT, windowMs: AUTH_FAILURE_WINDOW_MS });

type NodePrincipal = { node: NonNullable<Awaited<ReturnType<typeof authenticateNode>>>; ip: string };

/** The node a bearer token belongs to, or 401 / 429 (see the top of the file). */
export const nodeToken: Authenticator<NodePrincipal> = async ({ request }) => {
  const ip = clientAddress(request.headers) ?? "unknown";
  const token = bearerToken(request.headers.get("authorization"));
  const retryAfter = await limiter.retryAfter(ip);
  const tooMany = () =>
    new HttpError(429, `Too many failed authentications from this address. Try again in ${retryAfter} seconds.`, { headers: { "retry-after": String(retryAfter) } });
  // While the address is over the limit, only a token that could be valid is looked up (one indexed read).
  if (retryAfter !== null && (token === null || !isTokenFormat(token))) throw tooMany();
  const node = await authenticateNode(token);
  if (node) return { node, ip };
  if (retryAfter !== null) throw tooMany();
  await limiter.fail(ip);
  throw new HttpError(401, "Unauthorized: send a valid node token as Authorization: Bearer <token>.", { headers: { "www-authenticate": 'Bearer realm="palisade-nodes"' } });
};

/**
 * The body as text, or null as soon as it is known to be longer than `maxBytes`: a declared
 * Content-Length over the limit is refused unread, and a stream is cancelled at the first byte past it.
 */
export async function readTextUpTo(request: Request, maxBytes: number): Promise<string | null> {
  const declared = request.headers.get("content-length");
  if (declared !== null && /^\d+$/.test(declared.trim()) && Number(declared) > maxBytes) return null;
  if (!request.body) return "";
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => {});
      return null;
    }
    chunks.push(value);
  }
  return new TextDecoder().decode(Buffer.concat(chunks));
}

/** True when an If-None-Match header names this entity tag (or is `*`). Weak and strong forms compare equal. */
export function matchesIfNoneMatch(header: string | null, etag: string): boolean {
  if (!header) return false;
  const tags = header.split(",").map((t) => t.trim().replace(/^W\//, ""));
  return tags.includes("*") || tags.includes(etag);
}

/** The latest revision's 200 body, built once (see latestRevisionMemo). */
const revisionBody = latestRevisionMemo((files, { number, contentHash }) => JSON.stringify({ revision: number, contentHash, files }));

export const getNodeConfig = defineRoute({ name: "GET /api/v1/nodes/config", auth: nodeToken }, async ({ request, principal }) => {
  await recordNodeContact(principal.node.id);
  // Number and hash only: that is all a 304 (nearly every poll) needs.
  const latest = await db.configRevision.findFirst({ orderBy: { number: "desc" }, select: { number: true, contentHash: true } });
  if (!latest) throw new NotFoundError("No configuration has been published yet.");
  const etag = `"${latest.contentHash}"`;
  const headers = { etag, "x-palisade-revision": String(latest.number), "cache-control": "private, no-cache" };
  if (matchesIfNoneMatch(request.headers.get("if-none-match"), etag)) return new Response(null, { status: 304, headers });
  return new Response(await revisionBody(latest), { status: 200, headers: { ...headers, "content-type": "application/json" } });
});

export const postNodeStatus = defineRoute({ name: "POST /api/v1/nodes/status", auth: nodeToken }, async ({ request, principal }) => {
  const text = await readTextUpTo(request, MAX_STATUS_BODY);
  if (text === null) throw new HttpError(413, `The status report is larger than ${MAX_STATUS_BODY} bytes.`);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new HttpError(400, 'The body must be JSON: {"revision": <number>, "ok": true|false, "message": "<text>"}.');
  }
  const parsed = StatusReportSchema.safeParse(body);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".") || "body"}: ${i.message}`);
    throw new HttpError(400, `Invalid status report: ${problems.join("; ")}`, { body: { problems } });
  }
  try {
    const ip = principal.ip === "unknown" ? null : principal.ip;
    const updated = await recordNodeStatus(principal.node, parsed.data, { ip, userAgent: request.headers.get("user-agent") });
    return Response.json({ recorded: true, appliedRevision: updated.appliedRevision }, { headers: NO_STORE });
  } catch (err) {
    if (err instanceof UnknownRevisionError) throw new HttpError(400, err.message);
    throw err;
  }
});
