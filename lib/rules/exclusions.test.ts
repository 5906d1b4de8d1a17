import { describe, expect, it } from "vitest";
import { RuleExclusionSchema, describeExclusion, type RuleExclusionInput } from "./exclusions";

function issues(input: unknown) {
  const result = RuleExclusionSchema.safeParse(input);
  expect(result.success, JSON.stringify(input)).toBe(false);
  return result.error?.issues ?? [];
}

function messageAt(input: unknown, path: string): string {
  const found = issues(input).find((issue) => issue.path.join(".") === path);
  expect(found, `an issue at ${path} in ${JSON.stringify(issues(input))}`).toBeDefined();
  return found?.message ?? "";
}

describe("RuleExclusionSchema: accepted", () => {
  it.each<RuleExclusionInput>([
    { kind: "REMOVE_BY_ID", ruleId: 942100 },
    { kind: "REMOVE_BY_ID", ruleId: 942100, ruleIdEnd: 942199, pathPrefix: "/api/", note: "JSON API" },
    { kind: "REMOVE_BY_ID", ruleId: 920000, ruleIdEnd: 920999 },
    { kind: "REMOVE_BY_TAG", tag: "attack-sqli" },
    { kind: "REMOVE_BY_TAG", tag: "OWASP_CRS/WEB_ATTACK/SQL_INJECTION" },
    { kind: "REMOVE_BY_TAG", tag: "paranoia-level/2", pathPrefix: "/admin" },
    { kind: "REMOVE_TARGET_BY_ID", ruleId: 942100, target: "ARGS:password" },
    { kind: "REMOVE_TARGET_BY_ID", ruleId: 942100, target: "REQUEST_COOKIES:session", pathPrefix: "/login" },
    { kind: "REMOVE_TARGET_BY_ID", ruleId: 920420, target: "REQUEST_HEADERS:User-Agent" },
    { kind: "REMOVE_TARGET_BY_ID", ruleId: 942100, target: "ARGS_NAMES" },
    { kind: "REMOVE_TARGET_BY_ID", ruleId: 942100, target: "ARGS:/^json\\.\\d+/" },
    { kind: "REMOVE_TARGET_BY_TAG", tag: "attack-xss", target: "ARGS:comment", pathPrefix: "/blog/ünïcode" },
  ])("%j", (input) => {
    expect(RuleExclusionSchema.parse(input)).toEqual(input);
  });

  it("trims text fields", () => {
    expect(RuleExclusionSchema.parse({ kind: "REMOVE_TARGET_BY_TAG", tag: " attack-sqli ", target: " ARGS:q ", pathPrefix: " /api " })).toEqual({
      kind: "REMOVE_TARGET_BY_TAG",
      tag: "attack-sqli",
      target: "ARGS:q",
      pathPrefix: "/api",
    });
  });
});

describe("RuleExclusionSchema: rule ids", () => {
  it("requires a CRS id and says where custom rules go", () => {
    for (const ruleId of [1, 10001, 99999, 899999, 1000000]) {
      expect(messageAt({ kind: "REMOVE_BY_ID", ruleId }, "ruleId")).toMatch(
        /^CRS rules have ids 900000–999999; for your own rules \(ids 1–[0-9,]+\) disable or edit the custom rule instead\.$/,
      );
    }
    expect(messageAt({ kind: "REMOVE_TARGET_BY_ID", ruleId: 5, target: "ARGS:q" }, "ruleId")).toMatch(/CRS rules have ids/);
    expect(messageAt({ kind: "REMOVE_BY_ID", ruleId: 942100.5 }, "ruleId")).toMatch(/whole number/);
    expect(messageAt({ kind: "REMOVE_BY_ID", ruleId: Number.NaN }, "ruleId")).toBe("Enter a rule id.");
    expect(messageAt({ kind: "REMOVE_BY_ID", ruleId: "942100" }, "ruleId")).toBe("Enter a rule id.");
  });

  it("refuses the blocking-evaluation rules", () => {
    for (const ruleId of [949110, 949111, 959100, 959101]) {
      expect(messageAt({ kind: "REMOVE_BY_ID", ruleId }, "ruleId")).toMatch(new RegExp(`^${ruleId} is a rule that turns the anomaly score into a block`));
      expect(messageAt({ kind: "REMOVE_TARGET_BY_ID", ruleId, target: "ARGS:q" }, "ruleId")).toMatch(/switch blocking off/);
    }
  });

  it("refuses a range that contains a blocking-evaluation rule", () => {
    expect(messageAt({ kind: "REMOVE_BY_ID", ruleId: 949000, ruleIdEnd: 949200 }, "ruleIdEnd")).toMatch(/includes 949110, 949111 are rules/);
    expect(messageAt({ kind: "REMOVE_BY_ID", ruleId: 959000, ruleIdEnd: 959100 }, "ruleIdEnd")).toMatch(/959100 is a rule/);
  });

  it("checks the range: ordered, at most 1000 ids, inside CRS", () => {
    expect(messageAt({ kind: "REMOVE_BY_ID", ruleId: 942200, ruleIdEnd: 942100 }, "ruleIdEnd")).toMatch(/end at or after 942200/);
    expect(messageAt({ kind: "REMOVE_BY_ID", ruleId: 920000, ruleIdEnd: 921000 }, "ruleIdEnd")).toMatch(/1,001 ids.*at most 1000/);
    expect(messageAt({ kind: "REMOVE_BY_ID", ruleId: 999999, ruleIdEnd: 1000000 }, "ruleIdEnd")).toMatch(/CRS rules have ids/);
    expect(RuleExclusionSchema.safeParse({ kind: "REMOVE_BY_ID", ruleId: 942100, ruleIdEnd: 942100 }).success).toBe(true);
  });
});

describe("RuleExclusionSchema: tags", () => {
  it.each([
    ["", /Enter a tag/],
    ["attack sqli", /only letters, digits/],
    ["attack-sqli'", /only letters, digits/],
    ['attack"', /only letters, digits/],
    ["a,b", /only letters, digits/],
    ["a\nSecRuleEngine Off", /only letters, digits/],
    ["attack-sql\u0456", /only letters, digits/],
    ["x".repeat(129), /at most 128/],
  ])("refuses %j", (tag, message) => {
    expect(messageAt({ kind: "REMOVE_BY_TAG", tag }, "tag")).toMatch(message);
  });
});

describe("RuleExclusionSchema: targets", () => {
  it.each([
    ["", /Enter the input to exclude/],
    ["password", /Unknown or not allowed variable/],
    ["ARGS:pass word", /cannot contain a space/],
    ["ARGS:a,REQUEST_URI", /cannot contain ','/],
    ["ARGS:a;b", /cannot contain ';'/],
    ['ARGS:"q"', /cannot contain '"'/],
    ["ARGS:q'", /cannot contain '''/],
    ["ARGS:q\u2028x", /line separator/],
    ["ARGS:q\u0000", /NUL/],
    ["!ARGS:q", /cannot start with '!'/],
    ["&ARGS", /cannot start with '&'/],
    ["REQUEST_URI:x", /single value/],
    ["ARGS:/(/", /does not compile/],
    ["\uff21RGS:q", /U\+FF21/],
  ])("refuses %j", (target, message) => {
    expect(messageAt({ kind: "REMOVE_TARGET_BY_ID", ruleId: 942100, target }, "target")).toMatch(message);
  });

  it("refuses, with a path prefix, a regex target that ctl: cannot carry", () => {
    const input = { kind: "REMOVE_TARGET_BY_ID", ruleId: 942100, target: "ARGS:/^json\\./", pathPrefix: "/api/" };
    expect(messageAt(input, "target")).toMatch(/does not take a \/regex\/ selector/);
    expect(RuleExclusionSchema.safeParse({ ...input, pathPrefix: undefined }).success).toBe(true);
    // Accepted here before and refused by the compiler (the ctl parser rejects any /regex/ key).
    expect(messageAt({ ...input, target: "ARGS:/json[0-9]/" }, "target")).toMatch(/does not take a \/regex\/ selector/);
    expect(messageAt({ ...input, target: "ARGS:a;b" }, "target")).toMatch(/cannot contain ';'/);
  });
});

describe("RuleExclusionSchema: path prefix and note", () => {
  it.each([
    ["api/", /must start with '\/'/],
    ["", /must start with '\/'/],
    ["/api v2", /spaces/],
    ['/api"', /quotes/],
    ["/api'", /quotes/],
    ["/api\\x", /backslash/],
    ["/api%20v2", /decoded/],
    ["/search?q=1", /query string/],
    ["/page#top", /fragment/],
    ["/api\nSecRuleEngine Off", /line feed|spaces/],
    ["/api\u2028x", /line separator/],
    ["/api\u202e", /right-to-left override/],
    ["/" + "a".repeat(256), /at most 256/],
  ])("refuses path %j", (pathPrefix, message) => {
    expect(messageAt({ kind: "REMOVE_BY_ID", ruleId: 942100, pathPrefix }, "pathPrefix")).toMatch(message);
  });

  // Each was accepted here and refused by the compiler, so one save blocked every publish.
  it.each([
    ["/a//b", /normalised: no '\/\/', '\/\.\/' or '\/\.\.\/'/],
    ["/a/../admin", /normalised/],
    ["/a/./b", /normalised/],
    ["/emoji\u{1F600}", /cannot contain .*U\+1F600/],
    ["/a`b", /quotes/],
  ])("refuses path %j, as the compiler does", (pathPrefix, message) => {
    expect(messageAt({ kind: "REMOVE_BY_ID", ruleId: 942100, pathPrefix }, "pathPrefix")).toMatch(message);
  });

  it("refuses targets the compiler cannot write, with a message", () => {
    expect(messageAt({ kind: "REMOVE_TARGET_BY_TAG", tag: "attack-sqli", target: "XML:/*" }, "target")).toMatch(/XML cannot be excluded by selector/);
    expect(messageAt({ kind: "REMOVE_TARGET_BY_TAG", tag: "attack-sqli", target: "ARGS:/a<b/" }, "target")).toMatch(/regex selector in an exclusion may use only/);
    expect(RuleExclusionSchema.safeParse({ kind: "REMOVE_TARGET_BY_TAG", tag: "attack-sqli", target: "ARGS:user[name]" }).success).toBe(true);
  });

  it("refuses a multi-line or over-long note", () => {
    expect(messageAt({ kind: "REMOVE_BY_ID", ruleId: 942100, note: "a\r\nb" }, "note")).toMatch(/carriage return/);
    expect(messageAt({ kind: "REMOVE_BY_ID", ruleId: 942100, note: "x".repeat(201) }, "note")).toMatch(/under 201/);
  });

  it("refuses an unknown kind or fields of another kind's shape", () => {
    expect(issues({ kind: "REMOVE_EVERYTHING" })[0]?.path).toEqual(["kind"]);
    expect(issues({ kind: "REMOVE_TARGET_BY_ID", ruleId: 942100 }).map((i) => i.path.join("."))).toEqual(["target"]);
    expect(issues({ kind: "REMOVE_BY_TAG", ruleId: 942100 }).map((i) => i.path.join("."))).toEqual(["tag"]);
  });
});

describe("describeExclusion", () => {
  it("reads as one line", () => {
    const d = (input: RuleExclusionInput) => describeExclusion(RuleExclusionSchema.parse(input));
    expect(d({ kind: "REMOVE_BY_ID", ruleId: 942100 })).toBe("Rule 942100 off");
    expect(d({ kind: "REMOVE_BY_ID", ruleId: 942100, ruleIdEnd: 942199, pathPrefix: "/api/" })).toBe("Rules 942100–942199 off on /api/");
    expect(d({ kind: "REMOVE_BY_TAG", tag: "attack-sqli" })).toBe("Rules tagged attack-sqli off");
    expect(d({ kind: "REMOVE_TARGET_BY_ID", ruleId: 942100, target: "ARGS:q" })).toBe("Rule 942100 ignores ARGS:q");
    expect(d({ kind: "REMOVE_TARGET_BY_TAG", tag: "attack-xss", target: "ARGS:c", pathPrefix: "/blog" })).toBe("Rules tagged attack-xss ignore ARGS:c on /blog");
  });
});
