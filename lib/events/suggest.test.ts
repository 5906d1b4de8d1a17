import { describe, expect, it } from "vitest";
import { match } from "@/lib/testing/event-fixtures";
import { exclusionCovers, exclusionImpact, suggestExclusions, targetCovers } from "./suggest";

const sqli = match(942100, { variable: "ARGS:q", tags: ["attack-sqli"] });
const xss = match(941100, { variable: "ARGS:comment", tags: ["attack-xss"] });
const block = match(949110);
const init = match(901001);

describe("suggestExclusions", () => {
  it("proposes the narrowest exclusion first, then the rule under the path, then the rule everywhere", () => {
    const s = suggestExclusions({ path: "/search", matches: [init, sqli, block] });
    expect(s.map((x) => x.description)).toEqual(["Rule 942100 ignores ARGS:q on /search", "Rule 942100 off on /search", "Rule 942100 off"]);
    expect(s[0]!.exclusion).toEqual({ kind: "REMOVE_TARGET_BY_ID", ruleId: 942100, target: "ARGS:q", pathPrefix: "/search" });
    expect(s.map((x) => x.scope)).toEqual(["target-under-path", "rule-under-path", "rule-everywhere"]);
  });

  it("never names a bookkeeping rule, and one suggestion per rule and variable", () => {
    const s = suggestExclusions({ path: "/a", matches: [sqli, xss, sqli, block, init, match(980130), match(959100)] });
    const rules = s.map((x) => ("ruleId" in x.exclusion ? x.exclusion.ruleId : 0));
    expect(new Set(rules)).toEqual(new Set([942100, 941100]));
    expect(s).toHaveLength(6);
  });

  it("decodes the path and leaves out what the schema refuses", () => {
    expect(suggestExclusions({ path: "/caf%C3%A9", matches: [sqli] })[0]!.exclusion).toMatchObject({ pathPrefix: "/café" });
    // A path with a quote cannot be a path prefix: only the path-less suggestions remain.
    expect(suggestExclusions({ path: "/a'b", matches: [sqli] }).map((x) => x.description)).toEqual(["Rule 942100 ignores ARGS:q", "Rule 942100 off"]);
    // A custom rule (id outside the CRS range) is not excluded: it is edited.
    expect(suggestExclusions({ path: "/", matches: [match(100001, { variable: "ARGS:x" })] })).toEqual([]);
  });

  it("without a variable, proposes the rule under the path", () => {
    expect(suggestExclusions({ path: "/x", matches: [match(920350)] }).map((x) => x.description)).toEqual(["Rule 920350 off on /x", "Rule 920350 off"]);
  });
});

describe("what a draft would let through", () => {
  it("matches targets like ModSecurity: collection and name case-insensitive, whole collection, regex selector", () => {
    expect(targetCovers("ARGS:q", "ARGS:Q")).toBe(true);
    expect(targetCovers("ARGS", "ARGS:q")).toBe(true);
    expect(targetCovers("ARGS:q", "ARGS:qq")).toBe(false);
    expect(targetCovers("ARGS:/^json\\./", "ARGS:json.a")).toBe(true);
    expect(targetCovers("REQUEST_COOKIES:q", "ARGS:q")).toBe(false);
    expect(targetCovers("ARGS:q", null)).toBe(false);
  });

  it("honours the path prefix, the id range and the tag", () => {
    expect(exclusionCovers({ kind: "REMOVE_BY_ID", ruleId: 942000, ruleIdEnd: 942999, pathPrefix: "/api" }, sqli, "/api/x")).toBe(true);
    expect(exclusionCovers({ kind: "REMOVE_BY_ID", ruleId: 942000, ruleIdEnd: 942999, pathPrefix: "/api" }, sqli, "/apx")).toBe(false);
    expect(exclusionCovers({ kind: "REMOVE_BY_TAG", tag: "attack-sqli" }, sqli, "/")).toBe(true);
    expect(exclusionCovers({ kind: "REMOVE_TARGET_BY_TAG", tag: "attack-sqli", target: "ARGS:comment" }, sqli, "/")).toBe(false);
  });

  it("counts the events it touches, those it lets through and those that scored on other rules too", () => {
    const draft = { kind: "REMOVE_TARGET_BY_ID" as const, ruleId: 942100, target: "ARGS:q", pathPrefix: "/search" };
    const impact = exclusionImpact(draft, [
      { path: "/search", matches: [sqli, block] },
      { path: "/search/more", matches: [sqli, xss, block] },
      { path: "/other", matches: [sqli, block] },
      { path: "/search", matches: [match(942100, { variable: "ARGS:other" }), block] },
      { path: "/search", matches: [xss] },
    ]);
    expect(impact).toEqual({ touched: 2, letThrough: 1, alsoOtherRules: 1, otherRules: [{ ruleId: 941100, count: 1 }] });
  });
});
