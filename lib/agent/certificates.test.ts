// Reading the served certificates with real ones made by openssl (a leaf signed by a CA, the chain after
// it, a key in the same file), and what the agent sends of them.
import { execFileSync } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bundleHash } from "@/lib/config/hash";
import { StatusReportSchema } from "@/lib/nodes/schema";
import { NodeAgent, type EngineControl } from "./agent";
import { certificateRefs, firstCertificatePem, scanCertificates } from "./certificates";

let tmp = "";
let ca = { cert: "", key: "" };

function openssl(args: string[]) {
  execFileSync("openssl", args, { cwd: tmp, stdio: ["ignore", "pipe", "pipe"] });
}

/** A certificate for `names` valid for `days`, signed by the test CA; returns its PEM and its key's. */
async function issue(label: string, names: string[], days: number): Promise<{ cert: string; key: string }> {
  openssl(["req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", `${label}.key`, "-out", `${label}.csr`, "-subj", `/CN=${names[0]}/O=Palisade test`]);
  await writeFile(path.join(tmp, `${label}.ext`), `subjectAltName=${names.map((n) => `DNS:${n}`).join(",")}\n`);
  openssl(["x509", "-req", "-in", `${label}.csr`, "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-days", String(days), "-extfile", `${label}.ext`, "-out", `${label}.pem`]);
  return { cert: await readFile(path.join(tmp, `${label}.pem`), "utf8"), key: await readFile(path.join(tmp, `${label}.key`), "utf8") };
}

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), "palisade-certs-"));
  openssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-subj", "/CN=Palisade Test CA", "-days", "30"]);
  ca = { cert: await readFile(path.join(tmp, "ca.pem"), "utf8"), key: await readFile(path.join(tmp, "ca.key"), "utf8") };
}, 60_000);

afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

/** A node directory whose live release serves `vhosts` (file name → config text). */
async function nodeDir(vhosts: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(tmp, "node-"));
  await mkdir(path.join(dir, "releases", "1-abc", "vhosts"), { recursive: true });
  for (const [name, text] of Object.entries(vhosts)) await writeFile(path.join(dir, "releases", "1-abc", "vhosts", name), text);
  await symlink("releases/1-abc", path.join(dir, "current"));
  return dir;
}

const vhostConf = (domain: string, ref: string) =>
  `# Virtual host ${domain}\nserver {\n    listen 443 ssl;\n    server_name ${domain} www.${domain};\n\n    ssl_certificate ${ref}/fullchain.pem;\n    ssl_certificate_key ${ref}/privkey.pem;\n}\n`;

describe("certificateRefs", () => {
  it("pairs each ssl_certificate with the server_name before it, and ignores keys and comments", () => {
    const conf = `${vhostConf("a.example", "certs/a")}\n# ssl_certificate certs/commented/fullchain.pem;\nserver {\n    server_name b.example;\n    ssl_certificate /etc/ssl/b.pem;\n}\n`;
    expect(certificateRefs(conf)).toEqual([
      { domain: "a.example", reference: "certs/a/fullchain.pem" },
      { domain: "b.example", reference: "/etc/ssl/b.pem" },
    ]);
    expect(certificateRefs("server {\n    server_name plain.example;\n    listen 80;\n}\n")).toEqual([]);
  });

  it("takes the first certificate of a PEM file (the leaf of a chain), never a key block", () => {
    expect(firstCertificatePem(`-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----\n`)).toBeNull();
    const pem = firstCertificatePem(`-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----\n-----BEGIN CERTIFICATE-----\nleaf\n-----END CERTIFICATE-----\n-----BEGIN CERTIFICATE-----\nca\n-----END CERTIFICATE-----\n`);
    expect(pem).toBe("-----BEGIN CERTIFICATE-----\nleaf\n-----END CERTIFICATE-----");
  });
});

describe("scanCertificates", () => {
  it("reads each served certificate from the node's files: reference, subject, names, issuer, serial, fingerprint, expiry", async () => {
    const leaf = await issue("shop", ["shop.example", "www.shop.example"], 10);
    const dir = await nodeDir({ "shop.example.conf": vhostConf("shop.example", "certs/shop") });
    await mkdir(path.join(dir, "certs", "shop"), { recursive: true });
    // Leaf, then the chain, then (carelessly) the key in the same file.
    await writeFile(path.join(dir, "certs", "shop", "fullchain.pem"), leaf.cert + ca.cert + leaf.key);
    await writeFile(path.join(dir, "certs", "shop", "privkey.pem"), leaf.key);

    const { certificates, problems } = await scanCertificates(dir);
    expect(problems).toEqual([]);
    const x509 = new X509Certificate(leaf.cert);
    expect(certificates).toEqual([
      {
        domain: "shop.example",
        reference: "certs/shop/fullchain.pem",
        subject: "CN=shop.example, O=Palisade test",
        altNames: "DNS:shop.example, DNS:www.shop.example",
        issuer: "CN=Palisade Test CA",
        serial: x509.serialNumber,
        fingerprint: x509.fingerprint256,
        notAfter: new Date(x509.validTo).toISOString(),
      },
    ]);
    const days = (Date.parse(certificates[0]!.notAfter) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(9);
    expect(days).toBeLessThanOrEqual(10);
    // What leaves the node passes the panel's schema and carries nothing of the key.
    expect(StatusReportSchema.safeParse({ revision: 1, ok: true, certificates }).success).toBe(true);
    const sent = JSON.stringify(certificates);
    expect(sent).not.toContain("PRIVATE");
    expect(sent).not.toContain(leaf.key.split("\n")[1]!.slice(0, 40));
  });

  it("reads absolute paths as they are, reports each vhost's use once, and names what it cannot read", async () => {
    const shared = await issue("shared", ["one.example", "two.example"], 40);
    await writeFile(path.join(tmp, "shared-fullchain.pem"), shared.cert);
    const dir = await nodeDir({
      "one.example.conf": `server {\n    server_name one.example;\n    ssl_certificate ${tmp}/shared-fullchain.pem;\n}\nserver {\n    server_name one.example;\n    ssl_certificate ${tmp}/shared-fullchain.pem;\n}\n`,
      "two.example.conf": `server {\n    server_name two.example;\n    ssl_certificate ${tmp}/shared-fullchain.pem;\n}\n`,
      "missing.example.conf": vhostConf("missing.example", "certs/missing"),
      "garbage.example.conf": vhostConf("garbage.example", "certs/garbage"),
      "notes.txt": vhostConf("ignored.example", "certs/ignored"),
    });
    await mkdir(path.join(dir, "certs", "garbage"), { recursive: true });
    await writeFile(path.join(dir, "certs", "garbage", "fullchain.pem"), "not a certificate\n");

    const { certificates, problems } = await scanCertificates(dir);
    expect(certificates.map((c) => [c.domain, c.reference])).toEqual([
      ["one.example", `${tmp}/shared-fullchain.pem`],
      ["two.example", `${tmp}/shared-fullchain.pem`],
    ]);
    expect(problems).toEqual([
      `garbage.example: ${dir}/certs/garbage/fullchain.pem is not a readable certificate (no PEM certificate in it)`,
      `missing.example: cannot read ${dir}/certs/missing/fullchain.pem (ENOENT)`,
    ]);
  });

  it("finds nothing before a release is live", async () => {
    const dir = await mkdtemp(path.join(tmp, "empty-"));
    expect(await scanCertificates(dir)).toEqual({ certificates: [], problems: [] });
  });
});

describe("the agent's status report", () => {
  it("lists the served certificates, and reports a renewed one after the rescan interval without a new revision", async () => {
    const dir = await mkdtemp(path.join(tmp, "agent-"));
    const files = {
      "nginx.conf": "modsecurity_rules_file modsecurity/main.conf;\ninclude vhosts/tls.example.conf;\n",
      "modsecurity/main.conf": "# main\n",
      "vhosts/tls.example.conf": vhostConf("tls.example", "certs/tls"),
    };
    const reports: { revision: number; ok: boolean; certificates: { fingerprint: string; notAfter: string }[] }[] = [];
    const fetchImpl: typeof fetch = async (input, init) => {
      const req = new Request(input as URL, init);
      if (req.method === "POST") {
        reports.push((await req.json()) as (typeof reports)[number]);
        return Response.json({ recorded: true });
      }
      const hash = bundleHash(files);
      if (req.headers.get("if-none-match") === `"${hash}"`) return new Response(null, { status: 304, headers: { etag: `"${hash}"`, "x-palisade-revision": "1" } });
      return Response.json({ revision: 1, contentHash: hash, files });
    };
    const engine: EngineControl = {
      check: async () => ({ ok: true, errors: [], warnings: [], output: "", durationMs: 1 }),
      masterPid: async () => 4242,
      reload: async () => ({ ok: true, message: "nginx reloaded" }),
      start: async () => ({ ok: true, message: "nginx started" }),
    };
    let now = 1_000_000;
    const agent = new NodeAgent({ panelUrl: "http://panel.test", readToken: async () => "pn_test", dir, engine, fetch: fetchImpl, log: () => {}, certificateRescanMs: 60_000, now: () => now });

    const first = await issue("tls1", ["tls.example"], 5);
    await mkdir(path.join(dir, "certs", "tls"), { recursive: true });
    await writeFile(path.join(dir, "certs", "tls", "fullchain.pem"), first.cert);
    expect(await agent.runOnce()).toMatchObject({ pulled: "new", ok: true, reported: true });
    expect(reports.at(-1)!.certificates.map((c) => c.fingerprint)).toEqual([new X509Certificate(first.cert).fingerprint256]);

    // Renewed on disk: not read again before the interval, then reported once.
    const renewed = await issue("tls2", ["tls.example"], 60);
    await writeFile(path.join(dir, "certs", "tls", "fullchain.pem"), renewed.cert);
    now += 30_000;
    expect(await agent.runOnce()).toMatchObject({ pulled: "same", reported: false });
    now += 30_000;
    expect(await agent.runOnce()).toMatchObject({ pulled: "same", reported: true });
    expect(reports.at(-1)!.certificates.map((c) => c.fingerprint)).toEqual([new X509Certificate(renewed.cert).fingerprint256]);
    now += 60_000;
    expect(await agent.runOnce()).toMatchObject({ pulled: "same", reported: false });
    expect(reports).toHaveLength(2);
  }, 60_000);
});
