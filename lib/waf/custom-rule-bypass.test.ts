// Issue 15 (High), against the real engine: the four custom rules that let an SQL injection through
// nginx + ModSecurity 3 + CRS 3.3 while the panel said "Blocking". Each is shown to work on this engine when
// written where custom rules go (so refusing it matters), and to be refused by the custom rule form's schema
// and by the compiler (so it can no longer reach a bundle). Skipped, with the install command, when the
// engine is missing.
import { rm } from "node:fs/promises";
import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CustomRuleSchema } from "@/lib/rules/secrule";
import { compileBundle } from "./compile";
import { checkDir, findEngine, writeBundle } from "./engine";
import { freePort, startNginx, type RunningNginx } from "@/lib/testing/nginx";
import { sampleInput, sampleVhost } from "./samples";
import { CompileError } from "./types";

const engine = findEngine();
if (!engine.available) console.warn(`[lib/waf/custom-rule-bypass.test.ts] skipped: ${engine.message}`);

const SQLI = "/?id=1'%20OR%20'1'='1";

const BYPASSES = [
  {
    host: "engine-off.test",
    ruleId: 1101,
    rule: `SecRule REQUEST_METHOD "@unconditionalMatch" "id:1101,phase:1,pass,nolog,ctl:ruleEngine=Off"`,
    refusal: /ctl:ruleEngine is refused/,
    headers: {},
  },
  {
    host: "allow-header.test",
    ruleId: 1102,
    rule: `SecRule REQUEST_HEADERS:X-Debug "@streq letmein" "id:1102,phase:1,allow,nolog"`,
    refusal: /allow action is refused/,
    headers: { "X-Debug": "letmein" },
  },
  {
    host: "remove-range.test",
    ruleId: 1103,
    rule: `SecAction "id:1103,phase:1,pass,nolog,ctl:ruleRemoveById=900000-949109"`,
    refusal: /ctl:ruleRemoveById is refused/,
    headers: {},
  },
  {
    host: "zero-score.test",
    ruleId: 1104,
    rule: `SecAction "id:1104,phase:1,pass,nolog,setvar:tx.critical_anomaly_score=0"`,
    refusal: /setvar cannot change tx\.critical_anomaly_score/,
    headers: {},
  },
] as const;

/** A harmless rule with the same id, compiled into the bundle where the bypass is then written by hand. */
const placeholder = (ruleId: number) => `SecAction "id:${ruleId},phase:1,pass,nolog"`;

function get(port: number, host: string, path: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port, path, headers: { Host: host, ...headers }, agent: false }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("the four bypasses of issue 15 are refused by the form's schema and the compiler", () => {
  it.each(BYPASSES.map((b) => [b.rule, b] as const))("%s", (_rule, b) => {
    const parsed = CustomRuleSchema.safeParse({ ruleId: b.ruleId, description: "bypass", secRule: b.rule, enabled: true });
    expect(parsed.success).toBe(false);
    expect(parsed.error!.issues.some((i) => i.path[0] === "secRule" && b.refusal.test(i.message))).toBe(true);

    const input = sampleInput([sampleVhost(b.host, { customRules: [{ ruleId: b.ruleId, description: "", secRule: b.rule, enabled: true, position: 1 }] })]);
    let error: unknown;
    try {
      compileBundle(input);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CompileError);
    expect((error as CompileError).field).toBe("customRules[0].secRule");
    expect((error as CompileError).reason).toMatch(b.refusal);
  });
});

describe.skipIf(!engine.available)("the bypasses work on the real engine when written where custom rules go", { timeout: 60_000 }, () => {
  let backend: http.Server;
  let nginx: RunningNginx | undefined;
  let port = 0;
  let dir = "";

  beforeAll(async () => {
    backend = http.createServer((_req, res) => res.end("backend"));
    await new Promise<void>((resolve) => backend.listen(0, "127.0.0.1", resolve));
    const backendUrl = `http://127.0.0.1:${(backend.address() as { port: number }).port}`;
    const vhosts = [
      sampleVhost("control.test", { backendUrl }),
      ...BYPASSES.map((b) => sampleVhost(b.host, { backendUrl, customRules: [{ ruleId: b.ruleId, description: "", secRule: placeholder(b.ruleId), enabled: true, position: 1 }] })),
    ];
    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      const bundle = compileBundle(sampleInput(vhosts, { listenHttp: port, listenHttps: port === 65_535 ? 1 : port + 1, listenAddresses: ["127.0.0.1"] }));
      // What the compiler would have written before the fix: the rule text in the custom rules' place.
      for (const b of BYPASSES) {
        const file = `rules/${b.host}.conf`;
        expect(bundle.files[file]).toContain(placeholder(b.ruleId));
        bundle.files[file] = bundle.files[file]!.replace(placeholder(b.ruleId), b.rule);
      }
      dir = await writeBundle(bundle);
      expect((await checkDir(dir)).errors).toEqual([]);
      try {
        nginx = await startNginx(dir, { port });
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
  });

  it("a vhost without such a rule blocks the SQL injection", async () => {
    expect(await get(port, "control.test", SQLI)).toBe(403);
    expect(await get(port, "control.test", "/")).toBe(200);
  });

  it.each(BYPASSES.map((b) => [b.host, b] as const))("%s lets the SQL injection through (so it must never reach a bundle)", async (_host, b) => {
    expect(await get(port, b.host, SQLI, b.headers)).toBe(200);
  });
});
