// End to end without Next: the agent's real shipper (lib/agent/events.ts) reads a ModSecurity audit log
// (the real engine's lines, lib/events/fixtures) and POSTs to a node:http server whose handler is the
// route's own POST (app/api/v1/nodes/events/route.ts) on a real database (SQLite and PostgreSQL). Lines
// become WafEvent rows; a batch stored but whose answer was dropped is sent again and stored once; a
// restarted agent that lost its offset re-sends everything and stores nothing twice.
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { POST } from "@/app/api/v1/nodes/events/route";
import { EventShipper, OFFSET_FILE } from "@/lib/agent/events";
import { PEER_HEADER } from "@/lib/http/client-address";
import { admin, makeVhost } from "@/lib/testing/config-fixtures";
import { db } from "@/lib/db";
import { registerNode } from "@/lib/nodes/service";
import { parseAuditLine } from "./parse";

const FIXTURES = path.join(path.dirname(new URL(import.meta.url).pathname), "fixtures/audit.jsonl");
const LINES = (await readFile(FIXTURES, "utf8")).split("\n").filter(Boolean);
const TEMPLATE = LINES.find((l) => l.includes('"X-Fixture":"block-sqli"'))!;
const line = (id: string) => TEMPLATE.replace(/"unique_id":"[^"]*"/, `"unique_id":"${id}"`);

type Server = { url: string; requests: number; dropNext: number; close(): Promise<void> };

/** A panel of one route: Node's request → a fetch Request → the route's POST → Node's response. */
async function startPanel(): Promise<Server> {
  const server: Server = { url: "", requests: 0, dropNext: 0, close: async () => undefined };
  const http_ = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", async () => {
      server.requests++;
      const headers = new Headers({ [PEER_HEADER]: "127.0.0.1" });
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers.set(k, v);
      const answer = await POST(new Request(`http://panel.test${req.url}`, { method: req.method, headers, body: Buffer.concat(chunks) }));
      const body = Buffer.from(await answer.arrayBuffer());
      if (server.dropNext > 0) {
        // Stored, but the answer is lost on the way back.
        server.dropNext--;
        req.socket.destroy();
        return;
      }
      res.writeHead(answer.status, Object.fromEntries(answer.headers)).end(body);
    });
  });
  await new Promise<void>((resolve) => http_.listen(0, "127.0.0.1", resolve));
  server.url = `http://127.0.0.1:${(http_.address() as { port: number }).port}`;
  server.close = () => new Promise<void>((resolve) => http_.close(() => resolve()));
  return server;
}

let dir = "";
let panel: Server;
let token = "";
let nodeId = "";

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "palisade-ship-"));
  panel = await startPanel();
  const r = await registerNode(admin, { name: "ship-node" });
  token = r.token;
  nodeId = r.node.id;
  await makeVhost("shop.test"); // api.test, the fixture's other vhost, is unknown to this panel
});
afterAll(async () => {
  await panel.close();
  await rm(dir, { recursive: true, force: true });
});

function shipper(): EventShipper {
  return new EventShipper({
    panelUrl: panel.url,
    readToken: async () => token,
    dir,
    logFile: path.join(dir, "modsec_audit.log"),
    log: () => undefined,
    batchMaxEvents: 10,
    flushMs: 10,
    pollMs: 10,
    retryBaseMs: 10,
    maxBackoffMs: 50,
  });
}

async function runUntil(s: EventShipper, done: () => boolean, ms = 20_000): Promise<void> {
  const stop = new AbortController();
  const running = s.run(stop.signal);
  const deadline = Date.now() + ms;
  try {
    while (!done()) {
      if (Date.now() > deadline) throw new Error(`timed out: counters ${JSON.stringify(s.counters)}, spooled ${s.spooled}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  } finally {
    stop.abort();
    await running;
  }
}

describe(`agent shipper → POST /api/v1/nodes/events (${process.env.TEST_DB})`, () => {
  it("turns audit-log lines into rows once each, through a dropped answer and an agent that lost its offset", async () => {
    const extra = Array.from({ length: 35 }, (_, i) => line(`ship-${i}`));
    const all = [...LINES, ...extra];
    await writeFile(path.join(dir, "modsec_audit.log"), `${all.join("\n")}\n`);
    const parsed = all.map((l) => parseAuditLine(l)).flatMap((r) => (r.ok ? [r.event] : []));
    const shop = parsed.filter((e) => e.vhost === "shop.test");
    const unknown = parsed.filter((e) => e.vhost !== "shop.test");
    expect(shop.length).toBeGreaterThan(35);
    expect(unknown.length).toBeGreaterThan(0);

    panel.dropNext = 1;
    const s = shipper();
    await runUntil(s, () => s.counters.shipped === parsed.length && s.spooled === 0);
    await s.close();
    expect(s.counters.retries).toBeGreaterThanOrEqual(1);
    // The api.test events were refused one by one (unknown vhost) and not retried.
    expect(s.counters.refused).toBe(unknown.length);
    const rows = await db.wafEvent.findMany({ where: { nodeId }, orderBy: { transactionId: "asc" } });
    expect(rows.map((r) => r.transactionId)).toEqual(shop.map((e) => e.transactionId).sort());
    expect(new Set(rows.map((r) => r.vhost))).toEqual(new Set(["shop.test"]));
    const sqli = rows.find((r) => r.transactionId === "ship-0")!;
    expect(sqli).toMatchObject({ path: "/products", status: 403, outcome: "blocked" });
    expect(await db.wafEventMatch.count({ where: { eventId: sqli.id, ruleId: 942100, scoring: true } })).toBe(1);
    const matchCount = await db.wafEventMatch.count();

    // The agent restarts without its offset file: everything is sent again, nothing is stored twice.
    await rm(path.join(dir, OFFSET_FILE), { force: true });
    const again = shipper();
    const requestsBefore = panel.requests;
    await runUntil(again, () => again.counters.shipped === parsed.length && again.spooled === 0);
    await again.close();
    expect(panel.requests).toBeGreaterThan(requestsBefore);
    expect(await db.wafEvent.count({ where: { nodeId } })).toBe(shop.length);
    expect(await db.wafEventMatch.count()).toBe(matchCount);
  });
});
