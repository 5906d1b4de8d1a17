// The whole path with the real engine and no browser: vhost and policy made through the services →
// published → the node agent pulls it through the real route handlers (behind a small HTTP server) →
// real nginx + ModSecurity + CRS serve it → a policy change is published and applied → the same request
// is now blocked → rolled back → it passes again. Skipped, with the install command, without the engine (a failure instead when CI is set).
import { execFileSync } from "node:child_process";
import { X509Certificate } from "node:crypto";
import http from "node:http";
import { mkdir, mkdtemp, readFile, readlink, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GET } from "@/app/api/v1/nodes/config/route";
import { POST } from "@/app/api/v1/nodes/status/route";
import { installPeerAddressStamp } from "@/lib/http/client-address";
import { publishConfig, rollbackConfig } from "@/lib/config/service";
import { compilerSettingsFromEnv } from "@/lib/config/settings";
import { admin, changePolicy, makeVhost } from "@/lib/testing/config-fixtures";
import { db } from "@/lib/db";
import { listNodes } from "@/lib/nodes/queries";
import { registerNode } from "@/lib/nodes/service";
import { addIpEntries } from "@/lib/policies/service";
import { createCustomRule } from "@/lib/rules/service";
import { describeWithEngine } from "@/lib/testing/real-engine";
import { freePort, startNginx, type RunningNginx } from "@/lib/testing/nginx";
import { NodeAgent } from "./agent";

const DOMAIN = "shop.agent-e2e.test";

type Reply = { status: number; body: string };

function request(port: number, pathname: string, localAddress = "127.0.0.1"): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port, path: pathname, headers: { Host: DOMAIN }, localAddress, agent: false }, (res) => {
      let body = "";
      res.on("data", (d: Buffer) => (body += d.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

/** After a reload, old workers finish their connections for a moment: ask until the answer settles. */
async function settlesTo(port: number, pathname: string, status: number, localAddress?: string): Promise<Reply> {
  let last: Reply = { status: 0, body: "" };
  for (let i = 0; i < 50; i++) {
    last = await request(port, pathname, localAddress);
    if (last.status === status) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  return last;
}

/** The panel's node API on a real port: Node's http → the route handlers' Request/Response. */
function panelServer(): Promise<http.Server> {
  installPeerAddressStamp(); // the socket's address reaches the handlers as it does under Next (instrumentation.ts)
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const headers = new Headers();
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers.set(k, v);
    const request = new Request(`http://panel.local${req.url}`, { method: req.method, headers, body: req.method === "POST" ? Buffer.concat(chunks) : undefined });
    const handler = req.url === "/api/v1/nodes/config" && req.method === "GET" ? GET : req.url === "/api/v1/nodes/status" && req.method === "POST" ? POST : null;
    const response = handler ? await handler(request) : new Response("not found", { status: 404 });
    res.writeHead(response.status, Object.fromEntries(response.headers));
    res.end(Buffer.from(await response.arrayBuffer()));
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

function listen(server: http.Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve((server.address() as { port: number }).port)));
}

describeWithEngine(`publish → node agent → real engine (${process.env.TEST_DB})`, { timeout: 120_000 }, () => {
  let backend: http.Server;
  let panel: http.Server;
  let nginx: RunningNginx | undefined;
  let dir = "";
  let port = 0;
  let agent: NodeAgent;
  let nodeId = "";
  let vhostId = "";
  const agentLog: string[] = [];

  beforeAll(async () => {
    backend = http.createServer((req, res) => res.end(`backend saw ${req.url}`));
    const backendPort = await listen(backend);
    panel = await panelServer();
    const panelPort = (panel.address() as { port: number }).port;
    port = await freePort();
    dir = await mkdtemp(path.join(os.tmpdir(), "palisade-agent-e2e-"));

    const vhost = await makeVhost(DOMAIN, { backendUrl: `http://127.0.0.1:${backendPort}` });
    vhostId = vhost.id;
    const { node, token } = await registerNode(admin, { name: `e2e-${process.env.TEST_DB}` });
    nodeId = node.id;
    agent = new NodeAgent({ panelUrl: `http://127.0.0.1:${panelPort}`, readToken: async () => token, dir, log: (l) => agentLog.push(l) });
  }, 60_000);

  afterAll(async () => {
    // Every process this test started, by its own PID or handle, also when a test failed.
    await nginx?.stop();
    await new Promise((r) => backend?.close(r));
    await new Promise((r) => panel?.close(r));
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  // Listen on this test's own port (the defaults are 80/443), on loopback only.
  const settings = () => ({ ...compilerSettingsFromEnv(), listenHttp: port, listenHttps: port === 65_535 ? 1 : port + 1, listenAddresses: ["127.0.0.1"] });
  const node = () => db.wafNode.findUniqueOrThrow({ where: { id: nodeId } });

  it("publishes revision 1 (checked by the engine), the agent installs it, and nginx serves it", async () => {
    const published = await publishConfig(admin, { basedOn: null, settings: settings() });
    expect(published.status === "published" && published.revision.engineChecked).toBe(true);

    const first = await agent.runOnce();
    expect(first).toMatchObject({ pulled: "new", revision: 1, ok: false, reported: true });
    expect(first.message).toContain("nginx is not running");
    expect(await node()).toMatchObject({ appliedRevision: null, lastStatus: "failed" });

    // nginx starts the way the agent's layout asks: DIR as prefix and working directory.
    nginx = await startNginx(dir, { port });
    expect(await agent.runOnce()).toMatchObject({ pulled: "same", revision: 1, ok: true, reported: true });
    expect(await node()).toMatchObject({ appliedRevision: 1, lastStatus: "ok" });

    expect(await request(port, "/")).toEqual({ status: 200, body: "backend saw /" });
    expect(await request(port, "/?attack=1")).toEqual({ status: 200, body: "backend saw /?attack=1" });
    expect((await request(port, "/?attack=0", "127.0.0.2")).status).toBe(200);
    // The CRS runs: an SQL injection is blocked even in revision 1.
    expect((await request(port, "/?id=1'%20OR%20'1'='1")).status).toBe(403);
  });

  it("applies a policy change published in the panel: the same requests are now blocked", async () => {
    await createCustomRule(admin, {
      vhostId,
      ruleId: 1001,
      description: "Block ?attack=1",
      secRule: `SecRule ARGS:attack "@streq 1" "id:1001,phase:1,deny,status:403,log,msg:'attack parameter'"`,
      enabled: true,
    });
    await addIpEntries(admin, { vhostId, kind: "DENY", text: "127.0.0.2", confirmWide: false });
    const published = await publishConfig(admin, { basedOn: 1, settings: settings() });
    expect(published.status === "published" && published.revision.summary).toBe(`Changed ${DOMAIN}`);

    const pid = nginx!.pid;
    const applied = await agent.runOnce();
    expect(applied).toMatchObject({ pulled: "new", revision: 2, ok: true, reported: true, message: "Revision 2 applied: nginx -t passed, nginx reloaded." });
    expect(nginx!.pid).toBe(pid); // reloaded, not restarted
    expect(await node()).toMatchObject({ appliedRevision: 2, lastStatus: "ok" });

    expect((await settlesTo(port, "/?attack=1", 403)).status).toBe(403);
    expect((await settlesTo(port, "/?attack=0", 403, "127.0.0.2")).status).toBe(403);
    expect(await request(port, "/?attack=0")).toEqual({ status: 200, body: "backend saw /?attack=0" });
    const blocked = (await nginx!.auditLog()).filter((t) => t.request.uri === "/?attack=1" && t.response.http_code === 403);
    expect(blocked.some((t) => t.messages.some((m) => m.details.ruleId === "1001"))).toBe(true);
  });

  it("rolls back in the panel: the agent applies it and the request passes again", async () => {
    const rolledBack = await rollbackConfig(admin, { revision: 1, basedOn: 2, settings: settings() });
    expect(rolledBack.status === "published" && rolledBack.revision).toMatchObject({ number: 3, rollbackOf: 1 });

    expect(await agent.runOnce()).toMatchObject({ pulled: "new", revision: 3, ok: true });
    expect((await settlesTo(port, "/?attack=1", 200)).body).toBe("backend saw /?attack=1");
    expect((await settlesTo(port, "/?attack=0", 200, "127.0.0.2")).status).toBe(200);
    expect(await node()).toMatchObject({ appliedRevision: 3, lastStatus: "ok" });
    const listed = (await listNodes()).rows.find((r) => r.id === nodeId)!;
    expect(listed.health).toMatchObject({ state: "ok", behind: false, failing: false });
    expect(await readFile(path.join(dir, "current", ".palisade-release.json"), "utf8")).toContain('"revision":3');
  });

  it("keeps serving the last good bundle when the node's nginx -t refuses a revision", async () => {
    // A TLS vhost whose certificate this node does not have: the panel's check passes (placeholder
    // certificates), the node's check fails.
    await makeVhost("tls.agent-e2e.test", { backendUrl: "http://127.0.0.1:9", tlsMode: "TERMINATE", certificateRef: "missing-cert" });
    const published = await publishConfig(admin, { basedOn: 3, settings: settings() });
    expect(published.status).toBe("published");
    const liveBefore = await readlink(path.join(dir, "current"));

    const refused = await agent.runOnce();
    expect(refused).toMatchObject({ pulled: "new", revision: 4, ok: false, reported: true });
    expect(refused.message).toMatch(/^Revision 4 was not applied: nginx -t failed: .*missing-cert\/fullchain\.pem.*\. Still serving revision 3\.$/);
    expect(await readlink(path.join(dir, "current"))).toBe(liveBefore);
    expect(await node()).toMatchObject({ appliedRevision: 3, lastStatus: "failed" });
    expect((await listNodes()).rows.find((r) => r.id === nodeId)!.health).toMatchObject({ state: "failing", behind: true });
    expect(await request(port, "/?attack=1")).toEqual({ status: 200, body: "backend saw /?attack=1" });
    // It does not retry the refused revision on every round.
    expect(await agent.runOnce()).toMatchObject({ pulled: "same", reported: false });
  });

  it("applies the TLS vhost once its certificate is on the node, and reports that certificate to the panel", async () => {
    const certDir = path.join(dir, "certs", "missing-cert");
    await mkdir(certDir, { recursive: true });
    execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "privkey.pem", "-out", "fullchain.pem", "-subj", "/CN=tls.agent-e2e.test", "-addext", "subjectAltName=DNS:tls.agent-e2e.test", "-days", "12"], { cwd: certDir, stdio: "ignore" });
    const x509 = new X509Certificate(await readFile(path.join(certDir, "fullchain.pem")));
    const vhost = await db.virtualHost.findUniqueOrThrow({ where: { domain: "tls.agent-e2e.test" } });
    await changePolicy(vhost.id, { inboundThreshold: 7 });
    expect((await publishConfig(admin, { basedOn: 4, settings: settings() })).status).toBe("published");

    expect(await agent.runOnce()).toMatchObject({ pulled: "new", revision: 5, ok: true, reported: true });
    const stored = await db.nodeCertificate.findMany({ where: { nodeId } });
    expect(stored.map((c) => ({ domain: c.domain, reference: c.reference, subject: c.subject, fingerprint: c.fingerprint, notAfter: c.notAfter }))).toEqual([
      { domain: "tls.agent-e2e.test", reference: "certs/missing-cert/fullchain.pem", subject: "CN=tls.agent-e2e.test", fingerprint: x509.fingerprint256, notAfter: new Date(x509.validTo) },
    ]);
    const listed = (await listNodes()).rows.find((r) => r.id === nodeId)!;
    expect(listed).toMatchObject({ appliedRevision: 5, health: { state: "ok" } });
    expect(listed.certificates.map((c) => [c.domain, c.expiry.state, c.expiry.daysLeft])).toEqual([["tls.agent-e2e.test", "expiring", 11]]);
    expect(listed.publishToAppliedMs).not.toBeNull();
  });
});
