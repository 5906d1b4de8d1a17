// One validator per input (issue 14, item 4): the custom rule and exclusion forms' schemas, the actions
// (which parse with the same schemas) and the compiler agree. Everything the schema accepts compiles and
// loads in the real engine (modsec-rules-check, one batch per input kind); everything the compiler
// refuses, the schema refuses with a message on a field.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exclusionToColumns, RuleExclusionSchema, type RuleExclusionInput } from "@/lib/rules/exclusions";
import { CustomRuleSchema } from "@/lib/rules/secrule";
import { compileBundle } from "./compile";
import { findEngine, writeBundle } from "./engine";
import { sampleInput, sampleVhost } from "./samples";
import { CompileError, type CustomRuleInput, type ExclusionInput, type VhostInput } from "./types";

const RULES_CHECK = "/usr/lib/x86_64-linux-gnu/libexec/modsec-rules-check";
const engine = findEngine();
const engineReady = engine.available && existsSync(RULES_CHECK);
if (!engineReady) console.warn("[lib/waf/forms-agree.test.ts] engine check skipped: ModSecurity or modsec-rules-check is missing");

let root = "";
let stubSettings = {};
beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), "palisade-agree-"));
  // A stub CRS keeps the check fast and makes it about the custom rules and exclusions alone.
  await writeBundle({ files: { "crs-setup.conf": "# stub\n", "rules/empty.conf": "# stub\n" } }, { dir: path.join(root, "crs") });
  stubSettings = { crsSetupPath: path.join(root, "crs/crs-setup.conf"), crsRulesDir: path.join(root, "crs/rules") };
});
afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

function compile(vhost: VhostInput) {
  return compileBundle(sampleInput([vhost], stubSettings));
}

function compileError(vhost: VhostInput): CompileError | null {
  try {
    compile(vhost);
    return null;
  } catch (e) {
    if (!(e instanceof CompileError)) throw e;
    return e;
  }
}

/** modsec-rules-check on the vhost's rules file: "" when the engine loads it, its output otherwise. */
async function engineRejects(vhost: VhostInput, name: string): Promise<string> {
  const dir = await writeBundle(compile(vhost), { dir: path.join(root, name) });
  const out = await new Promise<string>((resolve) =>
    execFile(RULES_CHECK, [path.join(dir, `rules/${vhost.domain}.conf`)], { cwd: dir }, (_e, o, er) => resolve(`${o}${er}`)),
  );
  return /Rules error/.test(out) || !/Test ok/.test(out) ? out : "";
}

const pick = <T,>(...items: T[]) => fc.constantFrom(...items);
const sometimes = <T,>(good: fc.Arbitrary<T>, bad: fc.Arbitrary<T>) => fc.oneof({ weight: 4, arbitrary: good }, { weight: 1, arbitrary: bad });
const hostile = pick('"', "'", "\\", '\\"', ",", "|", " ", ":", "%", "%{", "(", "[", "/", "!", "&", "@", "#", "\n", "=", ";", "\u0430");

describe("custom rules: the schema and the compiler agree", { timeout: 60_000 }, () => {
  const variables = sometimes(pick("ARGS", "ARGS:q", "REQUEST_HEADERS:User-Agent", "&ARGS", "ARGS|!ARGS:a", "TX:/^site_/", "REQUEST_FILENAME", "XML:/*", "REQUEST_COOKIES:/^s/"), hostile);
  const operator = sometimes(
    pick("@rx ^a\\\"b$", "@rx (?i)union\\s+select", "@pm a b", "@streq x", "!@rx a", "@ipMatch 10.0.0.0/8,192.0.2.7", "@eq 5", "@detectSQLi", "@unconditionalMatch", "@within GET POST", "@validateByteRange 9,10,32-126", "foo.*bar", "@beginsWith /a"),
    fc.tuple(pick("@rx ", "@pm ", "@eq ", ""), hostile).map(([o, h]) => o + h),
  );
  const action = sometimes(
    pick("deny", "pass", "block", "drop", "log", "nolog", "auditlog", "t:none", "t:lowercase", "status:403", "capture", "msg:'a, b'", "logdata:'%{MATCHED_VAR}'", "tag:'x'", "severity:CRITICAL", "setvar:tx.site_x=1", "setvar:'tx.site_y=+%{tx.site_x}'", "setvar:!tx.site_x", "rev:'2'", "ver:'site/1.0'", "maturity:'9'"),
    fc.oneof(hostile.map((h) => `msg:'${h}'`), hostile, pick("allow", "ctl:ruleEngine=Off", "skip:1", "chain", "setvar:tx.anomaly_score=0", "exec:/bin/sh", "denyy")),
  );
  const rule = fc
    .tuple(pick("SecRule", "SecRule", "SecAction"), variables, operator, pick("1", "2", "5", "request"), fc.array(action, { maxLength: 4 }), pick(",", ", "))
    .map(([kind, v, o, phase, actions, sep]) => {
      const list = ["id:__ID__", `phase:${phase}`, ...actions].join(sep);
      return kind === "SecRule" ? `SecRule ${v} "${o}" "${list}"` : `SecAction "${list}"`;
    });

  it("what the schema accepts compiles and loads in the engine; what the compiler refuses, the schema refuses on secRule, and the other way round", async () => {
    let next = 1000;
    const accepted: CustomRuleInput[] = [];
    let refused = 0;
    fc.assert(
      fc.property(rule, (template) => {
        const ruleId = ++next;
        const secRule = template.replaceAll("__ID__", String(ruleId));
        const stored: CustomRuleInput = { ruleId, description: "generated", secRule, enabled: true, position: ruleId };
        const parsed = CustomRuleSchema.safeParse({ ruleId, description: "generated", secRule, enabled: true });
        if (parsed.success) {
          const { ruleId: id, description, secRule: text, enabled } = parsed.data;
          const saved = { ruleId: id, description, secRule: text, enabled, position: ruleId };
          expect(compileError(sampleVhost("agree.test", { customRules: [saved] })), secRule).toBeNull();
          accepted.push(saved);
          return;
        }
        refused++;
        const error = compileError(sampleVhost("agree.test", { customRules: [stored] }));
        // One definition: a rule the form refuses never reaches a bundle either (a stored or imported one).
        expect(error, `the form refuses ${secRule} but the compiler accepts it`).not.toBeNull();
        expect(error!.field).toBe("customRules[0].secRule");
        expect(parsed.error.issues.some((i) => i.path[0] === "secRule" && i.message.length > 10), secRule).toBe(true);
      }),
      { numRuns: 600 },
    );
    expect(accepted.length).toBeGreaterThan(30);
    expect(refused).toBeGreaterThan(30);
    if (!engineReady) return;
    // All accepted rules in one vhost: one engine check. On failure, find the rules the engine refuses.
    const all = sampleVhost("agree.test", { customRules: accepted });
    const out = await engineRejects(all, "rules-all");
    if (out) {
      const bad: string[] = [];
      for (const [i, r] of accepted.entries()) if (await engineRejects(sampleVhost("agree.test", { customRules: [r] }), `rule${i}`)) bad.push(r.secRule);
      expect(bad, out).toEqual([]);
    }
  });
});

describe("exclusions: the schema and the compiler agree", { timeout: 60_000 }, () => {
  const ruleId = pick<number | undefined>(942100, 920350, 941100, 949110, 959100, 1001, 90100, 999999, 900000, undefined);
  const ruleIdEnd = pick<number | undefined>(undefined, undefined, 942199, 942100, 949200, 943100, 941999);
  const tag = sometimes(pick("attack-sqli", "paranoia-level/2", "OWASP_CRS/WEB_ATTACK/XSS", " attack-xss "), hostile);
  const target = sometimes(
    pick("ARGS:password", "ARGS", "REQUEST_COOKIES:session", "REQUEST_HEADERS:User-Agent", "ARGS:user[name]", "ARGS:a$b*c/d:e.f[g]-h_", "ARGS:/^json\\./", "ARGS:/^a.*[0-9]+(x)?y{2}\\d:_-$/", "XML:/*", "ARGS_NAMES"),
    fc.tuple(pick("ARGS:", "FOO:", "args:", ""), hostile).map(([a, b]) => a + b),
  );
  const pathPrefix = sometimes(
    pick<string | undefined>(undefined, undefined, "/api/", "/login", "/wiki/Foo_(bar);v=1/$x|{y}<z>!@*+,^~[]/München", "/cms"),
    fc.oneof(hostile.map((h) => `/a${h}b`), pick("/a//b", "/a/../b", "/a/./b", "api", "/")),
  );
  const exclusion = fc
    .tuple(pick("REMOVE_BY_ID", "REMOVE_BY_TAG", "REMOVE_TARGET_BY_ID", "REMOVE_TARGET_BY_TAG"), ruleId, ruleIdEnd, tag, target, pathPrefix)
    .map(([kind, id, end, t, tg, p]): RuleExclusionInput & { kind: string } => {
      const common = { ...(p !== undefined && { pathPrefix: p }) };
      switch (kind) {
        case "REMOVE_BY_ID":
          return { kind, ruleId: id as number, ...(end !== undefined && { ruleIdEnd: end }), ...common };
        case "REMOVE_BY_TAG":
          return { kind, tag: t, ...common };
        case "REMOVE_TARGET_BY_ID":
          return { kind, ruleId: id as number, target: tg, ...common };
        default:
          return { kind: "REMOVE_TARGET_BY_TAG", tag: t, target: tg, ...common };
      }
    });

  /** The stored columns of a form value as typed (what the compiler would see had the form let it through). */
  const asTyped = (e: Record<string, unknown>): ExclusionInput => ({
    kind: e.kind as ExclusionInput["kind"],
    ruleId: (e.ruleId as number | undefined) ?? null,
    ruleIdEnd: (e.ruleIdEnd as number | undefined) ?? null,
    tag: (e.tag as string | undefined) ?? null,
    target: (e.target as string | undefined) ?? null,
    pathPrefix: (e.pathPrefix as string | undefined) ?? null,
    note: null,
  });

  it("what the schema accepts compiles and loads in the engine; what the compiler refuses, the schema refuses on a field, and the other way round", async () => {
    const accepted: ExclusionInput[] = [];
    let refused = 0;
    fc.assert(
      fc.property(exclusion, (input) => {
        const parsed = RuleExclusionSchema.safeParse(input);
        if (parsed.success) {
          // Stored as the exclusions page and the templates store it.
          const stored = exclusionToColumns(parsed.data);
          expect(compileError(sampleVhost("agree.test", { exclusions: [stored] })), JSON.stringify(input)).toBeNull();
          accepted.push(stored);
          return;
        }
        refused++;
        const error = compileError(sampleVhost("agree.test", { exclusions: [asTyped(input)] }));
        // One definition: an exclusion the form refuses never reaches a bundle either.
        expect(error, `the form refuses ${JSON.stringify(input)} but the compiler accepts it`).not.toBeNull();
        if (error) {
          const field = error.field.replace(/^exclusions\[0\]\./, "");
          const fieldIssues = parsed.error.issues.filter((i) => i.message.length > 10);
          expect(fieldIssues.length, `${JSON.stringify(input)}: compiler says ${error.message}`).toBeGreaterThan(0);
          expect(["kind", "ruleId", "ruleIdEnd", "tag", "target", "pathPrefix", "note"]).toContain(field);
        }
      }),
      { numRuns: 800 },
    );
    expect(accepted.length).toBeGreaterThan(30);
    expect(refused).toBeGreaterThan(30);
    if (!engineReady) return;
    const out = await engineRejects(sampleVhost("agree.test", { exclusions: accepted }), "exclusions-all");
    if (out) {
      const bad: ExclusionInput[] = [];
      for (const [i, e] of accepted.entries()) if (await engineRejects(sampleVhost("agree.test", { exclusions: [e] }), `exclusion${i}`)) bad.push(e);
      expect(bad, out).toEqual([]);
    }
  });
});
