// Against the real engine: nginx 1.22 + libmodsecurity 3 + CRS 3.3 (Debian). Skipped, with the
// install command, when the engine is not installed. One nginx serves every case: each case is a
// vhost (server_name) and requests pick it by Host header.
import { execFile, execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compileBundle } from "./compile";
import { checkBundle, checkDir, findEngine, writeBundle } from "./engine";
import { freePort, startNginx, type RunningNginx } from "@/lib/testing/nginx";
import { parseModSecurity } from "./parse-directives";
import { DEFAULT_POLICY, SAMPLE_INPUT, sampleInput, sampleVhost } from "./samples";
import { CUSTOM_RULE, hostile, MUTATORS } from "@/lib/testing/waf-fixtures";
import type { Bundle, CompileInput, ExclusionInput } from "./types";
import { CompileError } from "./types";

const engine = findEngine();
const skipReason = engine.available ? "" : engine.message;
if (!engine.available) console.warn(`[lib/waf/engine.test.ts] skipped: ${skipReason}`);

const SQLI = "?id=1'%20OR%20'1'='1";
const exclusion = (e: Partial<ExclusionInput> & Pick<ExclusionInput, "kind">): ExclusionInput => ({
  ruleId: null,
  ruleIdEnd: null,
  tag: null,
  target: null,
  pathPrefix: null,
  note: null,
  ...e,
});

type Reply = { status: number; body: string };

type RequestOptions = { localAddress?: string; requestHost?: string; connectTo?: string; body?: string; contentType?: string };

function request(port: number, options: RequestOptions & { host: string; path: string }): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { Host: options.requestHost ?? options.host };
    if (options.contentType) headers["Content-Type"] = options.contentType;
    const req = http.request(
      {
        host: options.connectTo ?? "127.0.0.1",
        port,
        path: options.path,
        method: options.body === undefined ? "GET" : "POST",
        headers,
        localAddress: options.localAddress,
        agent: false,
      },
      (res) => {
        let body = "";
        res.on("data", (d: Buffer) => (body += d.toString()));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on("error", reject);
    req.end(options.body);
  });
}

// Generous timeouts: nginx -t takes ~0.3 s per CRS vhost on a quiet machine, several times that under load.
describe.skipIf(!engine.available)("the real engine serving a compiled bundle", { timeout: 60_000 }, () => {
  let backend: http.Server;
  let nginx: RunningNginx | undefined;
  let port = 0;
  let dir = "";
  const timings: Record<string, number> = {};

  beforeAll(async () => {
    backend = http.createServer((req, res) => {
      // Read the whole body first: answering early resets a large upload, which nginx reports as 502.
      let bytes = 0;
      req.on("data", (d: Buffer) => (bytes += d.length));
      req.on("end", () => {
        res.setHeader("content-type", "application/json");
        res.end(JSON.stringify({ backend: true, url: req.url, host: req.headers.host, bytes }));
      });
    });
    await new Promise<void>((resolve) => backend.listen(0, "127.0.0.1", resolve));
    const backendPort = (backend.address() as { port: number }).port;
    const backendUrl = `http://127.0.0.1:${backendPort}`;

    const vhosts = [
      sampleVhost("block.test", {
        backendUrl,
        ipEntries: [
          { kind: "DENY", cidr: "127.0.0.2", note: "deny-listed test source" },
          { kind: "DENY", cidr: "2001:db8::/32", note: null },
          { kind: "ALLOW", cidr: "127.0.0.3/32", note: "allow-listed test source" },
        ],
        exclusions: [
          exclusion({ kind: "REMOVE_BY_ID", ruleId: 942100, pathPrefix: "/excluded/" }),
          exclusion({ kind: "REMOVE_TARGET_BY_ID", ruleId: 942100, target: "ARGS:password" }),
        ],
        customRules: [
          {
            ruleId: 1001,
            description: "block ?blockme=yes",
            secRule: `SecRule ARGS:blockme "@streq yes" "id:1001,phase:1,deny,status:403,log,msg:'custom rule hit'"`,
            enabled: true,
            position: 1,
          },
        ],
      }),
      sampleVhost("detect.test", {
        backendUrl,
        policy: { ...DEFAULT_POLICY, engineMode: "DETECTION_ONLY" },
        ipEntries: [{ kind: "DENY", cidr: "127.0.0.2", note: null }],
      }),
      sampleVhost("para2.test", { backendUrl, policy: { ...DEFAULT_POLICY, blockingParanoia: 2, detectionParanoia: 2 } }),
      sampleVhost("thr3.test", { backendUrl, policy: { ...DEFAULT_POLICY, inboundThreshold: 3 } }),
      sampleVhost("off.test", { backendUrl, policy: { ...DEFAULT_POLICY, engineMode: "OFF" } }),
      // IPv4 and IPv6 entries share one @ipMatch list.
      sampleVhost("v6.test", { backendUrl, ipEntries: ["192.0.2.1", "::1", "2001:db8::/32", "198.51.100.0/24"].map((cidr) => ({ kind: "DENY" as const, cidr, note: null })) }),
    ];

    // The port is chosen before nginx binds it: retry if something else takes it meanwhile.
    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      const bundle = compileBundle(sampleInput(vhosts, { listenHttp: port, listenHttps: port === 65_535 ? 1 : port + 1, listenAddresses: ["127.0.0.1", "::1"] }));
      dir = await writeBundle(bundle);
      let t = performance.now();
      const check = await checkDir(dir);
      timings.check = performance.now() - t;
      expect(check.errors).toEqual([]);
      t = performance.now();
      try {
        nginx = await startNginx(dir, { port });
        timings.start = performance.now() - t;
        break;
      } catch (e) {
        await rm(dir, { recursive: true, force: true });
        if (attempt >= 3 || !String(e).includes("in use")) throw e;
      }
    }
  }, 60_000);

  afterAll(async () => {
    await nginx?.stop();
    await new Promise<void>((resolve) => (backend ? backend.close(() => resolve()) : resolve()));
    if (dir) await rm(dir, { recursive: true, force: true });
    console.info(`[engine] nginx -t ${Math.round(timings.check ?? 0)} ms, start to first accept ${Math.round(timings.start ?? 0)} ms`);
  });

  const get = (host: string, p: string, extra: RequestOptions = {}) => request(port, { host, path: p, ...extra });

  it("passes benign requests to the backend", async () => {
    const reply = await get("block.test", "/");
    expect(reply.status).toBe(200);
    expect(JSON.parse(reply.body)).toMatchObject({ backend: true, host: "block.test" });
    expect((await get("block.test", "/?page=2&sort=name")).status).toBe(200);
  });

  it("blocks SQL injection when blocking, logs it and passes it in detection-only mode, ignores it when off", async () => {
    expect((await get("block.test", `/${SQLI}`)).status).toBe(403);
    const marker = `marker${Date.now()}`;
    expect((await get("detect.test", `/${marker}${SQLI}`)).status).toBe(200);
    expect((await get("off.test", `/${SQLI}`)).status).toBe(200);
    // The audit log is written when the transaction ends; give the worker a moment.
    let logged: string[] = [];
    for (let i = 0; i < 50 && logged.length === 0; i++) {
      const entry = (await nginx!.auditLog()).find((t) => t.request.uri.includes(marker));
      logged = entry?.messages.map((m) => m.details.ruleId) ?? [];
      if (logged.length === 0) await new Promise((r) => setTimeout(r, 20));
    }
    expect(logged).toContain("942100");
    expect(logged).toContain("949110");
  });

  it("inspects request bodies (form, JSON, a multipart upload buffered to disk by the workers)", async () => {
    const form = "application/x-www-form-urlencoded";
    expect((await get("block.test", "/", { body: "name=alice&comment=hello", contentType: form })).status).toBe(200);
    expect((await get("block.test", "/", { body: "id=1'%20OR%20'1'='1", contentType: form })).status).toBe(403);
    expect((await get("block.test", "/", { body: JSON.stringify({ id: "1' OR '1'='1" }), contentType: "application/json" })).status).toBe(403);
    expect((await get("block.test", "/", { body: "{not json", contentType: "application/json" })).status).toBe(400);
    const boundary = "palisadeboundary";
    const upload = [`--${boundary}`, 'Content-Disposition: form-data; name="file"; filename="a.txt"', "Content-Type: text/plain", "", "x".repeat(200_000), `--${boundary}--`, ""].join("\r\n");
    expect((await get("block.test", "/", { body: upload, contentType: `multipart/form-data; boundary=${boundary}` })).status).toBe(200);
  });

  it("blocks path traversal", async () => {
    expect((await get("block.test", "/?file=../../etc/passwd")).status).toBe(403);
  });

  it("enforces the deny list (in detection-only mode too) and the allow list", async () => {
    expect((await get("block.test", "/", { localAddress: "127.0.0.2" })).status).toBe(403);
    expect((await get("detect.test", "/", { localAddress: "127.0.0.2" })).status).toBe(403);
    expect((await get("para2.test", "/", { localAddress: "127.0.0.2" })).status).toBe(200);
    expect((await get("block.test", `/${SQLI}`, { localAddress: "127.0.0.3" })).status).toBe(200);
  });

  it("matches IPv6 clients in a list that mixes IPv4 and IPv6", async () => {
    expect((await get("v6.test", "/", { connectTo: "::1" })).status).toBe(403);
    expect((await get("v6.test", "/")).status).toBe(200);
    expect((await get("block.test", "/", { connectTo: "::1" })).status).toBe(200);
  });

  it("applies the paranoia level", async () => {
    expect((await get("block.test", "/?q=<b>hi</b>")).status).toBe(200);
    expect((await get("para2.test", "/?q=<b>hi</b>")).status).toBe(403);
  });

  it("applies the inbound threshold (a numeric Host header scores 3)", async () => {
    // The absolute-form request line picks the vhost; ModSecurity still sees Host: 127.0.0.1.
    expect((await get("block.test", "http://block.test/", { requestHost: "127.0.0.1" })).status).toBe(200);
    expect((await get("thr3.test", "http://thr3.test/", { requestHost: "127.0.0.1" })).status).toBe(403);
  });

  it("applies exclusions: path-scoped only under the normalised path, whole-vhost target exclusions everywhere", async () => {
    expect((await get("block.test", `/excluded/${SQLI}`)).status).toBe(200);
    expect((await get("block.test", `/excluded/../${SQLI}`)).status).toBe(403);
    expect((await get("block.test", `/excluded%2f..%2fother${SQLI}`)).status).toBe(403);
    expect((await get("block.test", "/?password=1'%20OR%20'1'='1")).status).toBe(200);
  });

  it("runs custom rules", async () => {
    expect((await get("block.test", "/?blockme=yes")).status).toBe(403);
    expect((await get("para2.test", "/?blockme=yes")).status).toBe(200);
    expect(await nginx!.errorLog()).toMatch(/\[id "1001"\][\s\S]*custom rule hit/);
  });

  it("closes connections for names no vhost serves", async () => {
    await expect(get("unknown.test", "/")).rejects.toThrow(/socket hang up|ECONNRESET/);
  });
});

function selfSignedCertificate(dir: string): { cert: string; key: string } | null {
  try {
    execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2", "-subj", "/CN=palisade-test", "-keyout", path.join(dir, "key.pem"), "-out", path.join(dir, "cert.pem")], { stdio: "ignore" });
    return { cert: path.join(dir, "cert.pem"), key: path.join(dir, "key.pem") };
  } catch {
    return null;
  }
}

describe.skipIf(!engine.available)("nginx -t on compiled bundles", { timeout: 60_000 }, () => {
  let certs: { cert: string; key: string } | null = null;
  let tmp = "";

  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), "palisade-cert-"));
    const pair = selfSignedCertificate(tmp);
    if (pair) certs = { cert: await readFile(pair.cert, "utf8"), key: await readFile(pair.key, "utf8") };
  });
  afterAll(async () => {
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  /** Certificate files for every certificateRef, where the bundle's settings point. */
  const certFiles = (input: CompileInput): Record<string, string> => {
    const files: Record<string, string> = {};
    const pair = certs;
    for (const v of input.vhosts) {
      if (v.tlsMode === "NONE" || !pair) continue;
      files[`${input.settings.certDir}/${v.certificateRef}/fullchain.pem`] = pair.cert;
      files[`${input.settings.certDir}/${v.certificateRef}/privkey.pem`] = pair.key;
    }
    return files;
  };

  it("accepts the sample and a bundle with TLS, redirects, every exclusion kind and custom rules", async () => {
    const backendUrl = "http://127.0.0.1:9";
    const input = sampleInput([
      ...SAMPLE_INPUT.vhosts,
      sampleVhost("tls.test", { backendUrl, tlsMode: "TERMINATE", certificateRef: "tls", hsts: true, aliases: ["*.tls.test"] }),
      sampleVhost("redirect.test", { backendUrl: "http://[::1]:9", tlsMode: "REDIRECT", certificateRef: "redirect", minTlsVersion: "TLS1_3" }),
      sampleVhost("tuned.test", {
        backendUrl,
        policy: { ...DEFAULT_POLICY, engineMode: "DETECTION_ONLY", blockingParanoia: 2, detectionParanoia: 4, inboundThreshold: 10 },
        ipEntries: [
          { kind: "DENY", cidr: "10.0.0.0/8", note: null },
          { kind: "DENY", cidr: "2001:db8::1/128", note: null },
          { kind: "ALLOW", cidr: "fd00::/8", note: null },
          // libmodsecurity refuses "/0" in @ipMatch: the compiler must write every address as two halves.
          { kind: "ALLOW", cidr: "0.0.0.0/0", note: null },
          { kind: "ALLOW", cidr: "::/0", note: null },
        ],
        exclusions: [
          exclusion({ kind: "REMOVE_BY_ID", ruleId: 942100, ruleIdEnd: 942199 }),
          exclusion({ kind: "REMOVE_BY_TAG", tag: "paranoia-level/2" }),
          exclusion({ kind: "REMOVE_TARGET_BY_ID", ruleId: 942100, target: "REQUEST_COOKIES:session" }),
          exclusion({ kind: "REMOVE_TARGET_BY_TAG", tag: "attack-sqli", target: "ARGS:/^pw_/" }),
          exclusion({ kind: "REMOVE_BY_ID", ruleId: 941000, ruleIdEnd: 941999, pathPrefix: "/cms" }),
          exclusion({ kind: "REMOVE_BY_TAG", tag: "OWASP_CRS/WEB_ATTACK/XSS", pathPrefix: "/cms" }),
          exclusion({ kind: "REMOVE_TARGET_BY_ID", ruleId: 942100, target: "ARGS:user[name]", pathPrefix: "/login" }),
          exclusion({ kind: "REMOVE_TARGET_BY_TAG", tag: "attack-sqli", target: "REQUEST_HEADERS:User-Agent", pathPrefix: "/api/" }),
          // The widest alphabets the compiler accepts for paths and targets.
          exclusion({ kind: "REMOVE_BY_ID", ruleId: 942100, pathPrefix: "/wiki/Foo_(bar);v=1/$x|{y}<z>!@*+,^~[]/München" }),
          exclusion({ kind: "REMOVE_TARGET_BY_ID", ruleId: 942100, target: "ARGS:a$b*c/d:e.f[g]-h_", pathPrefix: "/t" }),
          exclusion({ kind: "REMOVE_TARGET_BY_ID", ruleId: 942110, target: "ARGS:a$b*c/d:e.f[g]-h_" }),
          exclusion({ kind: "REMOVE_TARGET_BY_TAG", tag: "attack-xss", target: "ARGS:/^a.*[0-9]+(x)?y{2}\\d:_-$/" }),
        ],
        customRules: [
          { ruleId: 4001, description: "", secRule: CUSTOM_RULE, enabled: true, position: 1 },
          {
            ruleId: 4002,
            description: "",
            secRule: `SecRule REQUEST_FILENAME "@beginsWith /readonly" "id:4002,phase:2,deny,status:403,log,t:none,t:urlDecodeUni,setvar:tx.site_readonly=1"`,
            enabled: true,
            position: 2,
          },
        ],
      }),
    ]);
    if (!certs) input.vhosts = input.vhosts.filter((v) => v.tlsMode === "NONE");
    const bundle = compileBundle(input);
    const t = performance.now();
    const result = await checkBundle(bundle, { extraFiles: certFiles(input) });
    console.info(`[engine] nginx -t on ${input.vhosts.length} vhosts: ${Math.round(performance.now() - t)} ms (nginx: ${result.durationMs} ms)`);
    expect(result.errors).toEqual([]);
    expect(result.ok).toBe(true);
  });

  it("accepts absolute ModSecurity paths (installDir) from any working directory", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "palisade-abs-"));
    try {
      const bundle = compileBundle(sampleInput([sampleVhost("abs.test")], { installDir: dir }));
      await writeBundle(bundle, { dir });
      const nginxBin = engine.available ? engine.paths.nginx : "nginx";
      const out = execFileSync(nginxBin, ["-t", "-p", `${dir}/`, "-c", "nginx.conf", "-e", `${dir}/logs/error.log`], { cwd: "/", encoding: "utf8", stdio: "pipe" });
      expect(out).toBe("");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("reports an engine error with file, line and vhost", async () => {
    const compiled = compileBundle(
      sampleInput([
        sampleVhost("good.test"),
        sampleVhost("broken.test", {
          customRules: [{ ruleId: 7, description: "", enabled: true, position: 1, secRule: `SecRule ARGS "@rx a" "id:7,phase:1,deny"` }],
        }),
      ]),
    );
    // The compiler refuses "denyy" (lib/rules/secrule.ts): break the written file instead.
    const file = "rules/broken.test.conf";
    const bundle: Bundle = { files: { ...compiled.files, [file]: compiled.files[file]!.replace('"id:7,phase:1,deny"', '"id:7,phase:1,denyy"') } };
    const result = await checkBundle(bundle);
    expect(result.ok).toBe(false);
    const line = bundle.files["rules/broken.test.conf"]!.split("\n").findIndex((l) => l.includes("id:7,")) + 1;
    expect(result.errors).toEqual([{ file: "rules/broken.test.conf", line, vhost: "broken.test", message: expect.stringMatching(/Rules error.*Expecting an action/) }]);
  });

  it("reports an nginx error with file, line and vhost", async () => {
    const bundle: Bundle = compileBundle(sampleInput([sampleVhost("dns.test", { backendUrl: "http://no-such-host.invalid:8080" })]));
    const result = await checkBundle(bundle);
    expect(result.ok).toBe(false);
    const line = bundle.files["vhosts/dns.test.conf"]!.split("\n").findIndex((l) => l.includes("proxy_pass")) + 1;
    expect(result.errors).toEqual([{ file: "vhosts/dns.test.conf", line, vhost: "dns.test", message: expect.stringMatching(/host not found in upstream/) }]);
  });
});

const RULES_CHECK = "/usr/lib/x86_64-linux-gnu/libexec/modsec-rules-check";

/** The rules libmodsecurity should count in a file: SecRule and SecAction, a chain counting once. */
function expectedRuleCount(text: string): number {
  let count = 0;
  let chained = false;
  for (const d of parseModSecurity(text)) {
    if (d.name !== "SecRule" && d.name !== "SecAction") continue;
    if (!chained) count++;
    chained = /(?:^|,)\s*chain\s*(?:,|$)/.test(d.args[d.args.length - 1] ?? "");
  }
  return count;
}

describe.skipIf(!engine.available || !existsSync(RULES_CHECK))("hostile stored text the compiler accepts, read by the real engine", { timeout: 90_000 }, () => {
  it("passes nginx -t and loads exactly the rules the directive parser sees (nothing injected, nothing swallowed)", async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), "palisade-fuzz-"));
    try {
      // A stub CRS keeps each check fast; the rule count then covers only the generated and custom rules.
      await writeBundle({ files: { "crs-setup.conf": "# stub\n", "rules/empty.conf": "# stub\n" } }, { dir: path.join(root, "crs") });
      const settings = { crsSetupPath: path.join(root, "crs/crs-setup.conf"), crsRulesDir: path.join(root, "crs/rules"), listenHttp: 18080, listenHttps: 18443 };
      const pair = selfSignedCertificate(root);
      const cert = pair ? { cert: await readFile(pair.cert, "utf8"), key: await readFile(pair.key, "utf8") } : null;

      // Collect accepted hostile values, a few per field.
      const perField = new Map<string, { field: string; value: string; input: CompileInput }[]>();
      const vhostMutators = MUTATORS.filter((m) => m.errorVhost !== null);
      fc.assert(
        fc.property(
          fc.constantFrom(...vhostMutators).chain((m) => hostile(m.valid).map((v) => [m, v] as const)),
          ([m, value]) => {
            const list = perField.get(m.field) ?? [];
            if (list.length >= 4 || value === m.valid) return;
            const input = m.apply(value, settings);
            try {
              compileBundle(input);
            } catch (e) {
              if (!(e instanceof CompileError)) throw e;
              return;
            }
            list.push({ field: m.field, value, input });
            perField.set(m.field, list);
          },
        ),
        { numRuns: 2000 },
      );
      const cases = [...perField.values()].flat();
      expect(cases.length).toBeGreaterThan(15);

      const failures: unknown[] = [];
      let rejectedByEngine = 0;
      const NGINX_FIELDS = ["domain", "id", "aliases[0]", "backendUrl", "certificateRef"];
      const checkCase = async (c: (typeof cases)[number], i: number) => {
        const bundle = compileBundle(c.input);
        const extraFiles: Record<string, string> = {};
        for (const v of c.input.vhosts) {
          if (v.tlsMode === "NONE" || !cert) continue;
          extraFiles[`${c.input.settings.certDir}/${v.certificateRef}/fullchain.pem`] = cert.cert;
          extraFiles[`${c.input.settings.certDir}/${v.certificateRef}/privkey.pem`] = cert.key;
        }
        const dir = await writeBundle(bundle, { dir: path.join(root, `case${i}`), extraFiles });
        const rulesFile = Object.keys(bundle.files).find((f) => f.startsWith("rules/") && f !== "rules/other.example.com.conf")!;
        const out = await new Promise<string>((resolve) => execFile(RULES_CHECK, [path.join(dir, rulesFile)], { cwd: dir }, (_e, o, er) => resolve(`${o}${er}`)));
        const loaded = /Loaded (-?\d+) rules/.exec(out)?.[1];
        if (/Rules error/.test(out)) {
          // The compiler checks custom rules and exclusions with the forms' own validators (one definition):
          // whatever it accepts, the engine must load.
          rejectedByEngine++;
          failures.push({ field: c.field, value: c.value, out });
          return;
        }
        if (loaded !== String(expectedRuleCount(bundle.files[rulesFile]!))) failures.push({ field: c.field, value: c.value, loaded, out });
        // The rules files are covered above; nginx -t adds the nginx files, where these fields go.
        if (!NGINX_FIELDS.includes(c.field)) return;
        const check = await checkDir(dir);
        // The base vhost's backend is a DNS name; without DNS, nginx -t stops there, which is fine here.
        const errors = check.errors.filter((e) => !/host not found in upstream/.test(e.message));
        if (errors.length > 0) failures.push({ field: c.field, value: c.value, errors });
      };
      const queue = cases.map((c, i) => [c, i] as const);
      const worker = async () => {
        for (let job = queue.shift(); job; job = queue.shift()) await checkCase(...job);
      };
      await Promise.all([worker(), worker(), worker(), worker()]);
      console.info(`[engine] ${cases.length} accepted hostile values over ${perField.size} fields checked; ${rejectedByEngine} rejected by the engine`);
      expect(JSON.stringify(failures, (_k, v: unknown) => (typeof v === "string" && v.length > 300 ? `${v.slice(0, 300)}...(${v.length})` : v), 1)).toBe("[]");
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
