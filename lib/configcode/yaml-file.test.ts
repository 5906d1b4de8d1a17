// The configuration file without a database: state ↔ YAML, the one order, and every problem at its line.
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { normalizeState, type ConfigState } from "./state";
import { parseConfigYaml, stateToYaml, type FileProblem } from "./yaml-file";

const RICH = readFileSync(path.join(path.dirname(new URL(import.meta.url).pathname), "fixtures/rich.yaml"), "utf8");
const INTERNAL = new Set(["http://127.0.0.1:8080"]);
const internal = (url: string) => INTERNAL.has(url);

function parsed(text: string) {
  const r = parseConfigYaml(text);
  if (!r.ok) throw new Error(r.problems.map((p) => `${p.line}:${p.col} ${p.path} ${p.message}`).join("\n"));
  return r.config;
}

function problems(text: string): FileProblem[] {
  const r = parseConfigYaml(text);
  if (r.ok) throw new Error("expected problems");
  return r.problems;
}

const vhost = (extra = "") => `version: 1
vhosts:
  - domain: shop.example
    backendUrl: http://10.0.0.5:8080
    policy: {engineMode: BLOCKING, blockingParanoia: 1, detectionParanoia: 1, inboundThreshold: 5, outboundThreshold: 4}
${extra}`;

describe("state ↔ YAML", () => {
  it("reads the rich fixture and writes it back byte for byte", () => {
    const config = parsed(RICH);
    expect(config.state.vhosts.map((v) => v.domain)).toEqual(["api.example.com", "intranet.example.org", "xn--bcher-kva.example"]);
    expect(config.state.templates.map((t) => t.name)).toEqual(["WordPress (strict)", "api-gateway"]);
    const idn = config.state.vhosts[2]!;
    expect(idn.aliases).toEqual(["www.xn--bcher-kva.example", "shop.xn--bcher-kva.example"]);
    expect(idn.ipDeny.map((e) => e.cidr)).toEqual(["198.51.100.23", "203.0.113.0/24", "2001:db8:bad::1", "2001:db8:dead::/48"]);
    expect(new Set(idn.exclusions.map((e) => e.kind))).toEqual(new Set(["REMOVE_BY_ID", "REMOVE_BY_TAG", "REMOVE_TARGET_BY_ID", "REMOVE_TARGET_BY_TAG"]));
    expect(config.confirmations.get("intranet.example.org")).toEqual({ internalBackend: true, wideIpRanges: true });
    expect(stateToYaml(config.state, internal)).toBe(RICH);
  });

  it("writes the same file whatever order the state comes in (vhosts, templates, lists sorted; custom rules kept)", () => {
    const state = parsed(RICH).state;
    const shuffled: ConfigState = {
      vhosts: [...state.vhosts].reverse().map((v) => ({ ...v, ipDeny: [...v.ipDeny].reverse(), exclusions: [...v.exclusions].reverse() })),
      templates: [...state.templates].reverse().map((t) => ({ ...t, exclusions: [...t.exclusions].reverse() })),
    };
    expect(stateToYaml(shuffled, internal)).toBe(RICH);
    // The evaluation order of custom rules is part of the state.
    const rules = state.vhosts[2]!.customRules;
    const swapped = { ...state, vhosts: state.vhosts.map((v, i) => (i === 2 ? { ...v, customRules: [...rules].reverse() } : v)) };
    expect(stateToYaml(swapped, internal)).not.toBe(RICH);
  });

  it("takes Unicode domains and writes punycode with the readable name beside it", () => {
    const text = vhost().replace("shop.example", "bücher.example");
    const state = parsed(text).state;
    expect(state.vhosts[0]!.domain).toBe("xn--bcher-kva.example");
    expect(stateToYaml(state, internal)).toContain("  - domain: xn--bcher-kva.example # bücher.example\n");
  });

  it("fills in what a vhost may leave out, as the panel's form starts", () => {
    const v = parsed(vhost()).state.vhosts[0]!;
    expect(v).toMatchObject({ aliases: [], tlsMode: "NONE", certificateRef: null, hsts: false, minTlsVersion: "TLS1_2", enabled: true, ipAllow: [], ipDeny: [], customRules: [], exclusions: [] });
    expect(normalizeState(parsed("version: 1\n").state)).toEqual({ vhosts: [], templates: [] });
  });
});

describe("problems, each at its line", () => {
  it("a YAML syntax error at its line and column", () => {
    const p = problems("version: 1\nvhosts:\n  - domain: [a\n");
    expect(p[0]).toMatchObject({ line: 4, path: "(file)" });
    expect(p[0]!.message).toMatch(/^YAML: /);
    const dup = problems("version: 1\nversion: 1\n");
    expect(dup[0]).toMatchObject({ line: 2, col: 1 });
    expect(dup[0]!.message).toMatch(/unique/i);
  });

  it("a schema message at the line of the key it is about", () => {
    const text = vhost().replace("backendUrl: http://10.0.0.5:8080", "backendUrl: ftp://10.0.0.5").replace("blockingParanoia: 1, detectionParanoia: 1", "blockingParanoia: 7, detectionParanoia: 1");
    const p = problems(text);
    expect(p.find((x) => x.path === "vhosts[0].backendUrl")).toMatchObject({ line: 4, col: 5 });
    expect(p.find((x) => x.path === "vhosts[0].policy.blockingParanoia")).toMatchObject({ line: 5, message: "The blocking paranoia level goes from 1 to 4." });
  });

  it("unknown keys, missing keys and wrong shapes", () => {
    const p = problems(`version: 1
vhosts:
  - domain: a.example
    backendUrl: http://a:1
    policy: {engineMode: BLOCKING, blockingParanoia: 1, detectionParanoia: 1, inboundThreshold: 5, outboundThreshold: 4}
    tlsmode: TERMINATE
  - domain: b.example
    backendUrl: http://b:1
  - just text
templates: {}
`);
    expect(p).toEqual([
      { line: 6, col: 5, path: "vhosts[0].tlsmode", message: 'Unknown key "tlsmode".' },
      { line: 7, col: 5, path: "vhosts[1].policy", message: '"policy" is missing.' },
      { line: 9, col: 5, path: "vhosts[2]", message: "Expected a mapping (key: value lines) here." },
      { line: 10, col: 1, path: "templates", message: "Expected a list (lines starting with '- ') here." },
    ]);
    expect(problems("vhosts: []\n")[0]).toMatchObject({ line: 1, col: 1, path: "version" });
  });

  it("keys listed twice, naming the line of the first", () => {
    const text = `${vhost(`    customRules:
      - ruleId: 10001
        description: one
        secRule: SecRule ARGS "@rx a" "id:10001,phase:2,deny"
  - domain: SHOP.example.
    backendUrl: http://10.0.0.6:8080
    policy: {engineMode: BLOCKING, blockingParanoia: 1, detectionParanoia: 1, inboundThreshold: 5, outboundThreshold: 4}
  - domain: other.example
    backendUrl: http://10.0.0.7:8080
    policy: {engineMode: BLOCKING, blockingParanoia: 1, detectionParanoia: 1, inboundThreshold: 5, outboundThreshold: 4}
    customRules:
      - ruleId: 10001
        description: two
        secRule: SecRule ARGS "@rx b" "id:10001,phase:2,deny"
`)}`;
    expect(problems(text)).toEqual([
      { line: 10, col: 5, path: "vhosts[1].domain", message: "The virtual host shop.example is listed twice (first at line 3)." },
      { line: 17, col: 9, path: "vhosts[2].customRules[0].ruleId", message: "Custom rule id 10001 (ids are unique across all virtual hosts) is listed twice (first at line 7)." },
    ]);
  });

  it("IP entries checked together as the panel checks a paste, and wide allow lists need the file's confirmation", () => {
    const text = vhost(`    ipAllow:
      - cidr: 10.0.0.0/7
      - cidr: 192.0.2.5/24
    ipDeny:
      - cidr: "2001:db8::/32"
      - cidr: "2001:DB8::/32"
`);
    const p = problems(text);
    expect(p.map((x) => [x.line, x.path])).toEqual([
      [7, "vhosts[0].ipAllow[0]"],
      [8, "vhosts[0].ipAllow[1].cidr"],
      [11, "vhosts[0].ipDeny[1]"],
    ]);
    expect(p[0]!.message).toMatch(/add "confirmWideIpRanges: true" to this virtual host\.$/);
    expect(p[1]!.message).toMatch(/host bits set/);
    expect(p[2]!.message).toMatch(/duplicate/);
    expect(parseConfigYaml(vhost("    confirmWideIpRanges: true\n    ipAllow:\n      - cidr: 10.0.0.0/7\n")).ok).toBe(true);
    // Denying everything needs it too, and the export writes it where the stored lists need it.
    expect(problems(vhost('    ipDeny:\n      - cidr: "::/0"\n'))[0]!.message).toMatch(/^::\/0 covers every address\. To store it, add "confirmWideIpRanges: true"/);
    const denyAll = parsed(vhost('    confirmWideIpRanges: true\n    ipDeny:\n      - cidr: "::/0"\n'));
    expect(stateToYaml(denyAll.state, internal)).toContain("    ipDeny:\n      - cidr: ::/0\n    confirmWideIpRanges: true\n");
    expect(stateToYaml(parsed(vhost()).state, internal)).not.toContain("confirmWideIpRanges");
  });

  it("exclusions: the schema's rules, a field the kind does not use, the same exclusion twice", () => {
    const text = vhost(`    exclusions:
      - {kind: REMOVE_BY_TAG, tag: attack-sqli, ruleId: 942100}
      - {kind: REMOVE_BY_ID, ruleId: 949110}
      - {kind: REMOVE_BY_ID, ruleId: 942100, note: a}
      - {kind: REMOVE_BY_ID, ruleId: 942100, note: b}
      - {kind: NOPE}
`);
    const p = problems(text);
    expect(p.map((x) => [x.line, x.path])).toEqual([
      [7, "vhosts[0].exclusions[0].ruleId"],
      [8, "vhosts[0].exclusions[1].ruleId"],
      [10, "vhosts[0].exclusions[3].kind"],
      [11, "vhosts[0].exclusions[4].kind"],
    ]);
    expect(p[0]!.message).toBe('"ruleId" is not used by REMOVE_BY_TAG: remove it.');
    expect(p[1]!.message).toMatch(/turns? the anomaly score into a block/);
    expect(p[2]!.message).toBe("This exclusion (notes aside) is listed twice (first at line 9).");
  });

  it("templates: the template form's schema, and built-in names are Palisade's", () => {
    const text = `version: 1
templates:
  - name: balanced
    engineMode: BLOCKING
    blockingParanoia: 1
    detectionParanoia: 1
    inboundThreshold: 5
    outboundThreshold: 4
  - name: mine
    engineMode: BLOCKING
    blockingParanoia: 1
    detectionParanoia: 1
    inboundThreshold: 0
    outboundThreshold: 4
    exclusions:
      - {kind: REMOVE_BY_ID, ruleId: "942100"}
`;
    const p = problems(text);
    expect(p.map((x) => [x.line, x.path])).toEqual([
      [3, "templates[0].name"],
      [13, "templates[1].inboundThreshold"],
      [16, "templates[1].exclusions[0].ruleId"],
    ]);
    expect(p[0]!.message).toMatch(/built-in template/);
  });

  it("a custom rule whose SecRule is invalid, at the secRule key", () => {
    const p = problems(vhost(`    customRules:
      - ruleId: 10001
        description: bad
        secRule: SecRule ARGS "@rx a" "id:10002,phase:2,deny"
`));
    expect(p).toHaveLength(1);
    expect(p[0]).toMatchObject({ line: 9, col: 9, path: "vhosts[0].customRules[0].secRule" });
  });
});
