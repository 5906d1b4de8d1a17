// The node API (no session: a bearer token per node). Route files in app/api/v1/nodes/ call these.
//
//   GET  /api/v1/nodes/config   → 200 { revision, contentHash, files } with ETag "<contentHash>" (with
//                                  Accept: application/gzip the same JSON as one gzip file, compressed once per
//                                  revision, ETag "<contentHash>-gzip"),
//                                  304 when If-None-Match names the latest content, 404 before the first publish;
//        ?wait=N (1–60 s)        → long poll: while If-None-Match names the latest content (or nothing is
//                                  published and there is no If-None-Match), the answer waits until a publish on
//                                  any panel instance (lib/db/signal.ts) or N seconds, then answers as above
//   POST /api/v1/nodes/status   { revision, ok, message } → 200 { recorded: true, appliedRevision }
//   either, while the database is unreachable  → 503 with Retry-After (never a 500: nothing is wrong with the request)
//   any error answer                           → { error, requestId } (+ problems for a 400 that has them)
//
// A missing, malformed, unknown or revoked token gets the same 401 body. Failed authentications are
// counted per client address (lib/http/client-address.ts: the socket's address, or what a trusted proxy
// saw): after 20 within a one-minute window opened by its first failure, that address's failures get 429
// with Retry-After until the window ends. A valid token is never refused by this limiter: the address may
// be shared (a NAT, a proxy that is not configured as trusted), and a stranger's failures must not lock a
// node out of its config. The count is in the database (see rate-limit.ts): shared by every panel instance.
// Both routes go through defineRoute (lib/http/route.ts) with `nodeToken` as their authenticator: it
// gives the request id, the error bodies ({ error, requestId }) and the 503 for a database outage.
import { promisify } from "node:util";
import { gzip } from "node:zlib";
import { clientAddress } from "@/lib/http/client-address";
import { NotFoundError } from "@/lib/errors";
import { latestHead, latestHeadAfterSignal } from "@/lib/config/latest-head";
import { latestRevisionMemo } from "@/lib/config/revision-memo";
import { db } from "@/lib/db";
import { startWaiting } from "@/lib/db/signal";
import type { RevisionHead } from "@/lib/config/latest-head";
import { defineRoute, HttpError, type Authenticator } from "@/lib/http/route";
import { AUTH_FAILURE_LIMIT, AUTH_FAILURE_WINDOW_MS, FailureLimiter } from "./rate-limit";
import { StatusReportSchema } from "./schema";
import { authenticateNode, authenticateNodeCached, confirmNodeToken, recordNodeContact, recordNodeStatus, UnknownRevisionError } from "./service";
import { bearerToken } from "./token";

export { AUTH_FAILURE_LIMIT, AUTH_FAILURE_WINDOW_MS } from "./rate-limit";
/** Room for MAX_REPORTED_CERTIFICATES certificates with every field at its longest. */
export const MAX_STATUS_BODY = 1024 * 1024;
export { DB_OUTAGE_RETRY_AFTER_SECONDS } from "@/lib/http/route";

const NO_STORE = { "cache-control": "no-store" };

const limiter = new FailureLimiter({ limit: AUTH_FAILURE_LIMIT, windowMs: AUTH_FAILURE_WINDOW_MS });

type NodePrincipal = { node: NonNullable<Awaited<ReturnType<typeof authenticateNode>>>; ip: string };

function unauthorized(): HttpError {
  return new HttpError(401, "Unauthorized: send a valid node token as Authorization: Bearer <token>.", { headers: { "www-authenticate": 'Bearer realm="palisade-nodes"' } });
}

/** A failed authentication: 429 while the address is blocked, else counted and 401. */
async function refuse(ip: string): Promise<never> {
  const retryAfter = await limiter.retryAfter(ip);
  if (retryAfter !== null) {
    throw new HttpError(429, `Too many failed authentications from this address. Try again in ${retryAfter} seconds.`, { headers: { "retry-after": String(retryAfter) } });
  }
  await limiter.fail(ip);
  throw unauthorized();
}

/** The node a bearer token belongs to, or 401 / 429 (see the top of the file). */
export const nodeToken: Authenticator<NodePrincipal> = async ({ request }) => {
  const ip = clientAddress(request.headers) ?? "unknown";
  const token = bearerToken(request.headers.get("authorization"));
  // The token is looked up first (one indexed read, malformed ones included, so all failures take as long):
  // a valid one is served whatever the address's count and costs the limiter nothing. Only a failure
  // reads the address's count, and counts unless the address is already blocked.
  const node = await authenticateNode(token);
  if (node) return { node, ip };
  return refuse(ip);
};

type ConfigPrincipal = NodePrincipal & { token: string | null; cached: boolean };

/**
 * nodeToken for the config pull: a poll that names the content it has (If-None-Match) may be
 * authenticated from this process's memory (authenticateNodeCached: revocation reaches every instance
 * within NODE_TOKEN_CACHE_MS at worst), because such a poll is mostly answered 304; before a kept
 * answer lets the request have a revision's content, the token is checked in the database again.
 */
const configNodeToken: Authenticator<ConfigPrincipal> = async ({ request }) => {
  const ip = clientAddress(request.headers) ?? "unknown";
  const token = bearerToken(request.headers.get("authorization"));
  const found = await authenticateNodeCached(token, { fresh: !request.headers.has("if-none-match") });
  if (found) return { node: found.node, ip, token, cached: found.cached };
  return refuse(ip);
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
  const gzipped = `${etag.slice(0, -1)}${GZIP_ETAG_SUFFIX}"`;
  const tags = header.split(",").map((t) => t.trim().replace(/^W\//, ""));
  return tags.includes("*") || tags.includes(etag) || tags.includes(gzipped);
}

/**
 * The latest revision's 200 body, built once per revision and kept (latestRevisionMemo: keyed by the
 * revision's number and content hash, as just read from the database), as JSON and — made once, on the
 * first node that asks for it — gzipped as a file (`application/gzip`). Next 16 drops a route handler's
 * Content-Encoding and compresses JSON answers itself (next start's `compress`: once per answer, ~13 ms of
 * CPU for a 0.6 MB revision, seconds when a publish wakes 1,000 long-polling nodes); it leaves
 * `application/gzip` alone, so a node that asks for that representation (Accept: application/gzip, as the
 * agent does) gets bytes compressed once per revision.
 */
const revisionBody = latestRevisionMemo((files, { number, contentHash }) => {
  const json = Buffer.from(JSON.stringify({ revision: number, contentHash, files }));
  let gzipped: Promise<Buffer> | null = null;
  return {
    json,
    gzip(): Promise<Buffer> {
      gzipped ??= gzipAsync(json, { level: 6 });
      return gzipped;
    },
  };
});

/** The gzip file representation's entity tag: other bytes than the JSON's, the same content (RFC 9110 8.8.3). */
export const GZIP_ETAG_SUFFIX = "-gzip";

/**
 * True when the Accept header lists `application/gzip` (the revision as one gzip file) with a non-zero
 * quality. Anything else — no Accept, any wildcard, `application/json` — gets the JSON.
 */
export function acceptsGzipFile(accept: string | null): boolean {
  if (!accept) return false;
  return accept.split(",").some((range) => {
    const [type, ...params] = range.split(";").map((p) => p.trim().toLowerCase());
    if (type !== "application/gzip") return false;
    const q = params.find((p) => p.startsWith("q="));
    return q === undefined || Number(q.slice(2)) > 0;
  });
}

/** The longest a node may ask the config endpoint to hold its request (?wait=…, seconds). */
export const MAX_WAIT_SECONDS = 60;

/** ?wait=N: 1–60 seconds, or absent; anything else is a 400 that says so. */
export function parseWait(value: string | null): number | null {
  if (value === null) return null;
  if (!/^\d{1,3}$/.test(value) || Number(value) < 1 || Number(value) > MAX_WAIT_SECONDS) {
    throw new HttpError(400, `wait is a number of seconds from 1 to ${MAX_WAIT_SECONDS} (the long poll), e.g. ?wait=30.`);
  }
  return Number(value);
}

const gzipAsync = promisify(gzip);

export const getNodeConfig = defineRoute({ name: "GET /api/v1/nodes/config", auth: configNodeToken }, async ({ request, principal }) => {
  const wait = parseWait(new URL(request.url).searchParams.get("wait"));
  const { node } = principal;
  // The kept node (authenticateNodeCached) learns the contact written now, so its next poll writes nothing.
  if (await recordNodeContact(node)) node.lastSeenAt = new Date();
  const ifNoneMatch = request.headers.get("if-none-match");
  const deadline = Date.now() + (wait ?? 0) * 1000;
  // Listening starts before the read: a publish between the two still wakes this request.
  let waiter = wait ? startWaiting("palisade_revision", wait * 1000, request.signal) : null;
  // Number and hash only: that is all a 304 (nearly every poll) needs. The kept head (lib/config/latest-head.ts)
  // may only say "the node has the latest"; when it says otherwise, the database is asked.
  const current = (l: RevisionHead | null) => (l ? matchesIfNoneMatch(ifNoneMatch, `"${l.contentHash}"`) : ifNoneMatch === null);
  let latest = await latestHead({ fresh: ifNoneMatch === null });
  if (!current(latest)) latest = await latestHead({ fresh: true });
  // Long poll: hold the request while the node already has the latest (or nothing is published yet),
  // until a publish on any panel instance, the end of the wait, or the node going away. Any signal
  // (a publish, or a resync after the LISTEN connection came back: a notification may have been lost)
  // means: read again; still current → keep waiting for the rest of the time.
  while (waiter) {
    if (!current(latest)) {
      waiter.cancel();
      break;
    }
    if ((await waiter.wait()) === null) break; // the wait is over, or the node went away
    const remaining = deadline - Date.now();
    waiter = remaining > 0 && !request.signal.aborted ? startWaiting("palisade_revision", remaining, request.signal) : null;
    latest = await latestHeadAfterSignal();
  }
  const asFile = acceptsGzipFile(request.headers.get("accept"));
  const headers = { "cache-control": "private, no-cache", vary: "Accept, Accept-Encoding" };
  if (!latest) throw new NotFoundError("No configuration has been published yet.");
  const etag = `"${latest.contentHash}${asFile ? GZIP_ETAG_SUFFIX : ""}"`;
  const answer = { ...headers, etag, "x-palisade-revision": String(latest.number) };
  // Either representation's tag (or the bare content hash the agent keeps) names the same content.
  if (matchesIfNoneMatch(ifNoneMatch, `"${latest.contentHash}"`)) return new Response(null, { status: 304, headers: answer });
  // A revision's content only for a token the database accepts now: a long poll's was checked up to a minute
  // ago, and a kept one may have been revoked since (one query for all the nodes a publish woke together).
  if ((wait || principal.cached) && !(await confirmNodeToken(principal.token))) throw unauthorized();
  const body = await revisionBody(latest);
  if (asFile) return new Response(new Uint8Array(await body.gzip()), { status: 200, headers: { ...answer, "content-type": "application/gzip" } });
  return new Response(new Uint8Array(body.json), { status: 200, headers: { ...answer, "content-type": "application/json" } });
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
