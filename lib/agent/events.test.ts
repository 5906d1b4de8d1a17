// The event shipper against a small HTTP server that plays the panel (node:http): gzip batches with the
// node's token; nothing lost through 500s, a 429, a connection dropped after the panel read the batch, 413s
// and a refused event; malformed lines skipped; rotation (rename + create, copytruncate, and a rotation
// while the agent was stopped); the offset file across restarts; the spool's bound.
import { appendFile, mkdtemp, readFile, rename, rm, stat, truncate, writeFile } from "node:fs/promises";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { EventBatchSchema } from "@/lib/events/schema";
import { EventShipper, OFFSET_FILE, type EventShipperOptions } from "./events";

const FIXTURES = path.join(path.dirname(new URL(import.meta.url).pathname), "../events/fixtures/audit.jsonl");
const LINES = (await readFile(FIXTURES, "utf8")).split("\n").filter(Boolean);
const TEMPLATE = LINES.find((l) => l.includes('"X-Fixture":"block-sqli"'))!;
const NO_MATCHES = LINES.find((l) => l.includes('"X-Fixture":"block-backend-500"'))!;

/** An audit-log line (the real engine's, with its own transaction id). */
const line = (id: string) => `${TEMPLATE.replace(/"unique_id":"[^"]*"/, `"unique_id":"${id}"`)}\n`;
const lines = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => line(`${prefix}-${i}`)).join("");

type Answer = number | "ok" | "drop";
type Panel = {
  url: string;
  /** Every transaction id received in a batch the panel acknowledged (with repeats). */
  acked: string[];
  /** Every request: batch size, headers. */
  requests: { size: number; encoding: string | undefined; auth: string | undefined }[];
  /** Answers for the next requests, in order; then `fallback`. */
  script: Answer[];
  fallback: Answer;
  /** 413 for a batch larger than this. */
  maxBatch: number;
  /** 413 for any batch holding this id (a single event the panel finds too large). */
  poison: string | null;
  close(): Promise<void>;
};

async function startPanel(): Promise<Panel> {
  const panel: Panel = { url: "", acked: [], requests: [], script: [], fallback: "ok", maxBatch: Infinity, poison: null, close: async () => undefined };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const batch = EventBatchSchema.parse(JSON.parse(gunzipSync(Buffer.concat(chunks)).toString("utf8")));
      const ids = batch.events.map((e) => e.transactionId);
      panel.requests.push({ size: ids.length, encoding: req.headers["content-encoding"], auth: req.headers.authorization });
      if (ids.length > panel.maxBatch || (panel.poison && ids.includes(panel.poison))) {
        res.writeHead(413, { "content-type": "application/json" }).end(JSON.stringify({ error: "too large" }));
        return;
      }
      const answer = panel.script.shift() ?? panel.fallback;
      if (answer === "drop") {
        req.socket.destroy();
      } else if (answer === "ok") {
        panel.acked.push(...ids);
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ accepted: ids.length, rejected: [] }));
      } else {
        res.writeHead(answer, answer === 429 ? { "retry-after": "1" } : {}).end(JSON.stringify({ error: `status ${answer}` }));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  panel.url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  panel.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return panel;
}

let dir = "";
let logFile = "";
let panel: Panel;
const logs: string[] = [];
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "palisade-events-"));
  logFile = path.join(dir, "modsec_audit.log");
  panel = await startPanel();
  logs.length = 0;
});
afterEach(async () => {
  await panel.close();
  await rm(dir, { recursive: true, force: true });
});

function shipper(options: Partial<EventShipperOptions> = {}): EventShipper {
  return new EventShipper({
    panelUrl: panel.url,
    readToken: async () => "node-token-1",
    dir,
    logFile,
    log: (l) => logs.push(l),
    batchMaxEvents: 10,
    flushMs: 20,
    pollMs: 10,
    retryBaseMs: 10,
    maxBackoffMs: 50,
    ...options,
  });
}

/** Runs the shipper until `done()` holds (or fails after `ms`), then stops it and waits for it to finish. */
async function runUntil(s: EventShipper, done: () => boolean, ms = 15_000): Promise<void> {
  const stop = new AbortController();
  const running = s.run(stop.signal);
  const deadline = Date.now() + ms;
  try {
    while (!done()) {
      if (Date.now() > deadline) throw new Error(`timed out; acked ${panel.acked.length}, counters ${JSON.stringify(s.counters)}, log: ${logs.join(" | ")}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  } finally {
    stop.abort();
    await running;
  }
}

const unique = () => new Set(panel.acked);
const ids = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);

describe("EventShipper", () => {
  it("ships every event through 500s, a 429, a dropped connection and 413s, gzip-compressed with the node's token", async () => {
    // 30 events, 3 malformed lines, a half-written last line and a transaction no rule matched.
    await writeFile(logFile, `${lines("a", 10)}not json\n{"transaction":{}}\n${NO_MATCHES}\n${lines("b", 10)}{"truncated\n${lines("c", 10)}`);
    panel.script = [500, "drop", 429, 503];
    panel.maxBatch = 4;
    const s = shipper();
    const started = Date.now();
    await runUntil(s, () => unique().size === 30 && s.spooled === 0);
    expect([...unique()].sort()).toEqual([...ids("a", 10), ...ids("b", 10), ...ids("c", 10)].sort());
    // The 429's Retry-After (1 s) was waited.
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(s.counters).toMatchObject({ malformed: 3, skipped: 1, dropped: 0 });
    expect(s.counters.retries).toBeGreaterThanOrEqual(4);
    expect(panel.requests.every((r) => r.encoding === "gzip" && r.auth === "Bearer node-token-1")).toBe(true);
    // After the 413s the batches fit the panel's limit.
    expect(panel.requests.slice(-3).every((r) => r.size <= 4)).toBe(true);
    // Everything acknowledged: the offset file is at the end of the log.
    expect(JSON.parse(await readFile(path.join(dir, OFFSET_FILE), "utf8"))).toEqual({ ino: (await stat(logFile)).ino, offset: (await stat(logFile)).size });
    expect(logs.some((l) => l.includes("503"))).toBe(true);
  });

  it("skips a gigantic line (no newline within 8 MB) as malformed and goes on with the next", async () => {
    await writeFile(logFile, `${lines("g", 2)}{"transaction":"${"x".repeat(9 * 1024 * 1024)}"}\n${lines("h", 2)}`);
    const s = shipper();
    await runUntil(s, () => unique().size === 4 && s.spooled === 0);
    expect([...unique()].sort()).toEqual([...ids("g", 2), ...ids("h", 2)].sort());
    expect(s.counters.malformed).toBe(1);
  });

  it("skips a single event the panel still refuses alone (413), and delivers the rest of its batch", async () => {
    await writeFile(logFile, lines("p", 8));
    panel.poison = "p-5";
    const s = shipper();
    await runUntil(s, () => s.counters.shipped === 8 && s.spooled === 0);
    expect([...unique()].sort()).toEqual(ids("p", 8).filter((id) => id !== "p-5").sort());
    expect(s.counters.refused).toBe(1);
    expect(logs.some((l) => l.includes("p-5"))).toBe(true);
  });

  it("follows rotation: rename + a new file (the old one read to its end first), then copytruncate", async () => {
    await writeFile(logFile, lines("r1", 5));
    const s = shipper();
    const stop = new AbortController();
    const running = s.run(stop.signal);
    const until = async (n: number) => {
      for (let i = 0; i < 1500 && unique().size < n; i++) await new Promise((r) => setTimeout(r, 10));
      expect(unique().size).toBe(n);
    };
    try {
      await until(5);
      await rename(logFile, `${logFile}.1`);
      // nginx still writes to the file it opened until it reopens the log.
      await appendFile(`${logFile}.1`, lines("r2", 2));
      await writeFile(logFile, lines("r3", 3));
      await until(10);
      // copytruncate: the content copied away, the file emptied in place, new lines written.
      await truncate(logFile, 0);
      await appendFile(logFile, lines("r4", 2));
      await until(12);
    } finally {
      stop.abort();
      await running;
    }
    expect([...unique()].sort()).toEqual([...ids("r1", 5), ...ids("r2", 2), ...ids("r3", 3), ...ids("r4", 2)].sort());
    expect(panel.acked.length).toBe(12);
    expect(logs.some((l) => l.includes("truncated"))).toBe(true);
  });

  it("resumes from the offset file after a restart, also across a rotation while it was stopped, without resending what was acknowledged", async () => {
    await writeFile(logFile, lines("s1", 5));
    await runUntil(shipper(), () => unique().size === 5);
    await appendFile(logFile, lines("s2", 3));
    await runUntil(shipper(), () => unique().size === 8);
    expect(panel.acked.length).toBe(8);

    // Stopped; meanwhile the log gets lines, is rotated, and the new one gets lines too.
    await appendFile(logFile, lines("s3", 2));
    await rename(logFile, `${logFile}.1`);
    await writeFile(logFile, lines("s4", 2));
    await runUntil(shipper(), () => unique().size === 12);
    expect([...unique()].sort()).toEqual([...ids("s1", 5), ...ids("s2", 3), ...ids("s3", 2), ...ids("s4", 2)].sort());
    expect(panel.acked.length).toBe(12);
  });

  it("sends an unacknowledged batch again after a restart (at least once)", async () => {
    await writeFile(logFile, lines("u", 3));
    panel.fallback = "drop";
    const first = shipper();
    await runUntil(first, () => panel.requests.length >= 2);
    expect(panel.acked).toEqual([]);
    panel.fallback = "ok";
    await runUntil(shipper(), () => unique().size === 3);
    expect([...unique()].sort()).toEqual(ids("u", 3));
  });

  it("holds at most its bound while the panel is down, drops the oldest, says how many, and ships the newest when the panel is back", async () => {
    panel.fallback = 500;
    await writeFile(logFile, lines("d", 50));
    const s = shipper({ spoolMaxEvents: 10 });
    await runUntil(s, () => s.counters.dropped === 40 && s.counters.retries >= 1);
    expect(s.spooled).toBe(10);
    expect(logs.some((l) => /dropped 40 oldest event/.test(l))).toBe(true);

    panel.fallback = "ok";
    await runUntil(s, () => unique().size === 10 && s.spooled === 0);
    expect([...unique()].sort()).toEqual(ids("d", 50).slice(40).sort());
    expect(JSON.parse(await readFile(path.join(dir, OFFSET_FILE), "utf8")).offset).toBe((await stat(logFile)).size);
  });

  it("bounds the spool by bytes too", async () => {
    panel.fallback = 500;
    await writeFile(logFile, lines("b", 20));
    const s = shipper({ spoolMaxBytes: 5_000 });
    await runUntil(s, () => s.counters.dropped > 0 && s.counters.retries >= 1);
    expect(s.spooled).toBeLessThan(20);
    expect(s.spooled).toBeGreaterThan(0);
    expect(s.counters.dropped + s.spooled).toBe(20);
  });
});
