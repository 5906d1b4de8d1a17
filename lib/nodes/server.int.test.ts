// The node-API server (npm run node-api, lib/nodes/server.ts) as nodes meet it: the CLI started as its own
// process on this test's database, reached over HTTP. PostgreSQL: the panel's handlers answer there (200 as a
// gzip file, 304, 401 and the failure limiter counting the socket's address, 404/405 for other paths), and a
// publish committed by another process (this one) wakes a long poll held there. SQLite: it refuses to start,
// except with --events-only, which serves the event batches alone on either database — and on SQLite, while
// it stores batch after batch, the panel's own writes (this process) still get the file's one write lock.
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import { createServer } from "node:net";
import path from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { publishConfig } from "@/lib/config/service";
import { db, SQLITE_LOCK_WAIT_MS } from "@/lib/db";
import { signalsReachOtherProcesses } from "@/lib/db/signal";
import { admin, changePolicy, makeVhost, passingChecker } from "@/lib/testing/config-fixtures";
import { parseNodeApiArgs } from "./server";
import { setVhostEnabled } from "@/lib/vhosts/service";
import { registerNode } from "./service";

const ROOT = path.resolve(__dirname, "../..");
const TSX = path.join(ROOT, "node_modules", "tsx", "dist", "cli.mjs");

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

function startCli(args: string[], env: Record<string, string> = {}): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  let output = "";
  const child = spawn(process.execPath, [TSX, path.join(ROOT, "lib/nodes/server-cli.ts"), ...args], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: "warn", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, output: () => output, exited };
}

describe("node-api arguments", () => {
  it("takes --port and --host, and refuses anything else with the usage", () => {
    expect(parseNodeApiArgs([])).toEqual({ port: 3001, hostname: "0.0.0.0", nice: 0, eventsOnly: false, workers: 1 });
    expect(parseNodeApiArgs(["--port", "4100", "--host", "127.0.0.1", "--nice", "10"])).toEqual({ port: 4100, hostname: "127.0.0.1", nice: 10, eventsOnly: false, workers: 1 });
    expect(parseNodeApiArgs(["--events-only", "--port", "4100"])).toMatchObject({ port: 4100, eventsOnly: true });
    expect(() => parseNodeApiArgs(["--nice", "20"])).toThrow(/--nice takes a niceness from 0/);
    expect(() => parseNodeApiArgs(["--nice", "-5"])).toThrow(/--nice takes a niceness from 0/);
    expect(() => parseNodeApiArgs(["--port", "70000"])).toThrow(/--port takes a port number/);
    expect(() => parseNodeApiArgs(["--verbose"])).toThrow(/Unknown or incomplete option '--verbose'.*Usage: npm run node-api/);
  });

  it("takes --workers from 1 to 64 (default 1)", () => {
    expect(parseNodeApiArgs([]).workers).toBe(1);
    expect(parseNodeApiArgs(["--workers", "2", "--events-only"])).toMatchObject({ workers: 2, eventsOnly: true });
    expect(parseNodeApiArgs(["--workers", "64"]).workers).toBe(64);
    for (const bad of ["0", "65", "two", "-1", "1.5"]) expect(() => parseNodeApiArgs(["--workers", bad])).toThrow(new RegExp(`--workers takes a number of processes from 1 to 64, not '${bad.replace(".", "\\.")}'`));
    expect(() => parseNodeApiArgs(["--workers"])).toThrow(/Unknown or incomplete option '--workers'/);
  });
});

/** The processes started under `pid` (children, theirs, …) whose command line runs the node-API CLI. */
function cliDescendants(pid: number): number[] {
  const parents = new Map<number, number>();
  for (const d of fs.readdirSync("/proc").filter((x) => /^\d+$/.test(x))) {
    try {
      parents.set(Number(d), Number(fs.readFileSync(`/proc/${d}/stat`, "utf8").split(") ")[1]!.split(" ")[1]));
    } catch {
      // ended meanwhile
    }
  }
  const found: number[] = [];
  const walk = (p: number) => {
    for (const [child, parent] of parents) {
      if (parent !== p) continue;
      try {
        if (fs.readFileSync(`/proc/${child}/cmdline`, "utf8").includes("server-cli.ts")) found.push(child);
      } catch {
        continue;
      }
      walk(child);
    }
  };
  walk(pid);
  return found;
}

describe.runIf(!signalsReachOtherProcesses())(`node-api on ${process.env.TEST_DB}`, () => {
  it("refuses to start, saying why and what to use instead (exit 64)", async () => {
    const cli = startCli(["--port", String(await freePort()), "--host", "127.0.0.1"]);
    expect(await cli.exited).toBe(64);
    expect(cli.output()).toMatch(/node-api cannot start: The separate node-API server needs PostgreSQL.*panel's own \/api\/v1\/nodes routes.*`--events-only` serves their event batches/);
  }, 60_000);
});

describe.runIf(!signalsReachOtherProcesses())(`node-api --workers on ${process.env.TEST_DB}`, () => {
  it("refuses more than one worker, saying why (exit 64)", async () => {
    const cli = startCli(["--events-only", "--workers", "2", "--port", String(await freePort()), "--host", "127.0.0.1"]);
    expect(await cli.exited).toBe(64);
    expect(cli.output()).toMatch(/node-api cannot start: --workers needs PostgreSQL: a SQLite file takes one writer at a time/);
  }, 60_000);
});

describe.runIf(signalsReachOtherProcesses())(`node-api on ${process.env.TEST_DB}`, () => {
  let base = "";
  let cli: ReturnType<typeof startCli>;
  let token = "";
  let vhostId = "";

  beforeAll(async () => {
    token = (await registerNode(admin, { name: "node-api-server" })).token;
    vhostId = (await makeVhost("nodeapi.server.test")).id;
    expect((await publishConfig(admin, { basedOn: null, checker: passingChecker })).status).toBe("published");
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    cli = startCli(["--port", String(port), "--host", "127.0.0.1", "--nice", "7"]);
    for (const started = Date.now(); ; ) {
      if (cli.output().includes("node API listening")) break;
      if (cli.child.exitCode !== null || Date.now() - started > 60_000) throw new Error(`node-api did not start:\n${cli.output()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }, 90_000);

  afterAll(async () => {
    if (cli && cli.child.exitCode === null) {
      cli.child.kill("SIGTERM");
      expect(await cli.exited).toBe(0);
    }
  });

  const get = (headers: Record<string, string>, query = "", signal?: AbortSignal) =>
    fetch(`${base}/api/v1/nodes/config${query}`, { headers: { authorization: `Bearer ${token}`, ...headers }, signal });

  it("runs at the niceness it was given (--nice 7), below the panel's", async () => {
    expect(cli.output()).toMatch(/"msg":"node API listening".*"nice":7/);
  });

  it("answers the latest revision as the panel does: a gzip file to the agent, then 304", async () => {
    const latest = await db.configRevision.findFirstOrThrow({ orderBy: { number: "desc" } });
    const res = await get({ accept: "application/gzip, application/json;q=0.5" });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/gzip");
    expect(res.headers.get("etag")).toBe(`"${latest.contentHash}-gzip"`);
    expect(res.headers.get("x-request-id")).toMatch(/\S/);
    const body = JSON.parse(gunzipSync(Buffer.from(await res.arrayBuffer())).toString("utf8")) as { revision: number; contentHash: string };
    expect(body).toMatchObject({ revision: latest.number, contentHash: latest.contentHash });
    const same = await get({ "if-none-match": `"${latest.contentHash}"` });
    expect(same.status).toBe(304);
    expect(await same.text()).toBe("");
    expect((await db.wafNode.findFirstOrThrow({ where: { name: "node-api-server" } })).lastSeenAt).not.toBeNull();
  });

  it("refuses a wrong token with 401 and counts the failure against the socket's address, not a claimed one", async () => {
    const res = await fetch(`${base}/api/v1/nodes/config`, { headers: { authorization: "Bearer pal_node_wrong", "x-forwarded-for": "203.0.113.9", "x-palisade-peer": "203.0.113.10" } });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: expect.any(String), requestId: expect.any(String) });
    const rows = await db.nodeAuthFailure.findMany();
    expect(rows.map((r) => r.address)).toEqual(["127.0.0.1"]);
  });

  it("answers 404 for other paths and 405 for other methods, with what the port serves", async () => {
    const health = await fetch(`${base}/healthz`);
    expect([health.status, await health.text()]).toEqual([200, "ok\n"]);
    const other = await fetch(`${base}/vhosts`);
    expect(other.status).toBe(404);
    expect((await other.json()).error).toMatch(/node API only: \/api\/v1\/nodes\/config, \/api\/v1\/nodes\/status, \/api\/v1\/nodes\/events/);
    const wrong = await fetch(`${base}/api/v1/nodes/config`, { method: "POST", body: "{}" });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get("allow")).toBe("GET");
    const status = await fetch(`${base}/api/v1/nodes/status`, { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: "not json" });
    expect(status.status).toBe(400);
  });

  it("holds a long poll until a publish committed by another process, then answers the new revision", async () => {
    const latest = await db.configRevision.findFirstOrThrow({ orderBy: { number: "desc" } });
    const started = performance.now();
    const waiting = get({ accept: "application/gzip", "if-none-match": `"${latest.contentHash}-gzip"` }, "?wait=30");
    await new Promise((r) => setTimeout(r, 1000));
    await changePolicy(vhostId, { inboundThreshold: 8 });
    const published = await publishConfig(admin, { basedOn: latest.number, checker: passingChecker });
    expect(published.status).toBe("published");
    const res = await waiting;
    expect(res.status).toBe(200);
    expect(res.headers.get("x-palisade-revision")).toBe(String(latest.number + 1));
    expect(performance.now() - started).toBeLessThan(15_000);
    await res.arrayBuffer();
  }, 40_000);
});

async function startedCli(args: string[]): Promise<{ cli: ReturnType<typeof startCli>; base: string }> {
  const port = await freePort();
  const cli = startCli(["--port", String(port), "--host", "127.0.0.1", ...args]);
  for (const started = Date.now(); ; ) {
    if (cli.output().includes("node API listening")) break;
    if (cli.child.exitCode !== null || Date.now() - started > 60_000) throw new Error(`node-api did not start:\n${cli.output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { cli, base: `http://127.0.0.1:${port}` };
}

describe(`node-api --events-only on ${process.env.TEST_DB}`, () => {
  let base = "";
  let cli: ReturnType<typeof startCli>;
  const tokens: string[] = [];
  let vhostId = "";
  let sent = 0;

  beforeAll(async () => {
    for (const name of ["events-only-1", "events-only-2"]) tokens.push((await registerNode(admin, { name })).token);
    vhostId = (await makeVhost("eventsonly.server.test")).id;
    ({ cli, base } = await startedCli(["--events-only"]));
  }, 90_000);

  afterAll(async () => {
    if (cli && cli.child.exitCode === null) {
      cli.child.kill("SIGTERM");
      expect(await cli.exited).toBe(0);
    }
  });

  /** A gzip batch of `n` new blocked events of the test's vhost. */
  const batch = (n: number, token = tokens[0]!) => {
    const events = Array.from({ length: n }, () => ({
      transactionId: `eo-${++sent}`, time: new Date().toISOString(), vhost: "eventsonly.server.test", clientAddress: "203.0.113.9", method: "GET",
      uri: "/products?id=1'%20OR%20'1'='1", status: 403, outcome: "blocked", inboundScore: 5, outboundScore: 0,
      matches: [
        { ruleId: 942100, message: "SQL Injection Attack Detected via libinjection", tags: ["attack-sqli", "paranoia-level/1"], severity: 2, paranoiaLevel: 1, variable: "ARGS:id", data: "s&sos", value: "1' OR '1'='1" },
        { ruleId: 949110, message: "Inbound Anomaly Score Exceeded", tags: [], severity: 2, paranoiaLevel: null, variable: null, data: null, value: null },
      ],
    }));
    return fetch(`${base}/api/v1/nodes/events`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json", "content-encoding": "gzip" },
      body: gzipSync(JSON.stringify({ events })),
    });
  };

  it("says so when it starts, and that it purges old events (the process that stores them)", () => {
    expect(cli.output()).toMatch(/"msg":"node API listening".*"eventsOnly":true.*"purge":true/);
  });

  it("refuses to start with a PALISADE_EVENT_PURGE other than on or off (exit 64)", async () => {
    const bad = startCli(["--events-only", "--port", String(await freePort()), "--host", "127.0.0.1"], { PALISADE_EVENT_PURGE: "sometimes" });
    expect(await bad.exited).toBe(64);
    expect(bad.output()).toMatch(/node-api cannot start: PALISADE_EVENT_PURGE must be "on" or "off"; got "sometimes"/);
  }, 60_000);

  it("stores a node's batch in the database this process reads, and serves nothing else", async () => {
    const res = await batch(3);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ accepted: 3, duplicates: 0, rejected: [] });
    expect(await db.wafEvent.count({ where: { vhostId } })).toBe(3);
    const config = await fetch(`${base}/api/v1/nodes/config`, { headers: { authorization: `Bearer ${tokens[0]}` } });
    expect(config.status).toBe(404);
    expect((await config.json()).error).toBe("Not found. This port serves only: /api/v1/nodes/events.");
    const wrong = await fetch(`${base}/api/v1/nodes/events`, { method: "POST", headers: { authorization: "Bearer pal_node_wrong" }, body: "{}" });
    expect(wrong.status).toBe(401);
  });

  it("leaves the panel's writes the lock while nodes send batch after batch", async () => {
    let stop = false;
    let accepted = 0;
    // Two nodes, two batches in flight each (the most a node may have): the store never waits for a batch.
    const senders = [0, 1, 0, 1].map(async (i) => {
      while (!stop) {
        const res = await batch(500, tokens[i]);
        expect(res.status).toBe(200);
        accepted += ((await res.json()) as { accepted: number }).accepted;
      }
    });
    await new Promise((r) => setTimeout(r, 500));
    const before = accepted;
    const waits: number[] = [];
    try {
      let version = (await db.virtualHost.findUniqueOrThrow({ where: { id: vhostId } })).version;
      for (let i = 0; i < 6; i++) {
        await new Promise((r) => setTimeout(r, 250)); // spread over the nodes' sending
        const started = performance.now();
        const saved = await setVhostEnabled(admin, { id: vhostId, version, enabled: i % 2 === 1 });
        waits.push(performance.now() - started);
        version = saved.version;
      }
    } finally {
      stop = true;
      await Promise.all(senders);
    }
    // Every audited write went in (none gave up on the lock), and the nodes' batches went on meanwhile.
    expect(waits).toHaveLength(6);
    for (const ms of waits) expect(ms).toBeLessThan(SQLITE_LOCK_WAIT_MS);
    expect(accepted).toBeGreaterThan(before);
    expect(await db.auditEvent.count({ where: { entityId: vhostId, action: { in: ["vhost.enable", "vhost.disable"] } } })).toBe(6);
  }, 60_000);
});

describe.runIf(signalsReachOtherProcesses())(`node-api --workers 2 on ${process.env.TEST_DB}`, () => {
  let base = "";
  let cli: ReturnType<typeof startCli>;
  const tokens: string[] = [];
  let sent = 0;

  beforeAll(async () => {
    for (const name of ["workers-1", "workers-2", "workers-3", "workers-4"]) tokens.push((await registerNode(admin, { name })).token);
    await makeVhost("workers.server.test");
    ({ cli, base } = await startedCli(["--events-only", "--workers", "2"]));
  }, 90_000);

  afterAll(async () => {
    if (cli && cli.child.exitCode === null) {
      cli.child.kill("SIGTERM");
      await cli.exited;
    }
  });

  const batch = (n: number, token: string, agent: string) => {
    const events = Array.from({ length: n }, () => ({
      transactionId: `wk-${++sent}`, time: new Date().toISOString(), vhost: "workers.server.test", clientAddress: "203.0.113.7", method: "GET",
      uri: "/?q=<script>", status: 403, outcome: "blocked", inboundScore: 5, outboundScore: 0,
      matches: [{ ruleId: 941100, message: "XSS Attack Detected via libinjection", tags: ["attack-xss"], severity: 2, paranoiaLevel: 1, variable: "ARGS:q", data: "x", value: "<script>" }],
    }));
    // A connection of its own per sender (`connection: close`), as separate nodes have: the workers take turns at accepting.
    return fetch(`${base}/api/v1/nodes/events`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json", "content-encoding": "gzip", connection: "close", "user-agent": agent },
      body: gzipSync(JSON.stringify({ events })),
    });
  };

  // tsx runs the CLI in a child of its own: that child is the first process, found first; its children are the workers.
  const workerPids = () => cliDescendants(cli.child.pid!);

  it("runs the first process and two workers on one port, and says so once", () => {
    expect(cli.output().match(/"msg":"node API listening"/g)).toHaveLength(1);
    expect(cli.output()).toMatch(/"msg":"node API listening".*"eventsOnly":true.*"purge":true.*"workers":2/);
    expect(workerPids()).toHaveLength(3); // the first process and its two workers
  });

  it("stores every batch once, whichever worker takes it", async () => {
    // Four nodes, two batches each at once (the most a node may have in flight in one process).
    const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => batch(50, tokens[i % 4]!, `sender-${i}`)));
    for (const res of answers) {
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ accepted: 50, duplicates: 0, rejected: [] });
    }
    expect(await db.wafEvent.count({ where: { transactionId: { startsWith: "wk-" } } })).toBe(400);
  }, 60_000);

  it("replaces a worker that dies and keeps serving", async () => {
    const before = workerPids();
    const victim = before.at(-1)!;
    process.kill(victim, "SIGKILL");
    for (const started = Date.now(); ; ) {
      const now = workerPids();
      if (now.length === 3 && !now.includes(victim)) break;
      if (Date.now() - started > 60_000) throw new Error(`no new worker:\n${cli.output()}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(cli.output()).toMatch(/"msg":"node API worker exited; starting another".*"signal":"SIGKILL"/);
    for (let i = 0; i < 4; i++) expect((await batch(5, tokens[0]!, `after-${i}`)).status).toBe(200);
  }, 90_000);

  it("stops on SIGTERM with its workers (exit 0, no process left)", async () => {
    const pids = workerPids();
    cli.child.kill("SIGTERM");
    expect(await cli.exited).toBe(0);
    const alive = pids.filter((pid) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    });
    expect(alive).toEqual([]);
  }, 60_000);
});
