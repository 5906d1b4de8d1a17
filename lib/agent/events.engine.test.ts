// End to end on the real engine: nginx + ModSecurity + CRS on a compiled bundle write the audit log, the
// agent's shipper tails it and delivers redacted events to a stand-in panel, each with the vhost the
// bundle named and whether it was blocked or only detected.
import http from "node:http";
import { rm } from "node:fs/promises";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, expect, it } from "vitest";
import { EventBatchSchema, type WafEvent } from "@/lib/events/schema";
import { describeWithEngine } from "@/lib/testing/real-engine";
import { compileBundle } from "@/lib/waf/compile";
import { writeBundle } from "@/lib/waf/engine";
import { freePort, startNginx, type RunningNginx } from "@/lib/testing/nginx";
import { DEFAULT_POLICY, sampleInput, sampleVhost } from "@/lib/waf/samples";
import { EventShipper } from "./events";

const SECRET_COOKIE = "engine-test-s3cr3t-session";

describeWithEngine("the event shipper on the real engine's audit log", { timeout: 60_000 }, () => {
  let backend: http.Server;
  let panel: http.Server;
  let panelUrl = "";
  let nginx: RunningNginx | undefined;
  let dir = "";
  let port = 0;
  const received: WafEvent[] = [];

  beforeAll(async () => {
    backend = http.createServer((req, res) => {
      req.resume();
      req.on("end", () => res.writeHead(200).end("ok"));
    });
    await new Promise<void>((r) => backend.listen(0, "127.0.0.1", r));
    panel = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        received.push(...EventBatchSchema.parse(JSON.parse(gunzipSync(Buffer.concat(chunks)).toString())).events);
        res.writeHead(200, { "content-type": "application/json" }).end("{}");
      });
    });
    await new Promise<void>((r) => panel.listen(0, "127.0.0.1", r));
    panelUrl = `http://127.0.0.1:${(panel.address() as { port: number }).port}`;
    const backendUrl = `http://127.0.0.1:${(backend.address() as { port: number }).port}`;
    port = await freePort();
    const bundle = compileBundle(
      sampleInput(
        [
          sampleVhost("guarded.test", { backendUrl }),
          sampleVhost("watched.test", { backendUrl, policy: { ...DEFAULT_POLICY, engineMode: "DETECTION_ONLY" } }),
        ],
        { listenHttp: port, listenHttps: port + 1, listenAddresses: ["127.0.0.1"] },
      ),
    );
    dir = await writeBundle(bundle);
    nginx = await startNginx(dir, { port, timeoutMs: 45_000 });
  }, 60_000);

  afterAll(async () => {
    await nginx?.stop(500);
    await new Promise<void>((r) => (backend ? backend.close(() => r()) : r()));
    await new Promise<void>((r) => (panel ? panel.close(() => r()) : r()));
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  function send(host: string, p: string, headers: Record<string, string> = {}): Promise<number> {
    return new Promise((resolve) => {
      const req = http.request({ host: "127.0.0.1", port, path: p, headers: { Host: host, Accept: "*/*", "User-Agent": "Mozilla/5.0 engine-test", ...headers }, agent: false }, (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      });
      req.on("error", () => resolve(0));
      req.end();
    });
  }

  it("delivers a blocked SQL injection and a detected XSS, with their vhosts and scoring rules, and nothing for a benign request", async () => {
    expect(await send("guarded.test", "/?id=1'%20OR%20'1'='1", { Cookie: `session=${SECRET_COOKIE}` })).toBe(403);
    expect(await send("watched.test", "/search?q=%3Cscript%3Ealert(1)%3C/script%3E")).toBe(200);
    expect(await send("guarded.test", "/?page=2")).toBe(200);

    const shipper = new EventShipper({ panelUrl, readToken: async () => "t", dir, flushMs: 20, pollMs: 10, log: () => undefined });
    const stop = new AbortController();
    const running = shipper.run(stop.signal);
    for (let i = 0; i < 500 && received.length < 2; i++) await new Promise((r) => setTimeout(r, 20));
    stop.abort();
    await running;

    expect(received.map((e) => `${e.vhost} ${e.status} ${e.outcome}`).sort()).toEqual(["guarded.test 403 blocked", "watched.test 200 detected"]);
    const sqli = received.find((e) => e.vhost === "guarded.test")!;
    expect(sqli.matches.map((m) => m.ruleId)).toContain(942100);
    expect(sqli.inboundScore).toBeGreaterThanOrEqual(5);
    expect(received.find((e) => e.vhost === "watched.test")!.matches.some((m) => m.variable === "ARGS:q" && m.paranoiaLevel === 1)).toBe(true);
    expect(JSON.stringify(received)).not.toContain(SECRET_COOKIE);
  });
});
