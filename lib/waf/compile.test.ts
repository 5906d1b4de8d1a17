// Golden-file tests of the config compiler. Regenerate the golden files with
//   UPDATE_GOLDEN=1 npx vitest run --project unit lib/waf/compile.test.ts
// and review the diff: it is exactly what changes on every deployed node.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseCidr } from "@/lib/policies/cidr";
import { compileBundle, ipMatchOperands } from "./compile";
import { parseBundle, parseModSecurity, parseNginx } from "./parse-directives";
import { DEFAULT_POLICY, SAMPLE_INPUT, sampleInput, sampleVhost } from "./samples";
import type { Bundle, CompileInput, ExclusionInput, VhostInput } from "./types";
import { CompileError } from "./types";

const GOLDEN_DIR = path.join(path.dirname(new URL(import.meta.url).pathname), "__golden__");

function render(bundle: Bundle): string {
  return Object.entries(bundle.files)
    .map(([file, text]) => `==> ${file} <==\n${text}`)
    .join("\n");
}

function expectGolden(name: string, bundle: Bundle): void {
  const file = path.join(GOLDEN_DIR, `${name}.txt`);
  const actual = render(bundle);
  if (process.env.UPDATE_GOLDEN === "1" || !existsSync(file)) {
    mkdirSync(GOLDEN_DIR, { recursive: true });
    writeFileSync(file, actual);
    if (process.env.UPDATE_GOLDEN !== "1") throw new Error(`golden file ${name}.txt was missing and has been written: review and re-run`);
    return;
  }
  expect(actual).toBe(readFileSync(file, "utf8"));
}

const exclusion = (e: Partial<ExclusionInput> & Pick<ExclusionInput, "kind">): ExclusionInput => ({
  ruleId: null,
  ruleIdEnd: null,
  tag: null,
  target: null,
  pathPrefix: null,
  note: null,
  ...e,
});

const CASES: Record<string, CompileInput> = {
  "blocking-p1-default": sampleInput([sampleVhost("app.example.com")]),

  "detection-only-p2-ip-lists": sampleInput([
    sampleVhost("intranet.example.org", {
      policy: { ...DEFAULT_POLICY, engineMode: "DETECTION_ONLY", blockingParanoia: 2, detectionParanoia: 2 },
      ipEntries: [
        { kind: "DENY", cidr: "198.51.100.7/32", note: "single address written with /32" },
        { kind: "DENY", cidr: "2001:DB8::1/128", note: null },
        { kind: "DENY", cidr: "10.66.3.4/16", note: "host bits set: the network 10.66.0.0/16" },
        { kind: "DENY", cidr: "10.66.0.0/16", note: "same range again" },
        { kind: "DENY", cidr: "2001:db8:abcd::/48", note: "line\nbreak and \\ backslash in a note" },
        { kind: "ALLOW", cidr: "192.0.2.0/24", note: "monitoring" },
        { kind: "ALLOW", cidr: "fd00::/8", note: null },
      ],
    }),
  ]),

  "engine-off": sampleInput([
    sampleVhost("legacy.example.net", {
      policy: { ...DEFAULT_POLICY, engineMode: "OFF" },
      ipEntries: [{ kind: "DENY", cidr: "203.0.113.9", note: null }],
      exclusions: [exclusion({ kind: "REMOVE_BY_ID", ruleId: 942100 })],
      customRules: [{ ruleId: 7, description: "", secRule: `SecAction "id:7,phase:1,pass,nolog"`, enabled: true, position: 0 }],
    }),
  ]),

  "tls-terminate-hsts-aliases": sampleInput([
    sampleVhost("secure.example.com", {
      aliases: ["www.secure.example.com", "*.cdn.example.com", "SECURE.example.com", "www.secure.example.com"],
      backendUrl: "https://backend.internal:8443/app/",
      tlsMode: "TERMINATE",
      certificateRef: "secure.example.com",
      hsts: true,
      minTlsVersion: "TLS1_2",
    }),
  ]),

  "tls-redirect-tls13": sampleInput(
    [
      sampleVhost("redirect.example.com", {
        tlsMode: "REDIRECT",
        certificateRef: "redirect-2026",
        hsts: false,
        minTlsVersion: "TLS1_3",
        backendUrl: "http://[::1]:8080",
      }),
    ],
    { listenHttp: 8080, listenHttps: 8443, certDir: "/etc/palisade/certs" },
  ),

  "exclusions-every-kind": sampleInput([
    sampleVhost("tuned.example.com", {
      exclusions: [
        exclusion({ kind: "REMOVE_BY_ID", ruleId: 920350, note: "health checks use the IP as Host" }),
        exclusion({ kind: "REMOVE_BY_ID", ruleId: 942100, ruleIdEnd: 942199 }),
        exclusion({ kind: "REMOVE_BY_TAG", tag: "attack-xss" }),
        exclusion({ kind: "REMOVE_TARGET_BY_ID", ruleId: 942100, target: "ARGS:password" }),
        exclusion({ kind: "REMOVE_TARGET_BY_TAG", tag: "attack-sqli", target: "REQUEST_COOKIES:/^session_/" }),
        exclusion({ kind: "REMOVE_BY_ID", ruleId: 941100, ruleIdEnd: 941999, pathPrefix: "/cms/editor" }),
        exclusion({ kind: "REMOVE_BY_TAG", tag: "paranoia-level/2", pathPrefix: "/api/" }),
        exclusion({ kind: "REMOVE_TARGET_BY_ID", ruleId: 942100, target: "ARGS:q", pathPrefix: "/search", note: "free-text search" }),
        exclusion({ kind: "REMOVE_TARGET_BY_TAG", tag: "OWASP_CRS/WEB_ATTACK/SQL_INJECTION", target: "ARGS:user[name]", pathPrefix: "/login" }),
      ],
    }),
  ]),

  "custom-rules": sampleInput([
    sampleVhost("custom.example.com", {
      customRules: [
        {
          ruleId: 1002,
          description: "Second by position",
          secRule: `SecRule REQUEST_HEADERS:User-Agent "@contains badbot" "id:1002,phase:1,deny,status:403,log,msg:'Bad bot, go away'"`,
          enabled: true,
          position: 20,
        },
        {
          ruleId: 1001,
          description: "First by position; a regex with an escaped quote",
          secRule: `SecRule ARGS:q "@rx ^\\"admin\\"$" "id:1001,phase:2,deny,status:403,log,t:none,msg:'Quoted admin'"`,
          enabled: true,
          position: 10,
        },
        {
          ruleId: 1003,
          description: "Disabled: not in the bundle",
          secRule: `SecRule ARGS "@contains x" "id:1003,phase:2,deny"`,
          enabled: false,
          position: 5,
        },
      ],
    }),
  ]),

  crs4: sampleInput(
    [sampleVhost("modern.example.com", { policy: { ...DEFAULT_POLICY, blockingParanoia: 2, detectionParanoia: 3, inboundThreshold: 10, outboundThreshold: 8 } })],
    { crsVersion: "4", crsSetupPath: "/etc/modsecurity/crs4/crs-setup.conf", crsRulesDir: "/usr/share/modsecurity-crs4/rules" },
  ),

  "several-vhosts-absolute-paths": sampleInput(
    [
      sampleVhost("b.example.com"),
      sampleVhost("a.example.com", { tlsMode: "TERMINATE", certificateRef: "a", hsts: false }),
      sampleVhost("disabled.example.com", { enabled: false, backendUrl: "not even a url" }),
    ],
    { listenAddresses: ["192.0.2.1", "2001:db8::1"], installDir: "/var/lib/palisade/current" },
  ),

  sample: SAMPLE_INPUT,
};

describe("compileBundle golden files", () => {
  for (const [name, input] of Object.entries(CASES)) {
    it(name, () => {
      const bundle = compileBundle(input);
      expectGolden(name, bundle);
      // Every generated file parses back (no stray quotes or braces).
      expect(() => parseBundle(bundle)).not.toThrow();
    });
  }
});

// ModSecurity's recommended configuration, in its order.
const BODY_PROCESSOR_RULES = [
  ["SecRule", "REQUEST_HEADERS:Content-Type", "^(?:application(?:/soap[+]|/)|text/)xml", "id:200000,phase:1,t:none,t:lowercase,pass,nolog,ctl:requestBodyProcessor=XML"],
  ["SecRule", "REQUEST_HEADERS:Content-Type", "^application/json", "id:200001,phase:1,t:none,t:lowercase,pass,nolog,ctl:requestBodyProcessor=JSON"],
  ["SecRule", "&ARGS", "@ge 1000", "id:200007,phase:2,t:none,log,deny,status:400,msg:'Failed to fully parse request body due to large argument count',severity:2"],
  ["SecRule", "REQBODY_ERROR", "!@eq 0", "id:200002,phase:2,t:none,log,deny,status:400,msg:'Failed to parse request body.',logdata:'%{reqbody_error_msg}',severity:2"],
  ["SecRule", "MULTIPART_STRICT_ERROR", "!@eq 0", "id:200003,phase:2,t:none,log,deny,status:400,msg:'Multipart request body failed strict validation',severity:2"],
  ["SecRule", "MULTIPART_UNMATCHED_BOUNDARY", "@eq 1", "id:200004,phase:2,t:none,log,deny,msg:'Multipart parser detected a possible unmatched boundary.'"],
  ["SecRule", "TX:/^MSC_/", "!@streq 0", "id:200005,phase:2,t:none,deny,msg:'ModSecurity internal error flagged: %{MATCHED_VAR_NAME}'"],
];

describe("compileBundle directive lists", () => {
  it("keeps every rule out of main.conf and response body access off (phase 4 cannot change a response on nginx)", () => {
    const bundle = compileBundle(CASES.sample!);
    const main = parseModSecurity(bundle.files["modsecurity/main.conf"]!, "modsecurity/main.conf");
    // The connector runs an http-level file's rules after the vhost's: none may live there.
    expect(main.filter((d) => d.name === "SecRule" || d.name === "SecAction")).toEqual([]);
    expect(main.filter((d) => d.name.startsWith("SecResponseBody")).map((d) => [d.name, ...d.args])).toEqual([["SecResponseBodyAccess", "Off"]]);
  });

  it("loads the body-processor rules in every vhost that runs the engine, ahead of the CRS", () => {
    const bundle = compileBundle(
      sampleInput([
        sampleVhost("block.example.com"),
        sampleVhost("detect.example.com", { policy: { ...DEFAULT_POLICY, engineMode: "DETECTION_ONLY", blockingParanoia: 4, detectionParanoia: 4 } }),
        sampleVhost("off.example.com", { policy: { ...DEFAULT_POLICY, engineMode: "OFF" } }),
      ]),
    );
    for (const domain of ["block.example.com", "detect.example.com"]) {
      const rules = parseModSecurity(bundle.files[`rules/${domain}.conf`]!, domain).map((d) => [d.name, ...d.args]);
      const first = rules.findIndex((r) => r[3]?.startsWith("id:200000,"));
      expect(rules.slice(first, first + BODY_PROCESSOR_RULES.length), domain).toEqual(BODY_PROCESSOR_RULES);
      expect(first, domain).toBeLessThan(rules.findIndex((r) => r[0] === "Include"));
    }
    expect(bundle.files["rules/off.example.com.conf"]).not.toContain("id:2000");
  });

  it("writes exclusions before and after the CRS include as expected", () => {
    const bundle = compileBundle(CASES["exclusions-every-kind"]!);
    const rules = parseModSecurity(bundle.files["rules/tuned.example.com.conf"]!, "rules/tuned.example.com.conf").map((d) => [d.name, ...d.args]);
    const t = "t:none,t:urlDecodeUni,t:normalizePathWin";
    expect(rules).toEqual([
      ["SecRuleEngine", "On"],
      ["SecComponentSignature", "palisade-vhost/tuned.example.com"],
      ...BODY_PROCESSOR_RULES,
      ["Include", "/etc/modsecurity/crs/crs-setup.conf"],
      ["SecAction", "id:900000,phase:1,nolog,pass,t:none,setvar:tx.paranoia_level=1,setvar:tx.executing_paranoia_level=1"],
      ["SecAction", "id:900110,phase:1,nolog,pass,t:none,setvar:tx.inbound_anomaly_score_threshold=5,setvar:tx.outbound_anomaly_score_threshold=4"],
      ["SecRule", "REQUEST_FILENAME", "@beginsWith /api/", `id:91000,phase:1,pass,nolog,${t},ctl:ruleRemoveByTag=paranoia-level/2`],
      ["SecRule", "REQUEST_FILENAME", "@beginsWith /cms/editor", `id:91001,phase:1,pass,nolog,${t},ctl:ruleRemoveById=941100-941999`],
      ["SecRule", "REQUEST_FILENAME", "@beginsWith /login", `id:91002,phase:1,pass,nolog,${t},ctl:ruleRemoveTargetByTag=OWASP_CRS/WEB_ATTACK/SQL_INJECTION;ARGS:user[name]`],
      ["SecRule", "REQUEST_FILENAME", "@beginsWith /search", `id:91003,phase:1,pass,nolog,${t},ctl:ruleRemoveTargetById=942100;ARGS:q`],
      ["Include", "/usr/share/modsecurity-crs/rules/*.conf"],
      ["SecRuleRemoveById", "920350"],
      ["SecRuleRemoveById", "942100-942199"],
      ["SecRuleRemoveByTag", "attack-xss"],
      ["SecRuleUpdateTargetById", "942100", "!ARGS:password"],
      ["SecRuleUpdateTargetByTag", "attack-sqli", "!REQUEST_COOKIES:/^session_/"],
    ]);
  });

  it("puts each enabled vhost in its own server block with its own rules file", () => {
    const bundle = compileBundle(CASES["several-vhosts-absolute-paths"]!);
    expect(Object.keys(bundle.files)).toEqual([
      "modsecurity/main.conf",
      "nginx.conf",
      "rules/a.example.com.conf",
      "rules/b.example.com.conf",
      "vhosts/a.example.com.conf",
      "vhosts/b.example.com.conf",
    ]);
    const includes = parseNginx(bundle.files["nginx.conf"]!).filter((d) => d.name === "include");
    expect(includes.map((d) => d.args)).toEqual([["vhosts/a.example.com.conf"], ["vhosts/b.example.com.conf"]]);
    const a = parseNginx(bundle.files["vhosts/a.example.com.conf"]!);
    expect(a.filter((d) => d.name === "listen").map((d) => d.args)).toEqual([
      ["192.0.2.1:80"],
      ["[2001:db8::1]:80"],
      ["192.0.2.1:443", "ssl"],
      ["[2001:db8::1]:443", "ssl"],
    ]);
    expect(a.find((d) => d.name === "modsecurity_rules_file")?.args).toEqual(["/var/lib/palisade/current/rules/a.example.com.conf"]);
  });

  it("redirects plain HTTP to the HTTPS port for REDIRECT", () => {
    const bundle = compileBundle(CASES["tls-redirect-tls13"]!);
    const d = parseNginx(bundle.files["vhosts/redirect.example.com.conf"]!);
    expect(d.find((x) => x.name === "return")?.args).toEqual(["301", "https://$host:8443$request_uri"]);
    expect(d.find((x) => x.name === "ssl_protocols")?.args).toEqual(["TLSv1.3"]);
    expect(d.filter((x) => x.name === "modsecurity").map((x) => x.context)).toEqual([["server"]]);
  });
});

describe("determinism", () => {
  function shuffled<T>(items: T[], seed: number): T[] {
    const out = [...items];
    let s = seed;
    for (let i = out.length - 1; i > 0; i--) {
      s = (s * 1103515245 + 12345) & 0x7fffffff;
      const j = s % (i + 1);
      [out[i], out[j]] = [out[j]!, out[i]!];
    }
    return out;
  }
  const shuffleVhost = (v: VhostInput, seed: number): VhostInput => ({
    ...v,
    aliases: shuffled(v.aliases, seed),
    ipEntries: shuffled(v.ipEntries, seed + 1),
    exclusions: shuffled(v.exclusions, seed + 2),
    customRules: shuffled(v.customRules, seed + 3),
  });

  it("gives byte-identical output for shuffled input", () => {
    const all = sampleInput(Object.values(CASES).flatMap((c) => c.vhosts.filter((v) => v.domain !== "a.example.com" && v.domain !== "b.example.com")));
    const expected = render(compileBundle(all));
    for (let seed = 1; seed <= 20; seed++) {
      const input = { ...all, vhosts: shuffled(all.vhosts, seed).map((v, i) => shuffleVhost(v, seed * 31 + i)) };
      expect(render(compileBundle(input))).toBe(expected);
    }
  });
});

describe("refusals", () => {
  const base = () => sampleVhost("app.example.com");
  const refuse = (v: VhostInput, field: string | RegExp) => {
    let error: unknown;
    try {
      compileBundle(sampleInput([v]));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CompileError);
    const ce = error as CompileError;
    expect(ce.vhost).toBe(v.domain);
    if (typeof field === "string") expect(ce.field).toBe(field);
    else expect(ce.field).toMatch(field);
    return ce;
  };

  it.each([
    ["app.example.com;", "domain"],
    ["app example.com", "domain"],
    ["app.example.com\nserver_name evil", "domain"],
    ["-app.example.com", "domain"],
    ["*.example.com", "domain"],
    ["app..example.com", "domain"],
    ["münchen.example", "domain"],
  ])("a domain like %j", (domain, field) => {
    refuse({ ...base(), domain }, field);
  });

  it.each([
    "http://127.0.0.1:3000;",
    "http://127.0.0.1:3000/ x",
    'http://127.0.0.1:3000/"',
    "http://127.0.0.1:3000/{a}",
    "http://127.0.0.1:3000/$host",
    "http://user:pw@127.0.0.1",
    "http://127.0.0.1/?q=1",
    "ftp://127.0.0.1",
    "http://127.0.0.1:70000",
    "http://[::1",
    "http://999.1.1.1",
  ])("a backend URL like %j", (backendUrl) => {
    refuse({ ...base(), backendUrl }, "backendUrl");
  });

  it("a TLS mode without a certificate", () => {
    refuse({ ...base(), tlsMode: "TERMINATE", certificateRef: null }, "certificateRef");
    refuse({ ...base(), tlsMode: "REDIRECT", certificateRef: "../../etc/ssl/x" }, "certificateRef");
  });

  it.each(["10.0.0.0/33", "10.0.0", "10.0.0.1 ", "::ffff:10.0.0.1", "fe80::1%eth0", "10.0.0.1,10.0.0.2", "0x0a.0.0.1"])("an IP entry like %j", (cidr) => {
    refuse({ ...base(), ipEntries: [{ kind: "DENY", cidr: `${cidr}\n`, note: null }] }, "ipEntries[0].cidr");
    refuse({ ...base(), ipEntries: [{ kind: "DENY", cidr, note: null }] }, "ipEntries[0].cidr");
  });

  it("detection paranoia below blocking paranoia, and out-of-range numbers", () => {
    refuse({ ...base(), policy: { ...DEFAULT_POLICY, blockingParanoia: 2, detectionParanoia: 1 } }, "policy.detectionParanoia");
    refuse({ ...base(), policy: { ...DEFAULT_POLICY, blockingParanoia: 5, detectionParanoia: 5 } }, "policy.blockingParanoia");
    refuse({ ...base(), policy: { ...DEFAULT_POLICY, inboundThreshold: 0 } }, "policy.inboundThreshold");
    refuse({ ...base(), policy: { ...DEFAULT_POLICY, outboundThreshold: 2.5 } }, "policy.outboundThreshold");
  });

  it.each([
    [exclusion({ kind: "REMOVE_TARGET_BY_ID", ruleId: 942100, ruleIdEnd: 942199, target: "ARGS:a" }), "exclusions[0].ruleIdEnd"],
    [exclusion({ kind: "REMOVE_BY_ID", ruleId: 90100 }), "exclusions[0].ruleId"],
    [exclusion({ kind: "REMOVE_BY_ID", ruleId: 1, ruleIdEnd: 999999 }), "exclusions[0].ruleId"],
    [exclusion({ kind: "REMOVE_BY_ID", ruleId: 900000, ruleIdEnd: 999999 }), "exclusions[0].ruleIdEnd"],
    // Accepted here before, refused by the exclusion form: the blocking evaluation, a custom rule's id, "//" in a path.
    [exclusion({ kind: "REMOVE_BY_ID", ruleId: 949110 }), "exclusions[0].ruleId"],
    [exclusion({ kind: "REMOVE_BY_ID", ruleId: 949000, ruleIdEnd: 949200 }), "exclusions[0].ruleIdEnd"],
    [exclusion({ kind: "REMOVE_TARGET_BY_ID", ruleId: 959100, target: "ARGS:a" }), "exclusions[0].ruleId"],
    [exclusion({ kind: "REMOVE_BY_ID", ruleId: 1001 }), "exclusions[0].ruleId"],
    [exclusion({ kind: "REMOVE_BY_ID", ruleId: 942100, pathPrefix: "/a//b" }), "exclusions[0].pathPrefix"],
    [exclusion({ kind: "REMOVE_BY_ID", ruleId: 942100, pathPrefix: `/${"a".repeat(300)}` }), "exclusions[0].pathPrefix"],
    [exclusion({ kind: "REMOVE_BY_ID", ruleId: 942100, target: "ARGS:a" }), "exclusions[0].target"],
    [exclusion({ kind: "REMOVE_BY_TAG", tag: "attack-sqli\nSecRuleEngine Off" }), "exclusions[0].tag"],
    [exclusion({ kind: "REMOVE_BY_TAG", tag: null }), "exclusions[0].tag"],
    [exclusion({ kind: "REMOVE_TARGET_BY_TAG", tag: "attack-sqli", target: 'ARGS:a" "id:1' }), "exclusions[0].target"],
    [exclusion({ kind: "REMOVE_TARGET_BY_TAG", tag: "attack-sqli", target: "ARGS:/^a/", pathPrefix: "/x" }), "exclusions[0].target"],
    [exclusion({ kind: "REMOVE_BY_ID", ruleId: 942100, pathPrefix: "/a/../admin" }), "exclusions[0].pathPrefix"],
    [exclusion({ kind: "REMOVE_BY_ID", ruleId: 942100, pathPrefix: 'x"' }), "exclusions[0].pathPrefix"],
    [exclusion({ kind: "REMOVE_BY_ID", ruleId: 942100, pathPrefix: "/%{tx.x}" }), "exclusions[0].pathPrefix"],
  ])("an exclusion %#", (e, field) => {
    refuse({ ...base(), exclusions: [e] }, field);
  });

  const rule = (secRule: string, ruleId = 1001) => ({ ruleId, description: "", secRule, enabled: true, position: 1 });
  it.each([
    [`SecRule ARGS "@rx a" "id:1001,phase:1,deny" SecRuleEngine Off`, /second directive/],
    [`SecRule ARGS "@rx a" "id:1001,phase:1,deny"\nSecRuleEngine Off`, /line break/],
    [`SecRule ARGS "@rx a" "id:1001,phase:1,deny" # comment`, /Unexpected text after the actions/],
    [`SecRuleEngine Off`, /'SecRuleEngine' is not allowed/],
    [`Include /etc/shadow`, /'Include' is not allowed/],
    [`SecAuditLog /etc/cron.d/x`, /'SecAuditLog' is not allowed/],
    [`SecRule ARGS "@rx a" "id:1002,phase:1,deny"`, /id:1002, but this custom rule's id is 1001/],
    [`SecRule ARGS "@rx a" "phase:1,deny"`, /id action is missing/],
    [`SecRule ARGS "@rx a" "id:1001,phase:1,deny,chain"`, /chain is not allowed/],
    [`SecRule ARGS "@rx a\\\\" "id:1001,phase:1,deny"`, /backslash/i],
    [`SecRule ARGS "@rx a" "id:1001,msg:'a\\" SecRuleEngine Off \\"'"`, /double quote/],
    [`SecRule ARGS "@rx a" "id:1001,phase:1,exec:/tmp/x.lua"`, /exec is not allowed/],
    [`SecRule ARGS "@inspectFile /bin/sh" "id:1001,phase:1,deny"`, /@inspectFile is not allowed/],
    [`SecRule ARGS "@pmFromFile https://evil.example/x" "id:1001,phase:1,deny"`, /@pmFromFile is not allowed/],
    [`SecRule ARGS "@rx a"x "id:1001,phase:1,deny"`, /ends the operator early/],
    [`SecRule ARGS "@rx a`, /never closed/],
    [`SecRule ARGS "@rx a" "id:1001,phase:1,msg:'it's'"`, /Expected a comma/],
    // Stored before the checks were tightened: refused with the form's message, never a crash.
    [`SecRule REQUEST_METHOD "@streq POST" "id:1001,phase:2,deny,chain" SecRule REQUEST_FILENAME "@beginsWith /readonly" "t:none"`, /second directive/],
    [`SecRule REQUEST_METHOD "@unconditionalMatch" "id:1001,phase:1,pass,nolog,ctl:ruleEngine=Off"`, /ctl:ruleEngine is refused/],
    [`SecRule REQUEST_HEADERS:X-Debug "@streq 1" "id:1001,phase:1,allow"`, /allow action is refused/],
  ])("a custom rule %j", (secRule, reason) => {
    const e = refuse({ ...base(), customRules: [rule(secRule)] }, "customRules[0].secRule");
    expect(e.reason).toMatch(reason);
    expect(e.reason).toMatch(/^custom rule 1001 is refused, /);
    expect(e.reason).toMatch(/Edit or disable it on the vhost's Custom rules page\.$/);
  });
  it("a custom rule id outside 1-89999 or used twice", () => {
    refuse({ ...base(), customRules: [rule(`SecRule ARGS "@rx a" "id:90001,phase:1,deny"`, 90001)] }, "customRules[0].ruleId");
    const twice = sampleInput([
      sampleVhost("a.example.com", { customRules: [rule(`SecAction "id:5,phase:1,pass"`, 5)] }),
      sampleVhost("b.example.com", { customRules: [rule(`SecAction "id:5,phase:1,pass"`, 5)] }),
    ]);
    expect(() => compileBundle(twice)).toThrow(/rule id 5 is also used by vhost a.example.com/);
  });

  it("a name served by two vhosts", () => {
    const input = sampleInput([sampleVhost("a.example.com"), sampleVhost("b.example.com", { aliases: ["A.example.com"] })]);
    expect(() => compileBundle(input)).toThrow(/a.example.com is already served by vhost a.example.com/);
  });

  it("bad settings, naming the setting", () => {
    const bad = (settings: Partial<CompileInput["settings"]>, field: string) => {
      try {
        compileBundle(sampleInput([base()], settings));
        expect.unreachable();
      } catch (e) {
        expect(e).toBeInstanceOf(CompileError);
        expect((e as CompileError).vhost).toBeNull();
        expect((e as CompileError).field).toBe(field);
      }
    };
    bad({ crsSetupPath: "/etc/x.conf\nSecRuleEngine Off" }, "settings.crsSetupPath");
    bad({ certDir: "certs dir" }, "settings.certDir");
    bad({ listenHttps: 80 }, "settings.listenHttps");
    bad({ listenAddresses: ["localhost"] }, "settings.listenAddresses[0]");
    bad({ installDir: "relative/dir" }, "settings.installDir");
  });

  it("turns hostile notes and descriptions into harmless comments", () => {
    const v = {
      ...base(),
      ipEntries: [{ kind: "DENY" as const, cidr: "192.0.2.1", note: "x\nSecRuleEngine Off\r\n}\u2028include /etc/passwd; \\" }],
      customRules: [{ ...rule(`SecAction "id:1001,phase:1,pass,nolog"`), description: "y\nSecRuleEngine Off" }],
    };
    const bundle = compileBundle(sampleInput([v]));
    const names = parseModSecurity(bundle.files["rules/app.example.com.conf"]!).map((d) => d.name);
    expect(names.filter((n) => n === "SecRuleEngine")).toHaveLength(1);
    expect(bundle.files["rules/app.example.com.conf"]).toContain("# deny 192.0.2.1 - x?SecRuleEngine Off??}?include /etc/passwd; ?");
  });
});

describe("ipMatchOperands", () => {
  const c = (text: string, family: 4 | 6, prefix: number) => ({ family, bytes: [], prefix, text });
  it("writes an entry as itself, and /0 as its two halves (ModSecurity 3 rejects @ipMatch 0.0.0.0/0)", () => {
    expect(ipMatchOperands(c("10.0.0.0/8", 4, 8))).toEqual(["10.0.0.0/8"]);
    expect(ipMatchOperands(c("::1", 6, 128))).toEqual(["::1"]);
    expect(ipMatchOperands(c("0.0.0.0/0", 4, 0))).toEqual(["0.0.0.0/1", "128.0.0.0/1"]);
    expect(ipMatchOperands(c("::/0", 6, 0))).toEqual(["::/1", "8000::/1"]);
    for (const half of [...ipMatchOperands(c("0.0.0.0/0", 4, 0)), ...ipMatchOperands(c("::/0", 6, 0))]) {
      const parsed = parseCidr(half);
      expect(parsed.ok && parsed.value.canonical).toBe(half);
      expect(parsed.ok && parsed.value.prefixLength).toBe(1);
    }
  });
});
