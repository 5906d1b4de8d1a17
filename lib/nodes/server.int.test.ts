// The node-API server (npm run node-api, lib/nodes/server.ts) as nodes meet it: the CLI started as its own
// process on this test's database, reached over HTTP. PostgreSQL: the panel's handlers answer there (200 as a
// gzip file, 304, 401 and the failure limiter counting the socket's address, 404/405 for other paths), and a
// publish committed by another process (this one) wakes a long poll held there. SQLite: it refuses to start.
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { publishConfig } from "@/lib/config/service";
import { db } from "@/lib/db";
import { signalsReachOtherProcesses } from "@/lib/db/signal";
import { admin, changePolicy, makeVhost, passingChecker } from "@/lib/testing/config-fixtures";
import { parseNodeApiArgs } from "./server";
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

function startCli(args: string[]): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  let output = "";
  const child = spawn(process.execPath, [TSX, path.join(ROOT, "lib/nodes/server-cli.ts"), ...args], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: "warn" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, output: () => output, exited };
}

describe("node-api arguments", () => {
  it("takes --port and --host, and refuses anything else with the usage", () => {
    expect(parseNodeApiArgs([])).toEqual({ port: 3001, hostname: "0.0.0.0", nice: 0 });
    expect(parseNodeApiArgs(["--port", "4100", "--host", "127.0.0.1", "--nice", "10"])).toEqual({ port: 4100, hostname: "127.0.0.1", nice: 10 });
    expect(() => parseNodeApiArgs(["--nice", "20"])).toThrow(/--nice takes a niceness from 0/);
    expect(() => parseNodeApiArgs(["--nice", "-5"])).toThrow(/--nice takes a niceness from 0/);
    expect(() => parseNodeApiArgs(["--port", "70000"])).toThrow(/--port takes a port number/);
    expect(() => parseNodeApiArgs(["--verbose"])).toThrow(/Unknown or incomplete option '--verbose'.*Usage: npm run node-api/);
  });
});

describe.runIf(!signalsReachOtherProcesses())(`node-api on ${process.env.TEST_DB}`, () => {
  it("refuses to start, saying why and what to use instead (exit 64)", async () => {
    const cli = startCli(["--port", String(await freePort()), "--host", "127.0.0.1"]);
    expect(await cli.exited).toBe(64);
    expect(cli.output()).toMatch(/node-api cannot start: The separate node-API server needs PostgreSQL.*panel's own \/api\/v1\/nodes routes/);
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
