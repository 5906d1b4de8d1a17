import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CustomRuleSchema, SECRULE_INTERNAL_ERROR, SECRULE_MAX_LENGTH, validateSecRule, type SecRuleError, type ValidSecRule } from "./secrule";

function accepted(text: string, options?: { expectedId?: number }): ValidSecRule {
  const result = validateSecRule(text, options);
  if (!result.ok) throw new Error(`expected the rule to be accepted:\n${text}\n${JSON.stringify(result.errors, null, 2)}`);
  return result;
}

function refused(text: string, options?: { expectedId?: number }): SecRuleError[] {
  const result = validateSecRule(text, options);
  if (result.ok) throw new Error(`expected the rule to be refused:\n${text}`);
  expect(result.errors.length).toBeGreaterThan(0);
  return result.errors;
}

/** The first error; with `at`, also checks it points at the first occurrence of `at` in the text. */
function firstError(text: string, at?: string, options?: { expectedId?: number }): SecRuleError {
  const error = refused(text, options)[0] as SecRuleError;
  if (at !== undefined) expect(error.column, `column of ${JSON.stringify(at)} in ${text}`).toBe(text.indexOf(at) + 1);
  return error;
}

const OK = 'SecRule ARGS "@rx foo" "id:10001,phase:2,deny,status:403"';

describe("validateSecRule: accepted rules", () => {
  it.each([
    OK,
    `SecRule REQUEST_HEADERS:User-Agent "@pm sqlmap nikto" "id:10002,phase:1,deny,status:403,log,msg:'Scanner: %{MATCHED_VAR}',tag:'scanner'"`,
    `SecRule ARGS|!ARGS:password|REQUEST_COOKIES:/^sess/ "@rx (?i)union\\s+select" "id:10003,phase:2,deny,t:none,t:urlDecodeUni,t:lowercase,capture,logdata:'%{TX.0}'"`,
    `SecRule &ARGS "@gt 100" "id:10004,phase:2,deny,status:400,msg:'Too many arguments'"`,
    `SecRule REMOTE_ADDR "@ipMatch 10.66.0.0/16,192.0.2.7,2001:db8::/32" "id:10005,phase:1,deny,status:403"`,
    `SecRule REQUEST_FILENAME "@beginsWith /health" "id:10006,phase:1,deny,status:404,nolog"`,
    `SecRule REQUEST_FILENAME "@streq /api/upload" "id:10007,phase:1,pass,nolog,setvar:tx.site_upload=1"`,
    `SecRule ARGS "!@within GET POST" "id:10008,phase:1,pass"`,
    `SecRule ARGS "@detectSQLi" "id:10009,phase:2,block,setvar:'tx.site_hits=+%{tx.site_weight}'"`,
    `SecRule REQUEST_BODY "@validateByteRange 9,10,13,32-126" "id:10010,phase:2,deny"`,
    `SecRule XML:/* "@rx <!ENTITY" "id:10011,phase:2,deny"`,
    `SecRule RESPONSE_STATUS "@eq 500" "id:10012,phase:3,pass,log,auditlog,severity:CRITICAL,rev:'2',ver:'site/1.0',maturity:'9',accuracy:'8'"`,
    `SecAction "id:10013,phase:1,pass,nolog,setvar:tx.my_flag=1"`,
    `SecRule ARGS "foo.*bar" "id:10014,phase:2,deny"`,
    `SecRule ARGS "@rx a\\"b" "id:10015,phase:2,deny,msg:'it\\'s a quote'"`,
    `SecRule ARGS "@rx héllo" "id:10016,phase:2,deny,msg:'Grüße — naïve'"`,
    `   SecRule ARGS "@rx x" "id:10017, phase:2, deny"   `,
    `SecRule ARGS "@rx x" "id:10018,phase:2,deny,msg:'a, b and c'"`,
    `SecRule REQUEST_METHOD "@unconditionalMatch" "id:10019,phase:1,pass,nolog,setvar:tx.site_seen=1"`,
    `SecRule TX:/^my_/ "@ge -5" "id:10020,phase:2,pass,setvar:!tx.my_flag"`,
  ])("%s", (text) => {
    const rule = accepted(text);
    expect(rule.directive).toBe(text.trim());
    expect(rule.directive).not.toMatch(/[\r\n\0\u2028\u2029]/);
  });

  it("returns id, phase, kind and the parsed parts", () => {
    const rule = accepted(`SecRule ARGS:q|!ARGS:token "!@rx ^[a-z]+$" "id:77,phase:request,deny,t:lowercase"`, { expectedId: 77 });
    expect(rule).toMatchObject({ ok: true, kind: "SecRule", id: 77, phase: 2 });
    expect(rule.variables).toEqual([
      { exclude: false, count: false, variable: "ARGS", selector: { kind: "name", value: "q" } },
      { exclude: true, count: false, variable: "ARGS", selector: { kind: "name", value: "token" } },
    ]);
    expect(rule.operator).toEqual({ negated: true, name: "rx", argument: "^[a-z]+$", implicit: false });
    expect(rule.actions.map((a) => [a.name, a.value])).toEqual([
      ["id", "77"],
      ["phase", "request"],
      ["deny", undefined],
      ["t", "lowercase"],
    ]);
    const action = accepted(`SecAction "id:5,phase:5,pass,nolog"`);
    expect(action).toMatchObject({ kind: "SecAction", id: 5, phase: 5, operator: null, variables: [] });
  });

  it("maps phase names to numbers, and refuses phase 4, which this engine never runs (response body inspection is off)", () => {
    expect(refused('SecRule ARGS "@rx x" "id:1,phase:response,pass"').map((e) => e.message).join(" ")).toMatch(/phase 4 \(the response body\) never runs/);
    expect(refused('SecRule RESPONSE_BODY "@rx secret" "id:1,phase:4,deny"').map((e) => e.message).join(" ")).toMatch(/Use phase:3/);
    expect(accepted('SecRule ARGS "@rx x" "id:1,phase:logging,pass"').phase).toBe(5);
  });

  it("warns about rules that accept but may not do what the admin expects", () => {
    expect(accepted('SecRule ARGS "@rx x" "id:1,phase:2,log"').warnings).toEqual([expect.stringMatching(/No disruptive action.*only logs/)]);
    expect(accepted('SecRule ARGS "@rx x" "id:1,phase:2,block"').warnings).toEqual([expect.stringMatching(/block follows CRS's default action/)]);
    expect(accepted('SecRule ARGS "@rx x" "id:1,phase:2,pass,status:403"').warnings).toContain("status only takes effect with deny.");
    expect(accepted('SecRule ARGS "@rx (?i)x" "id:1,phase:2,deny"').warnings).toEqual(["@rx: (?i) at the start was checked as the JavaScript flag i."]);
    expect(accepted('SecRule ARGS "@rx a++(?>b)" "id:1,phase:2,deny"').warnings).toHaveLength(2);
    expect(accepted('SecRule ARGS "@unconditionalMatch" "id:1,phase:1,deny"').warnings).toContain("@unconditionalMatch with deny blocks every request.");
  });

  it("accepts exactly the maximum length", () => {
    const head = 'SecRule ARGS "@rx x" "id:1,phase:2,deny,msg:\'';
    const text = head + "a".repeat(SECRULE_MAX_LENGTH - head.length - 2) + "'\"";
    expect(text).toHaveLength(SECRULE_MAX_LENGTH);
    accepted(text);
  });
});

describe("validateSecRule: line breaks and invisible characters", () => {
  it.each([
    ["LF", `${OK}\nSecRule ARGS "@rx y" "id:2,phase:2,allow"`, "\n", /line feed/],
    ["CR", `${OK}\rSecAction "id:2,phase:1,allow"`, "\r", /carriage return/],
    ["CRLF", `SecRule ARGS "@rx foo" "id:1,\r\nphase:2,deny"`, "\r", /carriage return/],
    ["U+2028", `SecRule ARGS "@rx foo" "id:1,phase:2,deny,msg:'a\u2028SecRuleEngine Off'"`, "\u2028", /line separator/],
    ["U+2029", `SecRule ARGS "@rx foo\u2029" "id:1,phase:2,deny"`, "\u2029", /paragraph separator/],
    ["U+0085", `SecRule ARGS "@rx foo\u0085" "id:1,phase:2,deny"`, "\u0085", /next line/],
    ["NUL", `SecRule ARGS "@rx foo\0" "id:1,phase:2,deny"`, "\0", /NUL/],
    ["tab", `SecRule\tARGS "@rx foo" "id:1,phase:2,deny"`, "\t", /tab/],
    ["vertical tab", `SecRule ARGS "@rx foo\u000b" "id:1,phase:2,deny"`, "\u000b", /vertical tab/],
    ["zero-width space", `SecRule ARGS "@rx fo\u200bo" "id:1,phase:2,deny"`, "\u200b", /zero-width space/],
    ["right-to-left override", `SecRule ARGS "@rx foo" "id:1,phase:2,deny,msg:'\u202eabc'"`, "\u202e", /right-to-left override/],
    ["no-break space", `SecRule\u00a0ARGS "@rx foo" "id:1,phase:2,deny"`, "\u00a0", /no-break space.*normal space/],
    ["ideographic space", `SecRule ARGS\u3000"@rx foo" "id:1,phase:2,deny"`, "\u3000", /U\+3000/],
    ["DEL", `SecRule ARGS "@rx foo\u007f" "id:1,phase:2,deny"`, "\u007f", /DEL/],
    ["lone surrogate", `SecRule ARGS "@rx foo\ud800" "id:1,phase:2,deny"`, "\ud800", /U\+D800/],
  ])("refuses %s, pointing at it", (_name, text, char, message) => {
    const error = firstError(text, char);
    expect(error.message).toMatch(message);
  });

  it("refuses a line continuation with a message about it", () => {
    const text = 'SecRule ARGS "@rx foo" \\\n    "id:1,phase:2,deny"';
    expect(firstError(text, "\\\n").message).toMatch(/line continuation/);
    expect(firstError('SecRule ARGS "@rx foo" \\\r\n"id:1,phase:2,deny"', "\\\r").message).toMatch(/line continuation/);
  });

  it("reports several forbidden characters, not just the first", () => {
    expect(refused("SecRule\nARGS\r\"@rx\u2028\"").length).toBe(3);
  });
});

describe("validateSecRule: directive", () => {
  it("refuses empty input and anything but SecRule or SecAction", () => {
    expect(firstError("").message).toMatch(/empty/);
    expect(firstError("    ").message).toMatch(/empty/);
    expect(firstError(`secrule ARGS "@rx x" "id:1,phase:2,deny"`, "secrule").message).toMatch(/SecRule, with that capitalisation/);
    expect(firstError(`SecRuleRemoveById 942100`, "SecRuleRemoveById").message).toMatch(/Exclusions page/);
    expect(firstError(`SecRuleEngine Off`, "SecRuleEngine").message).toMatch(/not allowed/);
    expect(firstError(`Include /etc/passwd`, "Include").message).toMatch(/not allowed/);
    expect(firstError(`# SecRule ARGS "@rx x" "id:1,phase:2,deny"`, "#").message).toMatch(/comment/);
    expect(firstError(`ARGS "@rx x" "id:1,phase:2,deny"`, "ARGS").message).toMatch(/must start with SecRule/);
  });

  it("refuses Unicode look-alikes in the directive name and points at the letter", () => {
    const cyrillicE = `S\u0435cRule ARGS "@rx x" "id:1,phase:2,deny"`; // Cyrillic е
    expect(firstError(cyrillicE, "\u0435").message).toMatch(/U\+0435.*look-alike/);
    const cyrillicA = `SecActio\u043f "id:1,phase:1,pass"`;
    expect(firstError(cyrillicA, "\u043f").message).toMatch(/U\+043F/);
    const fullwidth = `\uff33ecRule ARGS "@rx x" "id:1,phase:2,deny"`;
    expect(firstError(fullwidth, "\uff33").message).toMatch(/U\+FF33/);
  });
});

describe("validateSecRule: quoting and structure", () => {
  it("refuses a double quote that ends the actions early", () => {
    const text = `SecRule ARGS "@rx x" "id:1,phase:2,deny,msg:'say "hi"'"`;
    expect(firstError(text, `"hi`).message).toMatch(/ends the actions early.*single quotes/);
  });

  it("refuses a second directive after the actions, on the same line", () => {
    const text = `${OK} SecAction "id:2,phase:1,allow"`;
    expect(firstError(text, "SecAction").message).toMatch(/second directive/);
    // The trick of closing the actions early and starting a new directive inside them:
    const smuggled = `SecRule ARGS "@rx x" "id:1,phase:2,pass,msg:'x'" SecRuleEngine "Off"`;
    expect(firstError(smuggled, "SecRuleEngine").message).toMatch(/second directive/);
    expect(firstError(`${OK} # trailing comment`, "#").message).toMatch(/Unexpected text after the actions/);
    expect(firstError(`${OK} "more"`, '"more"').message).toMatch(/Unexpected text/);
  });

  it("refuses unbalanced double quotes", () => {
    expect(firstError(`SecRule ARGS "@rx x "id:1,phase:2,deny"`).message).toMatch(/early|never closed/);
    expect(firstError(`SecRule ARGS "@rx x" "id:1,phase:2,deny`, `"id`).message).toMatch(/opens the actions is never closed/);
    expect(firstError(`SecRule ARGS "@rx x`, `"@rx`).message).toMatch(/opens the operator is never closed/);
  });

  it("refuses a quote escaped in the actions, even with a backslash", () => {
    const text = `SecRule ARGS "@rx x" "id:1,phase:2,deny,msg:'a\\"b'"`;
    expect(firstError(text, `"b`).message).toMatch(/double quote inside the actions is not allowed/);
  });

  it("accepts an escaped quote in the operator but refuses ambiguous backslash runs", () => {
    expect(accepted(`SecRule ARGS "@rx say \\"hi\\"" "id:1,phase:2,deny"`).operator?.argument).toBe('say \\"hi\\"');
    // ModSecurity v3 closes the string at \\" ; Apache/v2 reads \\" as backslash + escaped quote.
    expect(firstError(`SecRule ARGS "@rx a\\\\" "id:1,phase:2,deny"`, "\\\\").message).toMatch(/ambiguous.*\\x5c/);
    expect(firstError(`SecRule ARGS "@rx a\\\\\\"b" "id:1,phase:2,deny"`, "\\\\").message).toMatch(/ambiguous/);
  });

  it("refuses a quote closing the operator early", () => {
    expect(firstError(`SecRule ARGS "@rx a"b" "id:1,phase:2,deny"`, `"b`).message).toMatch(/ends the operator early.*\\"/);
  });

  it("refuses missing, unquoted or quoted-where-not-allowed parts", () => {
    expect(firstError(`SecRule ARGS`).message).toMatch(/operator and actions are missing/);
    expect(firstError(`SecRule ARGS "@rx x"`).message).toMatch(/actions is missing/);
    expect(firstError(`SecAction`).message).toMatch(/actions is missing/);
    expect(firstError(`SecRule "ARGS" "@rx x" "id:1,phase:2,deny"`, `"ARGS"`).message).toMatch(/without quotes/);
    expect(firstError(`SecRule ARGS @rx "id:1,phase:2,deny"`, "@rx").message).toMatch(/operator in double quotes/);
    expect(firstError(`SecRule ARGS "@rx x" id:1,phase:2,deny`, "id:").message).toMatch(/actions in double quotes/);
    expect(firstError(`SecRule ARGS"@rx" "id:1"`, `"@rx`).message).toMatch(/Unexpected double quote/);
  });

  it("refuses input longer than the limit without scanning it", () => {
    const text = `SecRule ARGS "@rx ${"a".repeat(SECRULE_MAX_LENGTH)}" "id:1,phase:2,deny"`;
    expect(refused(text)).toEqual([{ message: expect.stringMatching(/too long.*at most 4096/) }]);
    expect(refused("\n".repeat(1_000_000))[0]?.message).toMatch(/too long/);
  });
});

describe("validateSecRule: variables", () => {
  it.each([
    [`SecRule FOO "@rx x" "id:1,phase:2,deny"`, "FOO", /Unknown or not allowed variable 'FOO'/],
    [`SecRule args "@rx x" "id:1,phase:2,deny"`, "args", /capitals: ARGS/],
    [`SecRule \u0410RGS "@rx x" "id:1,phase:2,deny"`, "\u0410", /U\+0410.*looks like a Latin letter/],
    [`SecRule REQUEST_URI:foo "@rx x" "id:1,phase:2,deny"`, ":foo", /single value and takes no ':selector'/],
    [`SecRule ARGS:a'b "@rx x" "id:1,phase:2,deny"`, "'b", /only letters, digits/],
    [`SecRule ARGS: "@rx x" "id:1,phase:2,deny"`, " \"@rx", /selector after ':' is empty/],
    [`SecRule ARGS:/(/ "@rx x" "id:1,phase:2,deny"`, "/(/", /does not compile/],
    [`SecRule ARGS:/a/b "@rx x" "id:1,phase:2,deny"`, "/a/b", /closing '\/'/],
    [`SecRule ARGS||REQUEST_URI "@rx x" "id:1,phase:2,deny"`, "|REQUEST_URI", /missing between '\|'/],
    [`SecRule !ARGS "@rx x" "id:1,phase:2,deny"`, "!ARGS", /exclude the whole variable/],
    [`SecRule !ARGS:a "@rx x" "id:1,phase:2,deny"`, "!ARGS", /only exclude/],
    [`SecRule XML:/foo "@rx x" "id:1,phase:2,deny"`, "/foo", /XML takes only the selector/],
  ])("%s", (text, at, message) => {
    // `at` marks where the error should point; for ':foo' and similar the marker's own first char.
    const error = refused(text)[0] as SecRuleError;
    expect(error.message).toMatch(message);
    const expected = at === " \"@rx" ? text.indexOf(at) + 1 : text.indexOf(at) + 1;
    expect(error.column).toBe(expected);
  });

  it("reports every bad variable, each with its column", () => {
    const text = `SecRule FOO|ARGS|BAR "@rx x" "id:1,phase:2,deny"`;
    expect(refused(text).map((e) => e.column)).toEqual([text.indexOf("FOO") + 1, text.indexOf("BAR") + 1]);
  });
});

describe("validateSecRule: operators", () => {
  it.each([
    ["@pmFromFile /etc/passwd", /@pmFromFile is not allowed: it reads a file/],
    ["@ipMatchFromFile ips.txt", /reads a file/],
    ["@inspectFile /bin/sh", /runs a program/],
    ["@rbl sbl.example", /DNS/],
    ["@foo bar", /Unknown or not allowed operator @foo/],
    ["@RX foo", /@rx, with that capitalisation/],
    ["@r\u0445 foo", /U\+0445.*look-alike/],
    ["@", /name after '@' is missing/],
    ["", /operator is empty/],
    ["@rx", /@rx needs an argument/],
    ["@rx ", /@rx needs an argument/],
    ["@rx foo(", /does not compile: Unterminated group/],
    ["@rx [a-", /does not compile/],
    ["@rx *a", /does not compile: Nothing to repeat/],
    ["foo)", /does not compile/],
    ["@rx (?x) a b", /extended mode/],
    ["@eq abc", /compares numbers/],
    ["@gt 1.5", /compares numbers/],
    ["@ipMatch 10.0.0.0/8, 192.0.2.7", /without spaces/],
    ["@ipMatch 10.0.0.5/24", /Did you mean 10\.0\.0\.0\/24/],
    ["@ipMatch ::1/128", /write ::1\/128 as ::1/],
    ["@ipMatch 010.0.0.1", /leading zero/],
    ["@ipMatch fe80::1%eth0", /zone id/],
    ["@ipMatch 0.0.0.0/0", /rejects a \/0 range.*@unconditionalMatch/],
    ["@ipMatch 10.0.0.0/8,::/0", /rejects a \/0 range/],
    ["@detectSQLi foo", /takes no argument/],
    ["@validateByteRange 1-300", /0–255/],
    ["@validateByteRange 20-10", /0–255/],
    ["@streq", /needs an argument/],
  ])('"%s"', (operator, message) => {
    const text = `SecRule ARGS "${operator}" "id:1,phase:2,deny"`;
    expect(firstError(text).message).toMatch(message);
  });

  it("points operator errors at the operator or its argument", () => {
    const text = `SecRule ARGS "@rx foo(" "id:1,phase:2,deny"`;
    expect(firstError(text, "foo(").column).toBe(text.indexOf("foo(") + 1);
    const unknown = `SecRule ARGS "!@foo x" "id:1,phase:2,deny"`;
    expect(firstError(unknown, "@foo").column).toBe(unknown.indexOf("@foo") + 1);
  });
});

describe("validateSecRule: actions", () => {
  const rule = (actions: string, kind: "SecRule" | "SecAction" = "SecRule") =>
    kind === "SecRule" ? `SecRule ARGS "@rx x" "${actions}"` : `SecAction "${actions}"`;

  it.each([
    ["id:1,phase:2,deny,chain", "chain", /chain is not allowed/],
    ["id:1,phase:2,pass,skipAfter:END", "skipAfter", /skipAfter action is refused.*skip CRS rules/],
    ["id:1,phase:2,pass,skip:1", "skip:", /skip action is refused.*skip CRS rules/],
    ["id:1,phase:2,pass,exec:/bin/sh", "exec", /runs a program/],
    ["id:1,phase:2,pass,setenv:x=1", "setenv", /environment/],
    ["id:1,phase:2,pass,initcol:ip=%{REMOTE_ADDR}", "initcol", /persistent/],
    ["id:1,phase:2,redirect:http://evil.example", "redirect", /elsewhere/],
    ["id:1,phase:2,deny,frobnicate", "frobnicate", /Unknown or not allowed action 'frobnicate'/],
    ["id:1,phase:2,DENY", "DENY", /deny, with that capitalisation/],
    ["\u0456d:1,phase:2,deny", "\u0456", /U\+0456.*look-alike/],
    ["id:\uff11,phase:2,deny", "id:", /U\+FF11.*look-alike/],
    ["id:1,phase:2,pass,ctl:auditEngine=Off", "ctl:", /ctl:auditEngine is refused in custom rules: it hides requests from the audit log/],
    ["id:1,phase:2,pass,ctl:ruleRemoveById=949110", "ctl:", /ctl:ruleRemoveById is refused.*Exclusions page/],
    ["id:1,phase:2,pass,ctl:ruleRemoveTargetById=942100;ARGS:q", "ctl:", /ctl:ruleRemoveTargetById is refused/],
    ["id:1,phase:2,pass,ctl:ruleEngine=off", "ctl:", /ctl:ruleEngine is refused.*engine mode is set in the policy/],
    ["id:1,phase:2,pass,ctl:requestBodyAccess=Off", "ctl:", /ctl:requestBodyAccess is refused.*inspects/],
    ["id:1,phase:2,pass,setvar:ip.blocked=1", "setvar", /only set transaction variables/],
    ["id:1,phase:2,pass,setvar:tx.paranoia_level=1", "setvar", /policy sets it/],
    ["id:1,phase:2,pass,setvar:'TX.Inbound_Anomaly_Score_Threshold=100000'", "setvar", /policy sets it/],
    ["id:1,phase:2,pass,setvar:!tx.a=1", "setvar", /takes no value/],
    ["id:1,phase:2,pass,setvar:tx", "setvar", /setvar is written/],
    ["phase:2,deny", undefined, /id action is missing/],
    ["id:0,phase:2,deny", "id:", /id must be a whole number from 1–89,999, not '0'/],
    ["id:100000,phase:2,deny", "id:", /id must be a whole number from 1–89,999, not '100000'/],
    ["id:95000,phase:2,deny", "id:", /id:95000 is reserved for the rules Palisade generates \(90,000–99,999\); custom rules use 1–89,999/],
    ["id:942100,phase:2,deny", "id:", /id:942100 is in the CRS range \(900,000–999,999\); custom rules use 1–89,999/],
    ["id:01,phase:2,deny", "id:", /leading zero.*id:1/],
    ["id:-1,phase:2,deny", "id:", /whole number/],
    ["id:1,id:1,phase:2,deny", "id:1,phase", /id appears more than once/],
    ["id:1,deny", undefined, /phase action is missing/],
    ["id:1,phase:0,deny", "phase", /phase must be 1, 2, 3 or 5/],
    ["id:1,phase:6,deny", "phase", /phase must be 1, 2, 3 or 5/],
    ["id:1,phase:'2',deny", "phase", /without quotes/],
    ["id:1,phase:2,deny,status:'403'", "status", /without quotes/],
    ["id:1,phase:2,deny,status:4030", "status", /HTTP status code/],
    ["id:1,phase:2,deny,t:'lowercase'", "t:", /without quotes/],
    ["id:1,phase:2,deny,t:LOWERCASE", "t:", /t:lowercase, with that capitalisation/],
    ["id:1,phase:2,deny,t:rot13", "t:", /Unknown transformation/],
    ["id:1,phase:2,deny,severity:HUGE", "severity", /severity must be/],
    ["id:1,phase:2,deny,drop", "drop", /Choose one disruptive action; this rule has deny and drop/],
    ["id:1,phase:2,deny:now", "deny", /takes no value/],
    ["id:1,phase:2,deny,msg:", "msg", /msg needs a value/],
    ["id:1,phase:2,deny,msg:''", "''", /empty/],
    ["id:1,phase:2,deny,msg:hello world", "hello", /put it in single quotes, msg:'hello world'/],
    ["id:1,phase:2,deny,msg:it's", "'s", /single quote inside an unquoted value/],
    ["id:1,phase:2,deny,msg:'unterminated", "'unterminated", /never closed/],
    ["id:1,phase:2,deny,msg:'a\\\\'b'", "\\\\", /ambiguous/],
    ["id:1,phase:2,deny,msg:'a'b", "b", /Expected a comma after the quoted value of msg/],
    ["id:1,phase:2,deny,", ",\"", /end with a comma/],
    ["id:1,,phase:2,deny", ",phase", /missing between two commas/],
    ["id:1,phase:2,deny ", " \"", /space at the end/],
    [" id:1,phase:2,deny", " id", /space at the start/],
    ["", undefined, /actions are empty/],
    ["id:1,phase:2,deny,=x", "=x", /Expected an action name/],
  ])('"%s"', (actions, at, message) => {
    const text = rule(actions);
    const errors = refused(text);
    const match = errors.find((e) => message.test(e.message));
    expect(match, `${JSON.stringify(errors)} should include ${message}`).toBeDefined();
    if (at !== undefined) expect(match?.column).toBe(text.indexOf(at, text.indexOf('" "') + 2) + 1);
  });

  it("checks the id against the expected id", () => {
    accepted(rule("id:4242,phase:2,deny"), { expectedId: 4242 });
    const text = rule("id:4243,phase:2,deny");
    const error = firstError(text, "id:4243", { expectedId: 4242 });
    expect(error.message).toBe("The rule says id:4243, but this custom rule's id is 4242: they must be the same.");
  });

  it("refuses SecAction with a disruptive action or the engine switch", () => {
    expect(firstError(rule("id:1,phase:1,deny", "SecAction"), "deny").message).toMatch(/block all traffic/);
    expect(firstError(rule("id:1,phase:1,allow", "SecAction"), "allow").message).toMatch(/allow action is refused/);
    expect(firstError(rule("id:1,phase:1,pass,ctl:ruleEngine=Off", "SecAction"), "ctl:").message).toMatch(/engine mode is set in the policy/);
  });
});

// Each of these parses in a naive reading but is refused by libmodsecurity 3.0.9 (found by feeding
// thousands of accepted rules to the engine's own parser), or changes how it splits the line.
describe("validateSecRule: quirks of the ModSecurity 3.0.9 parser", () => {
  it.each([
    ['SecRule ARGS "@rx a%" "id:1,phase:2,deny"', /'%' at the end of the operator/],
    ['SecRule ARGS "@rx \\"hi\\"" "id:1,phase:2,deny"', /cannot start with \\"/],
    ['SecRule ARGS "!!a" "id:1,phase:2,deny"', /Two '!' in a row/],
    ['SecRule ARGS "  " "id:1,phase:2,deny"', /operator is empty/],
    ['SecRule ARGS " @rx a" "id:1,phase:2,deny"', /space at the start of the operator/],
    ['SecRule ARGS "@streq %{foo}" "id:1,phase:2,deny"', /Unknown variable 'foo'/],
    ['SecRule ARGS "@streq %{tx.a" "id:1,phase:2,deny"', /macro .* is malformed/],
    ["SecRule ARGS \"@rx a\" \"id:1,phase:2,deny,msg:'100% sure'\"", /bare '%'/],
    ["SecRule ARGS \"@rx a\" \"id:1,phase:2,deny,msg:'%{ tx.a}'\"", /malformed/],
    ["SecRule ARGS \"@rx a\" \"id:1,phase:2,deny,logdata:'%{REQUEST_URI.x}'\"", /single value/],
    ["SecRule ARGS \"@rx a\" \"id:1,phase:2,deny,msg:'\\'s'\"", /cannot start with/],
    ["SecRule ARGS \"@rx a\" \"id:1,phase:2,pass,setvar:'tx.a=b=c'\"", /cannot contain '='/],
    ["SecRule ARGS \"@rx a\" \"id:1,phase:2,pass,setvar:'tx.a=b,c'\"", /cannot contain ','/],
    ['SecRule ARGS "@rx a" "id:1,phase:2,pass,setvar:tx.a="', /needs a value/],
    ['SecRule ARGS "@rx a" "id:1,phase:2,pass,setvar:tx.a=+"', /needs a number/],
    ["SecRule ARGS \"@rx a\" \"id:1,phase:2,deny,rev:'1,2'\"", /rev is a revision/],
    ['SecRule ARGS "@rx a" "id:1,phase:2,deny,ver:1.0"', /single quotes: ver:'1.0'/],
    ['SecRule ARGS "@rx a" "id:1,phase:2,deny,maturity:9"', /single quotes: maturity:'9'/],
    ['SecRule ARGS "@rx a" "id:1,phase:2,deny,accuracy:9"', /single quotes/],
    ['SecRule TX "a" "id:1,phase:2,deny"', /TX needs a selector/],
    ['SecRule &IP "@eq 0" "id:1,phase:2,deny"', /IP needs a selector/],
    ['SecRule ARGS:/a}=/ "@rx a" "id:1,phase:2,deny"', /cannot contain '='/],
    ['SecRule ARGS:/a|b/ "@rx a" "id:1,phase:2,deny"', /'\|' separates variables/],
    ['SecRule ARGS:/a b/ "@rx a" "id:1,phase:2,deny"', /Unexpected text|cannot contain a space|closing/],
  ])("%s", (text, message) => {
    const errors = refused(text);
    expect(errors.map((e) => e.message).join("\n")).toMatch(message);
  });

  it("still accepts the forms the engine does take", () => {
    accepted('SecRule ARGS "@rx %27|%22" "id:1,phase:2,deny"');
    accepted('SecRule ARGS "@rx a\\"b" "id:1,phase:2,deny"');
    accepted("SecRule ARGS \"@streq %{tx.expected}\" \"id:1,phase:2,deny,msg:'Saw %{MATCHED_VAR_NAME}: %{matched_var}, rule %{rule.id}'\"");
    accepted("SecRule ARGS \"@rx a\" \"id:1,phase:2,deny,msg:'it\\'s',maturity:'9',accuracy:'9',ver:'site/1.0 beta',rev:'1.4'\"");
    accepted("SecRule TX:anomaly_score|&TX:/^x/ \"@ge 5\" \"id:1,phase:2,deny,setvar:'tx.a=-%{tx.b}'\"");
  });
});

describe("validateSecRule: properties", () => {
  const lineBreakOrNul = /[\r\n\0\u0085\u2028\u2029]/;

  function check(text: string, expectedId?: number) {
    const result = validateSecRule(text, expectedId === undefined ? {} : { expectedId });
    if (result.ok) {
      expect(result.directive).not.toMatch(lineBreakOrNul);
      expect(result.directive.length).toBeLessThanOrEqual(SECRULE_MAX_LENGTH);
      expect(text.trim()).toBe(result.directive);
      expect(result.id).toBeGreaterThanOrEqual(1);
      expect(result.id).toBeLessThanOrEqual(89_999);
      if (expectedId !== undefined) expect(result.id).toBe(expectedId);
    } else {
      expect(result.errors.length).toBeGreaterThan(0);
      for (const error of result.errors) {
        expect(error.message).not.toBe(SECRULE_INTERNAL_ERROR);
        if (error.column !== undefined) {
          expect(error.column).toBeGreaterThanOrEqual(1);
          expect(error.column).toBeLessThanOrEqual(text.length + 1);
        }
      }
    }
  }

  it("never throws for any string, and accepted rules hold no line break or NUL", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 300 }), (text) => check(text)),
      { numRuns: 1000 },
    );
  }, 30_000);

  // Rule-shaped input reaches the deeper parsers; hostile fragments land inside every part.
  const hostile = fc.constantFrom('"', "'", "\\", '\\"', "\\'", "\\\\", "\n", "\r", "\u2028", "\0", ",", "|", " ", ":", "%{", "(", ")", "[", "/", "!", "&", "@", "\u0430", "\uff11", "#");
  const fragment = fc.array(fc.oneof(hostile, fc.string({ maxLength: 4 })), { maxLength: 6 }).map((parts) => parts.join(""));
  const variables = fc.oneof(
    { arbitrary: fc.constantFrom("ARGS", "ARGS:q", "REQUEST_HEADERS:User-Agent", "&ARGS", "ARGS|!ARGS:a", "TX:/^x/"), weight: 3 },
    { arbitrary: fragment, weight: 1 },
  );
  const operator = fc.oneof(
    { arbitrary: fc.tuple(fc.constantFrom("@rx ", "@pm ", "@streq ", "!@rx ", "", "@ipMatch ", "@eq "), fragment).map(([op, arg]) => op + arg), weight: 3 },
    { arbitrary: fc.constantFrom("@rx a", "@detectSQLi", "@ipMatch 10.0.0.0/8", "@eq 5"), weight: 2 },
    { arbitrary: fragment, weight: 1 },
  );
  const action = fc.oneof(
    { arbitrary: fc.constantFrom("deny", "pass", "t:none", "log", "status:403", "id:123", "phase:2", "chain"), weight: 4 },
    fragment.map((f) => `msg:'${f}'`),
    fragment.map((f) => `tag:${f}`),
    fragment.map((f) => `setvar:tx.${f}`),
    fragment.map((f) => `ctl:ruleRemoveTargetById=942100;${f}`),
    fragment,
  );
  const actions = fc
    .tuple(fc.constantFrom("id:1,phase:2,", "id:123,phase:request,", "id:1,", ""), fc.array(action, { minLength: 1, maxLength: 5 }))
    .map(([head, list]) => head + list.join(","));
  const ruleLike = fc.oneof(
    fc.tuple(variables, operator, actions).map(([v, o, a]) => `SecRule ${v} "${o}" "${a}"`),
    actions.map((a) => `SecAction "${a}"`),
    fc.tuple(variables, operator, actions, fragment).map(([v, o, a, tail]) => `SecRule ${v} "${o}" "${a}"${tail}`),
  );

  it("never throws for rule-shaped hostile input, and accepted rules hold no line break or NUL", () => {
    let acceptedCount = 0;
    fc.assert(
      fc.property(ruleLike, fc.option(fc.constantFrom(1, 123)), (text, expectedId) => {
        check(text, expectedId ?? undefined);
        if (validateSecRule(text).ok) acceptedCount++;
      }),
      { numRuns: 3000 },
    );
    // The generator must reach the accepting path too, or the property proves little.
    expect(acceptedCount).toBeGreaterThan(10);
  }, 30_000);

  it("a msg value can never smuggle a second directive", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 60 }), (payload) => {
        const text = `SecRule ARGS "@rx x" "id:1,phase:2,deny,msg:'${payload}'"`;
        const result = validateSecRule(text);
        if (result.ok) {
          expect(payload).not.toMatch(/["\r\n\0\u2028\u2029]/);
          expect(result.actions.at(-1)).toMatchObject({ name: "msg", quoted: true });
        }
      }),
      { numRuns: 1000 },
    );
  }, 30_000);
});

describe("CustomRuleSchema", () => {
  const valid = { ruleId: 10001, description: "Block the scanner", secRule: OK, enabled: true };

  it("accepts a valid custom rule", () => {
    expect(CustomRuleSchema.parse(valid)).toEqual(valid);
  });

  it("puts each rule error on secRule, with its column", () => {
    const result = CustomRuleSchema.safeParse({ ...valid, secRule: 'SecRule ARGS "@rx foo(" "id:10001,phase:2,deny"' });
    expect(result.success).toBe(false);
    expect(result.error?.issues).toEqual([
      expect.objectContaining({ path: ["secRule"], message: "Column 19: The regular expression does not compile: Unterminated group.", params: { column: 19 } }),
    ]);
  });

  it("requires the id inside the rule to be the rule id", () => {
    const result = CustomRuleSchema.safeParse({ ...valid, ruleId: 10002 });
    expect(result.error?.issues).toEqual([
      expect.objectContaining({ path: ["secRule"], message: expect.stringContaining("this custom rule's id is 10002") }),
    ]);
  });

  it("refuses ids outside 1–89,999, empty or multi-line descriptions", () => {
    expect(CustomRuleSchema.safeParse({ ...valid, ruleId: 0 }).success).toBe(false);
    expect(CustomRuleSchema.safeParse({ ...valid, ruleId: 942100 }).error?.issues[0]?.message).toMatch(/belong to CRS/);
    expect(CustomRuleSchema.safeParse({ ...valid, ruleId: 90_000 }).error?.issues[0]?.message).toMatch(/reserved for the rules Palisade generates/);
    expect(CustomRuleSchema.safeParse({ ...valid, ruleId: 1.5 }).success).toBe(false);
    expect(CustomRuleSchema.safeParse({ ...valid, description: "   " }).success).toBe(false);
    expect(CustomRuleSchema.safeParse({ ...valid, description: "a\nb" }).error?.issues[0]?.message).toMatch(/line feed/);
    expect(CustomRuleSchema.safeParse({ ...valid, description: "x".repeat(201) }).success).toBe(false);
    expect(CustomRuleSchema.safeParse({ ...valid, enabled: "yes" }).success).toBe(false);
  });
});
