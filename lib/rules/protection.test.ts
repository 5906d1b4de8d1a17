// Issue 15 (High): a custom rule can add detection and blocking, never reduce what the policy says.
// Every action that weakens protection is refused by the custom rule form's schema and by the compiler,
// whatever its capitalisation, quoting or spacing, in SecRule, SecAction and chains.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compileBundle } from "@/lib/waf/compile";
import { sampleInput, sampleVhost } from "@/lib/waf/samples";
import { CompileError } from "@/lib/waf/types";
import { CustomRuleSchema, validateSecRule } from "./secrule";

const ID = 1006;

/** The schema's messages on secRule (empty when it accepts) and the compiler's refusal (null when it compiles). */
function judge(secRule: string) {
  const parsed = CustomRuleSchema.safeParse({ ruleId: ID, description: "test", secRule, enabled: true });
  const messages = parsed.success ? [] : parsed.error.issues.filter((i) => i.path[0] === "secRule").map((i) => i.message);
  let compileError: CompileError | null = null;
  try {
    compileBundle(sampleInput([sampleVhost("app.example.com", { customRules: [{ ruleId: ID, description: "", secRule, enabled: true, position: 1 }] })]));
  } catch (e) {
    if (!(e instanceof CompileError)) throw e;
    compileError = e;
  }
  return { accepted: parsed.success, messages, compileError };
}

function expectRefused(secRule: string, named: RegExp) {
  const { accepted, messages, compileError } = judge(secRule);
  expect(accepted, secRule).toBe(false);
  expect(messages.some((m) => named.test(m)), `${secRule}\n${messages.join("\n")}`).toBe(true);
  expect(compileError?.field).toBe("customRules[0].secRule");
}

describe("custom rules never reduce protection: the bypasses of issue 15", () => {
  it.each([
    [`SecRule REQUEST_METHOD "@unconditionalMatch" "id:${ID},phase:1,pass,nolog,ctl:ruleEngine=Off"`, /ctl:ruleEngine is refused in custom rules: it switches the engine off/],
    [`SecRule REQUEST_HEADERS:X-Debug "@streq letmein" "id:${ID},phase:1,allow,nolog"`, /The allow action is refused in custom rules/],
    [`SecAction "id:${ID},phase:1,pass,nolog,ctl:ruleRemoveById=900000-949109"`, /ctl:ruleRemoveById is refused in custom rules: it turns CRS rules .* off/],
    [`SecAction "id:${ID},phase:1,pass,nolog,setvar:tx.critical_anomaly_score=0"`, /setvar cannot change tx\.critical_anomaly_score: CRS uses it/],
  ])("%s", (rule, message) => {
    expectRefused(rule, message);
  });
});

describe("custom rules never reduce protection: each weakening action", () => {
  const secRule = (actions: string) => `SecRule ARGS:x "@streq 1" "id:${ID},phase:2,${actions}"`;
  it.each([
    // allow, any form and case
    [secRule("allow"), /allow action is refused/],
    [secRule("allow:phase"), /allow action is refused/],
    [secRule("allow:request"), /allow action is refused/],
    [secRule("ALLOW"), /allow action is refused/],
    [`SecAction "id:${ID},phase:1,Allow:Request"`, /allow action is refused/],
    // ctl, every option that changes the engine for the request
    [secRule("pass,ctl:ruleEngine=DetectionOnly"), /ctl:ruleEngine is refused/],
    [secRule("pass,ctl:ruleEngine=On"), /ctl:ruleEngine is refused/],
    [secRule("pass,CTL:RULEENGINE=OFF"), /ctl:RULEENGINE is refused.*engine off/],
    [secRule("pass,ctl:ruleRemoveById=942100"), /ctl:ruleRemoveById is refused/],
    [secRule("pass,ctl:ruleRemoveByTag=attack-sqli"), /ctl:ruleRemoveByTag is refused/],
    [secRule("pass,ctl:ruleRemoveByMsg=SQL"), /ctl:ruleRemoveByMsg is refused/],
    [secRule("pass,ctl:ruleRemoveTargetById=942100;ARGS:q"), /ctl:ruleRemoveTargetById is refused/],
    [secRule("pass,ctl:ruleRemoveTargetByTag=attack-sqli;ARGS:q"), /ctl:ruleRemoveTargetByTag is refused/],
    [secRule("pass,ctl:requestBodyAccess=Off"), /ctl:requestBodyAccess is refused.*inspects/],
    [secRule("pass,ctl:responseBodyAccess=Off"), /ctl:responseBodyAccess is refused.*inspects/],
    [secRule("pass,ctl:forceRequestBodyVariable=On"), /ctl:forceRequestBodyVariable is refused.*inspects/],
    [secRule("pass,ctl:requestBodyProcessor=URLENCODED"), /ctl:requestBodyProcessor is refused.*inspects/],
    [secRule("pass,ctl:auditEngine=Off"), /ctl:auditEngine is refused.*audit log/],
    [secRule("pass,ctl:debugLogLevel=9"), /ctl:debugLogLevel is refused/],
    [secRule("pass,ctl:hashEngine=Off"), /ctl:hashEngine is refused/],
    // skips over CRS and the blocking evaluation
    [secRule("pass,skip:100"), /skip action is refused/],
    [secRule("pass,skipAfter:END-REQUEST-949-BLOCKING-EVALUATION"), /skipAfter action is refused/],
    [secRule("pass,SKIPAFTER:x"), /skipAfter action is refused/],
    // setvar on CRS or policy variables, any case, quoting or operation
    [secRule("pass,setvar:tx.anomaly_score=0"), /setvar cannot change tx\.anomaly_score/],
    [secRule("pass,setvar:'tx.anomaly_score_pl1=-100'"), /setvar cannot change tx\.anomaly_score_pl1/],
    [secRule("pass,setvar:TX.Inbound_Anomaly_Score=0"), /setvar cannot change tx\.Inbound_Anomaly_Score/],
    [secRule("pass,setvar:!tx.sql_injection_score"), /setvar cannot change tx\.sql_injection_score/],
    [secRule("pass,setvar:tx.error_anomaly_score=0"), /setvar cannot change/],
    [secRule("pass,setvar:tx.warning_anomaly_score=0"), /setvar cannot change/],
    [secRule("pass,setvar:tx.notice_anomaly_score=0"), /setvar cannot change/],
    [secRule("pass,setvar:'tx.inbound_anomaly_score_threshold=+100000'"), /policy sets it/],
    [secRule("pass,setvar:tx.paranoia_level=0"), /policy sets it/],
    [secRule("pass,setvar:tx.executing_paranoia_level=1"), /policy sets it/],
    [secRule("pass,setvar:tx.blocking_paranoia_level=1"), /policy sets it/],
    [secRule("pass,setvar:tx.allowed_methods=GET"), /setvar cannot change tx\.allowed_methods/],
    [secRule("pass,setvar:tx.crs_setup_version=334"), /setvar cannot change tx\.crs_setup_version/],
    [secRule("pass,setvar:tx.max_num_args=100000"), /setvar cannot change/],
    [secRule("pass,setvar:tx.early_blocking=0"), /setvar cannot change/],
    [secRule("pass,setvar:tx.0=x"), /setvar cannot change tx\.0/],
    // chained rules: the link that weakens is named too
    [
      `SecRule REQUEST_METHOD "@streq GET" "id:${ID},phase:1,pass,chain" SecRule REQUEST_HEADERS:X-Debug "@streq 1" "ctl:ruleEngine=Off"`,
      /ctl:ruleEngine is refused/,
    ],
    [`SecRule REQUEST_METHOD "@streq GET" "id:${ID},phase:1,pass,chain" SecRule ARGS:x "@streq 1" "allow"`, /allow action is refused/],
    // phase 5 or a marker do not get around any of it
    [`SecRule REQUEST_METHOD "@unconditionalMatch" "id:${ID},phase:5,pass,ctl:ruleEngine=Off"`, /ctl:ruleEngine is refused/],
    [`SecMarker END-REQUEST-949-BLOCKING-EVALUATION`, /'SecMarker' is not allowed/],
  ])("%s", (rule, message) => {
    expectRefused(rule, message);
  });

  it("still accepts rules that add detection or blocking, and setvar of a variable of their own", () => {
    for (const rule of [
      `SecRule REQUEST_HEADERS:X-Debug "@streq 1" "id:${ID},phase:1,deny,status:403,log"`,
      `SecRule ARGS "@detectSQLi" "id:${ID},phase:2,block,log"`,
      `SecAction "id:${ID},phase:1,pass,nolog,setvar:tx.site_flag=1"`,
      `SecRule ARGS:q "@rx x" "id:${ID},phase:2,pass,setvar:'tx.site_hits=+1'"`,
    ]) {
      expect(judge(rule), rule).toMatchObject({ accepted: true, compileError: null });
    }
  });
});

// The dangerous vocabulary, each with case, quoting and spacing variants.
const anyCase = (word: string) =>
  fc.array(fc.boolean(), { minLength: word.length, maxLength: word.length }).map((ups) => [...word].map((c, i) => (ups[i] ? c.toUpperCase() : c.toLowerCase())).join(""));
const mixedCase = (word: string) => fc.oneof(fc.constant(word), anyCase(word));
const CTL_OPTIONS = [
  "ruleEngine=Off",
  "ruleEngine=DetectionOnly",
  "ruleEngine=On",
  "ruleRemoveById=900000-949109",
  "ruleRemoveById=949110",
  "ruleRemoveByTag=attack-sqli",
  "ruleRemoveByMsg=SQL",
  "ruleRemoveTargetById=942100;ARGS:q",
  "ruleRemoveTargetByTag=attack-sqli;ARGS",
  "ruleRemoveTargetByMsg=SQL;ARGS",
  "requestBodyAccess=Off",
  "responseBodyAccess=Off",
  "forceRequestBodyVariable=On",
  "requestBodyProcessor=URLENCODED",
  "requestBodyLimit=1",
  "auditEngine=Off",
  "auditLogParts=A",
];
const RESERVED_TX = [
  "anomaly_score",
  "anomaly_score_pl1",
  "anomaly_score_pl4",
  "inbound_anomaly_score",
  "outbound_anomaly_score_pl2",
  "critical_anomaly_score",
  "error_anomaly_score",
  "warning_anomaly_score",
  "notice_anomaly_score",
  "sql_injection_score",
  "xss_score",
  "rce_score",
  "lfi_score",
  "http_violation_score",
  "inbound_anomaly_score_threshold",
  "outbound_anomaly_score_threshold",
  "paranoia_level",
  "executing_paranoia_level",
  "blocking_paranoia_level",
  "detection_paranoia_level",
  "allowed_methods",
  "allowed_request_content_type",
  "restricted_extensions",
  "restricted_headers",
  "max_num_args",
  "arg_length",
  "crs_setup_version",
  "crs_exclusions_wordpress",
  "sampling_percentage",
  "early_blocking",
  "0",
  "1",
];
const setvarValue = fc
  .tuple(fc.constantFrom("", "!"), mixedCase("tx"), fc.constantFrom(...RESERVED_TX).chain(mixedCase), fc.constantFrom("", "=0", "=+5", "=-5", "=100000", "=-%{tx.site_x}"))
  .filter(([bang, , , op]) => !(bang === "!" && op !== ""))
  .map(([bang, tx, name, op]) => `${bang}${tx}.${name}${op}`);
const quoted = (value: fc.Arbitrary<string>) => fc.tuple(value, fc.boolean()).map(([v, q]) => (q ? `'${v}'` : v));
const dangerous = fc.oneof(
  fc.tuple(mixedCase("allow"), fc.constantFrom("", ":phase", ":request", ":REQUEST")).map(([a, v]) => ({ text: a + v, named: /allow action is refused/ })),
  fc.tuple(mixedCase("ctl"), fc.constantFrom(...CTL_OPTIONS).chain(mixedCase)).map(([c, o]) => ({ text: `${c}:${o}`, named: /ctl:\S+ is refused in custom rules/i })),
  fc.tuple(fc.constantFrom("skip", "skipAfter").chain(mixedCase), fc.constantFrom("1", "100", "END-REQUEST-949-BLOCKING-EVALUATION")).map(([s, v]) => ({ text: `${s}:${v}`, named: /skip(After)? action is refused/ })),
  fc.tuple(mixedCase("setvar"), quoted(setvarValue)).map(([s, v]) => ({ text: `${s}:${v}`, named: /setvar cannot change tx\./ })),
);
const benign = fc.constantFrom("pass", "nolog", "log", "t:none", "t:lowercase", "msg:'x'", "tag:'custom'", "setvar:tx.site_flag=1", "severity:CRITICAL");

describe("custom rules never reduce protection: property", () => {
  it("no rule built from the dangerous vocabulary is accepted by the schema or the compiler, and the refusal names it", () => {
    const shapes = fc.constantFrom("SecRule", "SecAction", "chain-head", "chain-link");
    fc.assert(
      fc.property(shapes, dangerous, fc.array(benign, { maxLength: 3 }), fc.nat(3), fc.constantFrom(",", ", "), fc.constantFrom(1, 2, 5), (shape, danger, others, at, sep, phase) => {
        const list: string[] = [...others];
        list.splice(Math.min(at, list.length), 0, danger.text);
        const head = `id:${ID}${sep}phase:${phase}`;
        const actions = [head, ...list].join(sep);
        const rule =
          shape === "SecRule"
            ? `SecRule REQUEST_METHOD "@unconditionalMatch" "${actions}"`
            : shape === "SecAction"
              ? `SecAction "${actions}"`
              : shape === "chain-head"
                ? `SecRule REQUEST_METHOD "@streq GET" "${actions}${sep}chain" SecRule ARGS:x "@streq 1" "t:none"`
                : `SecRule REQUEST_METHOD "@streq GET" "${head}${sep}pass${sep}chain" SecRule ARGS:x "@streq 1" "${list.join(sep)}"`;
        const { accepted, messages, compileError } = judge(rule);
        expect(accepted, rule).toBe(false);
        expect(compileError, rule).not.toBeNull();
        expect(validateSecRule(rule, { expectedId: ID }).ok).toBe(false);
        expect(messages.some((m) => danger.named.test(m)), `${rule}\n${messages.join("\n")}`).toBe(true);
      }),
      { numRuns: 1500 },
    );
  });
});
