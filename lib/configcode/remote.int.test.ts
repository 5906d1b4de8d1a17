// config:export and config:apply through the API with a token (--url, --token / PALISADE_API_TOKEN), on
// SQLite and PostgreSQL: the CLI's own code (main) against a real node:http server that hands each request
// to the exported route handlers of /api/v1/config (as Next would), so the client, HTTP and the handlers
// are all real — no `next build`. Same output and exit codes as local mode; 2 when the panel fails.
import { readFile, mkdtemp, rm, writeFile } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { call, userWithToken } from "@/lib/api/api-fixtures";
import { API_BASE, handlersFor, type Method } from "@/lib/api/define";
import { API_ROUTES } from "@/lib/api/routes";
import { verifyChain } from "@/lib/audit/verify";
import { db } from "@/lib/db";
import { makeVhost } from "@/lib/testing/config-fixtures";
import { main } from "./cli";
import { TOKEN_ENV } from "./remote";

const RICH_FILE = path.join(path.dirname(new URL(import.meta.url).pathname), "fixtures/rich.yaml");

let server: http.Server;
let base: string;
let dir: string;
const tokens: Record<string, string> = {};
let adminTokenId: string;

/** A panel in this process: /api/v1/config… go to the route handlers, anything else is a 404 page. */
function startPanel(): Promise<http.Server> {
  const s = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      void (async () => {
        const url = new URL(req.url ?? "/", "http://127.0.0.1");
        const template = url.pathname.startsWith(`${API_BASE}/`) ? url.pathname.slice(API_BASE.length) : null;
        const route = template ? API_ROUTES.find((r) => r.path === template && r.method === req.method) : undefined;
        if (!route) {
          res.writeHead(404, { "content-type": "text/html" }).end("<h1>Not here</h1>");
          return;
        }
        const headers = new Headers();
        for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers.set(k, v);
        const body = chunks.length ? Buffer.concat(chunks) : undefined;
        const handler = handlersFor(API_ROUTES, route.path)[req.method as Method]!;
        const answer = await handler(new Request(url, { method: req.method, headers, body }), { params: Promise.resolve({}) });
        res.writeHead(answer.status, Object.fromEntries(answer.headers));
        res.end(Buffer.from(await answer.arrayBuffer()));
      })().catch((err: unknown) => res.writeHead(599).end(String(err)));
    });
  });
  return new Promise((resolve) => s.listen(0, "127.0.0.1", () => resolve(s)));
}

type Run = { code: number; stdout: string; stderr: string };

async function cli(...args: string[]): Promise<Run> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const code = await main(args, { log: (s) => stdout.push(`${s}\n`), error: (s) => stderr.push(`${s}\n`) });
  return { code, stdout: stdout.join(""), stderr: stderr.join("") };
}

async function changeCount() {
  return db.auditEvent.count({ where: { action: { not: "security.denied" } } });
}

beforeAll(async () => {
  server = await startPanel();
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  dir = await mkdtemp(path.join(os.tmpdir(), "palisade-configcode-remote-"));
  const admin = await userWithToken("admin@remote.config.test", "ADMIN", "write");
  tokens.admin = admin.token;
  adminTokenId = admin.tokenId;
  tokens.adminRead = (await userWithToken("admin@remote.config.test", "ADMIN", "read")).token;
  tokens.editor = (await userWithToken("editor@remote.config.test", "EDITOR", "write")).token;
  tokens.auditor = (await userWithToken("auditor@remote.config.test", "AUDITOR", "read")).token;
});

afterAll(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  if (dir) await rm(dir, { recursive: true, force: true });
});

afterEach(() => {
  delete process.env[TOKEN_ENV];
});

describe(`config:export and config:apply through the API (${process.env.TEST_DB})`, () => {
  it("check their arguments: a token needs --url, --url needs a token and an http(s) address, --as is local only", async () => {
    const out = path.join(dir, "never.yaml");
    for (const args of [
      ["export", "--out", out, "--token", "pal_x"],
      ["export", "--out", out, "--url", base],
      ["export", "--out", out, "--url", "ftp://panel.example", "--token", "pal_x"],
      ["export", "--out", out, "--url", "https://user:pw@panel.example", "--token", "pal_x"],
      ["export", "--url", base, "--token", "pal_x"],
      ["apply", RICH_FILE, "--url", base, "--token", "pal_x", "--as", "admin@remote.config.test"],
      ["apply", RICH_FILE, "--url", base],
      ["apply", RICH_FILE, "--url", base, "--token"],
      ["apply", RICH_FILE, "--url", base, "--url", base, "--token", "pal_x"],
    ]) {
      const r = await cli(...args);
      expect(r.code, args.join(" ")).toBe(64);
      expect(r.stderr, args.join(" ")).toMatch(/Usage: npm run config:/);
    }
    expect((await cli("apply", RICH_FILE, "--url", base)).stderr).toContain(TOKEN_ENV);
  });

  it("dry run with a read token, refusals for an editor and a read-only admin token, apply with the env token, export: byte for byte", async () => {
    const before = await changeCount();
    const dry = await cli("apply", RICH_FILE, "--dry-run", "--url", base, "--token", tokens.auditor!);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain("+ vhost xn--bcher-kva.example\n");
    expect(dry.stdout).toContain("+ allow 2001:db8:1234::/48 on xn--bcher-kva.example (note \"office IPv6\")\n");
    expect(dry.stdout).toMatch(/Plan: 20 to create, 0 to update, 0 to delete\.\nDry run: nothing was applied\.\n$/);

    const editor = await cli("apply", RICH_FILE, "--url", base, "--token", tokens.editor!);
    expect(editor.code).toBe(1);
    expect(editor.stdout).toContain("Plan: 20 to create"); // the plan is read-only: anyone who reads may see it
    expect(editor.stderr).toBe("Your role does not allow this request.\n");
    const readOnly = await cli("apply", RICH_FILE, "--url", `${base}/`, "--token", tokens.adminRead!);
    expect(readOnly.code).toBe(1);
    expect(readOnly.stderr).toMatch(/read-only/i);
    expect(await db.virtualHost.count()).toBe(0);
    // The two refusals are on record; nothing else was written.
    expect(await changeCount()).toBe(before);

    process.env[TOKEN_ENV] = tokens.admin!;
    const applied = await cli("apply", RICH_FILE, "--url", base);
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stderr).toBe("");
    expect(applied.stdout).toMatch(/Plan: 20 to create, 0 to update, 0 to delete\.\nApplied in one transaction as admin@remote\.config\.test: 20 created, 0 updated, 0 deleted\.\n$/);
    const summary = await db.auditEvent.findFirstOrThrow({ where: { action: "config.apply" } });
    expect(summary.actorEmail).toBe("admin@remote.config.test");
    expect(summary.summary).toContain("rich.yaml");
    expect(summary.summary).toContain(`via API token "ADMIN write" ${adminTokenId}`);
    const vhostRows = await db.auditEvent.findMany({ where: { action: "vhost.create" } });
    expect(vhostRows).toHaveLength(3);
    for (const e of vhostRows) expect(e.summary).toContain(`via API token "ADMIN write" ${adminTokenId}`);
    expect((await verifyChain()).ok).toBe(true);

    const again = await cli("apply", RICH_FILE, "--url", base);
    expect(again).toEqual({ code: 0, stdout: "No changes: the database already matches the file.\n", stderr: "" });

    const out = path.join(dir, "palisade.yaml");
    const exported = await cli("export", "--url", base, "--token", tokens.auditor!, "--out", out);
    expect(exported.code, exported.stderr).toBe(0);
    expect(exported.stdout).toBe(`Wrote 3 virtual hosts and 2 custom templates to ${out}\n`);
    expect(await readFile(out, "utf8")).toBe(await readFile(RICH_FILE, "utf8"));
  }, 120_000);

  it("a change the service refuses: file:line:col of the local file, exit 1, nothing applied", async () => {
    const rich = await readFile(RICH_FILE, "utf8");
    // A new vhost whose internal backend lacks its confirmation: the file parses, the vhost service refuses it.
    const file = path.join(dir, "internal.yaml");
    const text = rich.replace("vhosts:\n", "vhosts:\n  - domain: aaa-internal.example\n    backendUrl: http://127.0.0.1:9000\n    policy: {engineMode: BLOCKING, blockingParanoia: 1, detectionParanoia: 1, inboundThreshold: 5, outboundThreshold: 4}\n");
    const line = text.split("\n").indexOf("    backendUrl: http://127.0.0.1:9000") + 1;
    await writeFile(file, text);
    const before = await changeCount();
    const r = await cli("apply", file, "--url", base, "--token", tokens.admin!);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    const lines = r.stderr.trimEnd().split("\n");
    expect(lines.at(-1)).toBe("Nothing was applied.");
    expect(lines).toHaveLength(2);
    expect(lines[0]!.startsWith(`${file}:${line}:5: vhosts[0]: Virtual host aaa-internal.example: backendUrl: `)).toBe(true);
    expect(await changeCount()).toBe(before);
  }, 60_000);

  it("the panel unreachable, a wrong address or an unknown token: a clear message and exit 2", async () => {
    const closed = await startPanel();
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const down = await cli("export", "--out", path.join(dir, "x.yaml"), "--url", `http://127.0.0.1:${port}`, "--token", tokens.admin!);
    expect(down.code).toBe(2);
    expect(down.stderr).toMatch(/^Cannot reach the panel \(GET http:\/\/127\.0\.0\.1:\d+\/api\/v1\/config\): ECONNREFUSED\n$/);

    const wrongPath = await cli("apply", RICH_FILE, "--dry-run", "--url", `${base}/elsewhere`, "--token", tokens.admin!);
    expect(wrongPath.code).toBe(2);
    expect(wrongPath.stderr).toMatch(/\/elsewhere\/api\/v1\/config\/plan answered HTTP 404/);

    const unknown = await cli("apply", RICH_FILE, "--dry-run", "--url", base, "--token", `pal_0123456789ab_${"A".repeat(43)}`);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/answered HTTP 401: That API token does not exist\./);
    expect(unknown.stderr).not.toContain("AAAAAAAA");
    expect(await readFile(path.join(dir, "x.yaml"), "utf8").catch(() => null)).toBeNull();
  });

  it("through the API: 428 without If-Match, 400 for a malformed one, 412 with the current fingerprint after a change, 422 per line", async () => {
    const yaml = await readFile(RICH_FILE, "utf8");
    const plan = await call("POST", "/config/plan", { token: tokens.admin, body: { yaml } });
    expect(plan.status).toBe(200);
    const { fingerprint } = (await plan.json()) as { fingerprint: string };
    expect(plan.headers.get("etag")).toBe(`"${fingerprint}"`);
    const exported = await call("GET", "/config", { token: tokens.auditor });
    expect(exported.headers.get("etag")).toBe(`"${fingerprint}"`);
    expect(exported.headers.get("content-type")).toMatch(/^text\/yaml/);

    expect((await call("POST", "/config/apply", { token: tokens.admin, body: { yaml } })).status).toBe(428);
    expect((await call("POST", "/config/apply", { token: tokens.admin, body: { yaml }, headers: { "if-match": '"3"' } })).status).toBe(400);

    await makeVhost("moved.example.test");
    const stale = await call("POST", "/config/apply", { token: tokens.admin, body: { yaml }, headers: { "if-match": `"${fingerprint}"` } });
    expect(stale.status).toBe(412);
    const problem = (await stale.json()) as { fingerprint: string };
    expect(problem.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(problem.fingerprint).not.toBe(fingerprint);
    expect(stale.headers.get("etag")).toBe(`"${problem.fingerprint}"`);
    expect(await db.virtualHost.findUnique({ where: { domain: "moved.example.test" } })).not.toBeNull();

    const bad = yaml.replace("backendUrl: http://api-backend:3000", "backendUrl: ftp://api-backend");
    const line = bad.split("\n").findIndex((l) => l.includes("ftp://api-backend")) + 1;
    const invalid = await call("POST", "/config/plan", { token: tokens.auditor, body: { yaml: bad, source: "mine.yaml" } });
    expect(invalid.status).toBe(422);
    expect(invalid.headers.get("content-type")).toBe("application/problem+json");
    const p = (await invalid.json()) as { detail: string; problems: { line: number; col: number; path: string; location: string }[] };
    expect(p.detail).toBe("Nothing was applied: 1 problem in mine.yaml.");
    expect(p.problems).toEqual([expect.objectContaining({ line, col: 5, path: "vhosts[0].backendUrl", location: `mine.yaml:${line}:5` })]);
  });
});
