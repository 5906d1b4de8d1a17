// The agent's install logic with a stand-in panel and engine (the real engine: agent.e2e.int.test.ts).
import { existsSync } from "node:fs";
import http from "node:http";
import { gzipSync } from "node:zlib";
import { mkdtemp, readdir, readFile, readlink, rm, symlink, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { bundleHash } from "@/lib/config/hash";
import { absoluteInstallDir, AgentAuthError, NodeAgent, RateLimitedError, unsafeBundlePath, type EngineControl } from "./agent";

type Revision = { revision: number; files: Record<string, string> };

function bundle(label: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    "nginx.conf": `# ${label}\nmodsecurity_rules_file modsecurity/main.conf;\ninclude vhosts/a.test.conf;\n`,
    "modsecurity/main.conf": `# ${label}\n`,
    "rules/a.test.conf": `SecRuleEngine On # ${label}\n`,
    "vhosts/a.test.conf": `server { } # ${label}\n`,
    ...extra,
  };
}

/** A panel that serves `latest` with ETag/304 like the real one and records status reports. */
function fakePanel() {
  const state = { latest: null as Revision | null, reports: [] as { revision: number; ok: boolean; message: string }[], respond: null as Response | null };
  const fetchImpl: typeof fetch = async (input, init) => {
    const req = new Request(input as URL, init);
    if (state.respond) return state.respond.clone();
    if (req.headers.get("authorization") !== "Bearer pn_test") return new Response("{}", { status: 401 });
    if (req.method === "POST") {
      state.reports.push((await req.json()) as { revision: number; ok: boolean; message: string });
      return Response.json({ recorded: true });
    }
    if (!state.latest) return new Response("{}", { status: 404 });
    const hash = bundleHash(state.latest.files);
    const headers = { etag: `"${hash}"`, "x-palisade-revision": String(state.latest.revision) };
    if (req.headers.get("if-none-match") === `"${hash}"`) return new Response(null, { status: 304, headers });
    return Response.json({ revision: state.latest.revision, contentHash: hash, files: state.latest.files }, { headers });
  };
  return { state, fetchImpl };
}

/** An engine whose check refuses "BROKEN" and whose reload records what DIR/nginx.conf said at that moment. */
function fakeEngine() {
  const state = { running: false, reloadFails: false, reloadsSaw: [] as string[], checked: [] as string[] };
  const engine: EngineControl = {
    async check(dir) {
      const conf = await readFile(path.join(dir, "nginx.conf"), "utf8");
      state.checked.push(dir);
      // The operator's certs/ is visible to the check under its relative name.
      if (!existsSync(path.join(dir, "certs"))) throw new Error("certs/ not linked into the staging folder");
      return conf.includes("BROKEN")
        ? { ok: false, errors: [{ file: "nginx.conf", line: 1, message: "unknown directive BROKEN" }], warnings: [], output: "", durationMs: 1 }
        : { ok: true, errors: [], warnings: [], output: "", durationMs: 1 };
    },
    masterPid: async () => (state.running ? 4242 : null),
    async reload(dir) {
      state.reloadsSaw.push(await readFile(path.join(dir, "nginx.conf"), "utf8"));
      return state.reloadFails ? { ok: false, message: "nginx did not start new workers after the reload" } : { ok: true, message: "nginx reloaded" };
    },
    start: async () => ({ ok: true, message: "nginx started" }),
  };
  return { state, engine };
}

let dir = "";
let panel: ReturnType<typeof fakePanel>;
let engine: ReturnType<typeof fakeEngine>;
let agent: NodeAgent;
const logs: string[] = [];

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "palisade-agent-unit-"));
  panel = fakePanel();
  engine = fakeEngine();
  agent = new NodeAgent({ panelUrl: "http://panel.test", readToken: async () => "pn_test\n", dir, engine: engine.engine, fetch: panel.fetchImpl, log: (l) => logs.push(l), keepReleases: 1 });
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const live = () => readFile(path.join(dir, "nginx.conf"), "utf8");

describe("the node agent", () => {
  it("does nothing before the first publish", async () => {
    expect(await agent.runOnce()).toMatchObject({ pulled: "none", reported: false });
    expect(await readdir(dir)).toEqual([]);
  });

  it("asks for gzip and installs a gzipped revision (fetch decompresses it)", async () => {
    const files = bundle("gzipped");
    const body = gzipSync(JSON.stringify({ revision: 3, contentHash: bundleHash(files), files }));
    const seen: (string | undefined)[] = [];
    const server = http.createServer((req, res) => {
      if (req.method === "POST") {
        req.resume();
        res.writeHead(200, { "content-type": "application/json" }).end('{"recorded":true}');
        return;
      }
      seen.push(req.headers["accept-encoding"]);
      res.writeHead(200, { "content-type": "application/json", "content-encoding": "gzip", etag: `"${bundleHash(files)}"` }).end(body);
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    try {
      const real = new NodeAgent({ panelUrl: `http://127.0.0.1:${(server.address() as { port: number }).port}`, readToken: async () => "pn_test", dir, engine: engine.engine, log: () => undefined });
      expect(await real.runOnce()).toMatchObject({ pulled: "new", revision: 3 });
      expect(await live()).toContain("# gzipped");
      expect(seen).toEqual(["gzip"]);
    } finally {
      server.close();
    }
  });

  it("installs a revision behind the current link, and reports that nginx is not running yet", async () => {
    panel.state.latest = { revision: 1, files: bundle("rev1") };
    const r = await agent.runOnce();
    expect(r).toMatchObject({ pulled: "new", revision: 1, ok: false, reported: true });
    expect(r.message).toBe(`Revision 1: The bundle is in place, but nginx is not running: start it with cd ${dir} && nginx -p ${dir}/ -c nginx.conf -e ${dir}/logs/error.log`);
    expect(await readlink(path.join(dir, "current"))).toBe(`releases/1-${bundleHash(bundle("rev1")).slice(0, 12)}`);
    for (const name of ["nginx.conf", "modsecurity", "rules", "vhosts"]) expect(await readlink(path.join(dir, name))).toBe(`current/${name}`);
    expect(await live()).toContain("# rev1");
    expect(await readFile(path.join(dir, "rules/a.test.conf"), "utf8")).toContain("rev1");
    expect((await readdir(dir)).sort()).toEqual(["certs", "current", "logs", "modsecurity", "nginx.conf", "releases", "rules", "tmp", "vhosts"]);

    // nginx starts: the next round (304) reports the revision as live.
    engine.state.running = true;
    expect(await agent.runOnce()).toMatchObject({ pulled: "same", revision: 1, ok: true, reported: true, message: "Revision 1 is live (nginx is running)." });
    expect(await agent.runOnce()).toMatchObject({ pulled: "same", reported: false });
    expect(panel.state.reports.map((x) => [x.revision, x.ok])).toEqual([
      [1, false],
      [1, true],
    ]);
  });

  it("applies a new revision: checks it, swaps it in, and reloads nginx on the new files", async () => {
    engine.state.running = true;
    panel.state.latest = { revision: 1, files: bundle("rev1") };
    await agent.runOnce();
    panel.state.latest = { revision: 2, files: bundle("rev2") };
    const r = await agent.runOnce();
    expect(r).toMatchObject({ pulled: "new", revision: 2, ok: true, message: "Revision 2 applied: nginx -t passed, nginx reloaded." });
    expect(engine.state.reloadsSaw.map((c) => c.split("\n")[0])).toEqual(["# rev1", "# rev2"]);
    expect(await live()).toContain("# rev2");
    // The staging folders are gone; the check ran on them, not on the live files.
    expect((await readdir(dir)).filter((e) => e.startsWith(".staging"))).toEqual([]);
    expect(engine.state.checked.every((d) => path.basename(d).startsWith(".staging-"))).toBe(true);
  });

  it("keeps the last good bundle when nginx -t refuses a revision, and does not retry it", async () => {
    engine.state.running = true;
    panel.state.latest = { revision: 1, files: bundle("rev1") };
    await agent.runOnce();
    panel.state.latest = { revision: 2, files: bundle("BROKEN rev2") };
    const r = await agent.runOnce();
    expect(r).toMatchObject({ pulled: "new", revision: 2, ok: false, reported: true });
    expect(r.message).toBe("Revision 2 was not applied: nginx -t failed: nginx.conf:1 unknown directive BROKEN. Still serving revision 1.");
    expect(await live()).toContain("# rev1");
    expect(engine.state.reloadsSaw).toHaveLength(1);
    expect(await agent.runOnce()).toMatchObject({ pulled: "same", reported: false });
    expect(panel.state.reports.map((x) => [x.revision, x.ok])).toEqual([
      [1, true],
      [2, false],
    ]);
  });

  it("goes back to the previous release when the reload fails", async () => {
    engine.state.running = true;
    panel.state.latest = { revision: 1, files: bundle("rev1") };
    await agent.runOnce();
    engine.state.reloadFails = true;
    panel.state.latest = { revision: 2, files: bundle("rev2") };
    const r = await agent.runOnce();
    expect(r.ok).toBe(false);
    expect(r.message).toMatch(/^Revision 2 was not applied: nginx did not start new workers after the reload; went back to revision 1 \(and that reload failed too/);
    expect(await live()).toContain("# rev1");
    expect((await agent.readInstalled())?.revision).toBe(1);
  });

  it("takes a rollback to the content it already has as applied, under the new revision number", async () => {
    engine.state.running = true;
    panel.state.latest = { revision: 1, files: bundle("rev1") };
    await agent.runOnce();
    panel.state.latest = { revision: 3, files: bundle("rev1") };
    expect(await agent.runOnce()).toMatchObject({ pulled: "same", revision: 3, ok: true, reported: true });
    expect(engine.state.reloadsSaw).toHaveLength(1);
    expect((await agent.readInstalled())?.revision).toBe(3);
    // A restarted agent reads what is installed from disk.
    const again = new NodeAgent({ panelUrl: "http://panel.test", readToken: async () => "pn_test", dir, engine: engine.engine, fetch: panel.fetchImpl, log: () => undefined });
    expect(await again.readInstalled()).toMatchObject({ revision: 3, contentHash: bundleHash(bundle("rev1")) });
    expect(await again.runOnce()).toMatchObject({ pulled: "same", revision: 3, ok: true });
  });

  it("keeps only the live release, the previous one and `keepReleases` others", async () => {
    engine.state.running = true;
    for (let n = 1; n <= 5; n++) {
      panel.state.latest = { revision: n, files: bundle(`rev${n}`) };
      await agent.runOnce();
    }
    const kept = (await readdir(path.join(dir, "releases"))).map((r) => r.split("-")[0]).sort();
    expect(kept).toEqual(["3", "4", "5"]);
  });

  it("refuses unsafe paths, absolute ModSecurity paths, and entries it does not own", async () => {
    for (const [p, why] of [
      ["../etc/passwd", "has an empty, . or .. segment"],
      ["/etc/passwd", "is absolute"],
      ["rules//a.conf", "has an empty, . or .. segment"],
      ["logs/error.log", "uses the reserved name logs"],
      ["current/x", "uses the reserved name current"],
      [".hidden", "uses the reserved name .hidden"],
      ["a\\b", "contains a control character or backslash"],
      ["a\nb", "contains a control character or backslash"],
    ] as const) {
      expect(unsafeBundlePath(p), p).toBe(why);
    }
    expect(unsafeBundlePath("rules/*.example.com.conf")).toBeNull();
    expect(absoluteInstallDir(bundle("x"))).toBeNull();
    expect(absoluteInstallDir({ "nginx.conf": "    modsecurity_rules_file /var/lib/palisade/modsecurity/main.conf;\n" })).toBe("/var/lib/palisade");

    panel.state.latest = { revision: 1, files: bundle("x", { "../escape.conf": "x" }) };
    let r = await agent.runOnce();
    expect(r.message).toBe('Revision 1 was not applied: the bundle path "../escape.conf" has an empty, . or .. segment.');
    expect(existsSync(path.join(dir, "current"))).toBe(false);

    panel.state.latest = { revision: 2, files: { ...bundle("x"), "nginx.conf": "modsecurity_rules_file /srv/waf/modsecurity/main.conf;\n" } };
    r = await agent.runOnce();
    expect(r.message).toMatch(/^Revision 2 was not applied: it was compiled with absolute ModSecurity paths \(\/srv\/waf\); agent-managed nodes need relative ones/);

    await writeFile(path.join(dir, "vhosts"), "an operator's file");
    panel.state.latest = { revision: 3, files: bundle("y") };
    r = await agent.runOnce();
    expect(r.message).toBe(`Revision 3 was not applied: ${dir}/vhosts exists and is not a link into current/: move it away.`);
    await rm(path.join(dir, "vhosts"));
    await symlink("elsewhere", path.join(dir, "vhosts"));
    panel.state.latest = { revision: 4, files: bundle("z") };
    expect((await agent.runOnce()).message).toBe(`Revision 4 was not applied: ${dir}/vhosts exists and is not a link into current/: move it away.`);
  });

  it("refuses a damaged bundle, and says so when the token is refused or the address is rate-limited", async () => {
    panel.state.respond = Response.json({ revision: 1, contentHash: "0".repeat(64), files: bundle("x") });
    await expect(agent.runOnce()).rejects.toThrow("revision 1 arrived damaged: its files do not match its content hash");
    panel.state.respond = new Response("{}", { status: 401 });
    await expect(agent.runOnce()).rejects.toThrow(AgentAuthError);
    panel.state.respond = new Response("{}", { status: 429, headers: { "retry-after": "17" } });
    await expect(agent.runOnce()).rejects.toMatchObject({ retryAfterSeconds: 17 });
    await expect(agent.runOnce()).rejects.toThrow(RateLimitedError);
    expect(await readdir(dir)).toEqual([]);
  });

  it("long-polls: each pull asks the panel to wait, a publish is applied at once, and a panel that does not hold makes it poll by interval", async () => {
    const urls: string[] = [];
    const sleeps: number[] = [];
    const held: (() => void)[] = [];
    let holds = true;
    // The panel of lib/nodes/api.ts: with ?wait and the node's content current, the answer waits for a publish.
    const holding: typeof fetch = async (input, init) => {
      const url = String(input);
      urls.push(url);
      const known = new Headers(init?.headers).get("if-none-match");
      if (holds && url.includes("wait=") && panel.state.latest && known === `"${bundleHash(panel.state.latest.files)}"`) {
        await new Promise<void>((resolve) => {
          held.push(resolve);
          init?.signal?.addEventListener("abort", () => resolve(), { once: true });
        });
      }
      return panel.fetchImpl(input, init);
    };
    const publish = (r: Revision) => {
      panel.state.latest = r;
      held.splice(0).forEach((release) => release());
    };
    const stop = new AbortController();
    const looping = new NodeAgent({
      panelUrl: "http://panel.test", readToken: async () => "pn_test", dir, engine: engine.engine, fetch: holding, log: () => undefined, longPollSeconds: 30,
      sleep: async (ms) => {
        sleeps.push(ms);
        await new Promise((r) => setTimeout(r, 1));
      },
    });
    engine.state.running = true;
    panel.state.latest = { revision: 1, files: bundle("rev1") };
    const loop = looping.run(stop.signal, 60_000);
    const until = async (check: () => boolean) => {
      for (let i = 0; i < 400 && !check(); i++) await new Promise((r) => setTimeout(r, 5));
      expect(check()).toBe(true);
    };
    await until(() => held.length === 1); // revision 1 applied, then the next pull waits at the panel
    expect(await live()).toContain("# rev1");
    publish({ revision: 2, files: bundle("rev2") });
    await until(() => held.length === 1 && panel.state.reports.some((r) => r.revision === 2));
    expect(await live()).toContain("# rev2");
    expect(sleeps).toEqual([]); // never waited an interval: each pull followed the last at once
    expect(urls.every((u) => u.endsWith("/api/v1/nodes/config?wait=30") || u.endsWith("/api/v1/nodes/status"))).toBe(true);
    // A panel (or a proxy) that answers at once: back to polling every interval.
    holds = false;
    held.splice(0).forEach((release) => release());
    await until(() => sleeps.length >= 2);
    expect(sleeps.slice(0, 2)).toEqual([60_000, 60_000]);
    expect(urls.at(-1)).toMatch(/\/api\/v1\/nodes\/config$/);
    stop.abort();
    held.splice(0).forEach((release) => release());
    await loop;
  });

  it("stops its loop when the signal aborts", async () => {
    const stop = new AbortController();
    const started = Date.now();
    const loop = agent.run(stop.signal, 60_000);
    setTimeout(() => stop.abort(), 50);
    await loop;
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
