// POST /api/v1/nodes/events — a node's batch of WAF events (node bearer token, lib/nodes/api.ts nodeToken).
// The route file app/api/v1/nodes/events/route.ts exports this handler; storage is lib/events/ingest.ts.
//
//   body: {"events": [WafEvent…]} as JSON, plain or with Content-Encoding: gzip
//   200 { accepted, duplicates, rejected: [{ index, transactionId?, error }] }
//        accepted: stored now; duplicates: already stored (a retry); rejected: refused one by one
//        (invalid, unknown vhost, over a field limit), never retried by the agent (lib/agent/events.ts)
//   413 the body over MAX_BODY_BYTES (compressed, or once inflated: a gzip bomb is stopped at the limit,
//       never inflated whole), or more than EVENT_BATCH_MAX_EVENTS events → the agent halves the batch
//   400 not JSON, not gzip, not {"events": [...]}, an unknown Content-Encoding
//   429 + Retry-After: this node already has MAX_IN_FLIGHT_PER_NODE batches being stored
//   401 / 429 / 503 as every node route (lib/nodes/api.ts, lib/http/route.ts)
//
// Backpressure is a per-node count of batches in flight, kept in this process's memory: per panel
// instance, which is what it protects (its connection pool, SQLite's one writer). The agent sends one batch
// at a time, so a well-behaved node never meets it; a node that floods (or a copy of its token) does.
//
// No audit row per batch: events are node data, not a user's change (SECURITY.md). The node's last
// contact is refreshed as the config route does, at most once a minute (recordNodeContact).
import { promisify } from "node:util";
import { gunzip } from "node:zlib";
import { defineRoute, HttpError } from "@/lib/http/route";
import { nodeToken } from "@/lib/nodes/api";
import { recordNodeContact } from "@/lib/nodes/service";
import { ingestEvents } from "./ingest";
import { EVENT_BATCH_MAX_BYTES, EVENT_BATCH_MAX_EVENTS } from "./schema";

const gunzipAsync = promisify(gunzip);

/** A batch's JSON may be EVENT_BATCH_MAX_BYTES of events plus its wrapping; this much, compressed or not. */
export const MAX_BODY_BYTES = EVENT_BATCH_MAX_BYTES + 64 * 1024;
export const MAX_IN_FLIGHT_PER_NODE = 2;
export const BUSY_RETRY_AFTER_SECONDS = 1;
const NO_STORE = { "cache-control": "no-store" };

const inFlight = new Map<string, number>();

/** The body's bytes, or null as soon as it is known to be longer than `maxBytes` (a declared length is refused unread). */
async function readBytesUpTo(request: Request, maxBytes: number): Promise<Buffer | null> {
  const declared = request.headers.get("content-length");
  if (declared !== null && /^\d+$/.test(declared.trim()) && Number(declared) > maxBytes) return null;
  if (!request.body) return Buffer.alloc(0);
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
  return Buffer.concat(chunks);
}

const tooLarge = (what: string) => new HttpError(413, `${what} is larger than ${MAX_BODY_BYTES} bytes: send fewer events per batch.`);

/** The request's batch as parsed JSON (not yet validated). */
async function readBatch(request: Request): Promise<unknown> {
  const encoding = (request.headers.get("content-encoding") ?? "identity").trim().toLowerCase();
  if (encoding !== "gzip" && encoding !== "identity") throw new HttpError(400, `Unsupported Content-Encoding "${encoding.slice(0, 40)}": send gzip or nothing.`);
  const raw = await readBytesUpTo(request, MAX_BODY_BYTES);
  if (raw === null) throw tooLarge("The body");
  let bytes = raw;
  if (encoding === "gzip") {
    try {
      // maxOutputLength stops inflating at the limit: a small bomb never becomes gigabytes in memory.
      bytes = await gunzipAsync(raw, { maxOutputLength: MAX_BODY_BYTES });
    } catch (err) {
      if ((err as { code?: string }).code === "ERR_BUFFER_TOO_LARGE" || err instanceof RangeError) throw tooLarge("The inflated body");
      throw new HttpError(400, "The body is not valid gzip.");
    }
  }
  try {
    return JSON.parse(bytes.toString("utf8"));
  } catch {
    throw new HttpError(400, 'The body must be JSON: {"events": [...]}.');
  }
}

export const postNodeEvents = defineRoute({ name: "POST /api/v1/nodes/events", auth: nodeToken }, async ({ request, principal }) => {
  const { node } = principal;
  const busy = inFlight.get(node.id) ?? 0;
  if (busy >= MAX_IN_FLIGHT_PER_NODE) {
    throw new HttpError(429, `This node already has ${busy} event batches being stored; send one at a time.`, { headers: { "retry-after": String(BUSY_RETRY_AFTER_SECONDS) } });
  }
  inFlight.set(node.id, busy + 1);
  try {
    const body = await readBatch(request);
    const events = body !== null && typeof body === "object" && !Array.isArray(body) ? (body as { events?: unknown }).events : undefined;
    if (!Array.isArray(events)) throw new HttpError(400, 'The body must be a batch: {"events": [...]}.');
    if (events.length > EVENT_BATCH_MAX_EVENTS) throw new HttpError(413, `A batch holds at most ${EVENT_BATCH_MAX_EVENTS} events; this one has ${events.length}.`);
    if (events.length === 0) throw new HttpError(400, "The batch holds no events.");
    await recordNodeContact(node);
    const result = await ingestEvents(node, events);
    return Response.json(result, { headers: NO_STORE });
  } finally {
    const n = (inFlight.get(node.id) ?? 1) - 1;
    if (n > 0) inFlight.set(node.id, n);
    else inFlight.delete(node.id);
  }
});
