import { describe, expect, it } from "vitest";
import { isFamilyTag, wholeFamilyReason } from "./attention";

const ex = (patch: Partial<Parameters<typeof wholeFamilyReason>[0]>) => ({ kind: "REMOVE_BY_TAG", ruleId: null, ruleIdEnd: null, tag: null, pathPrefix: null, ...patch });

describe("whole rule family exclusions", () => {
  it("recognises CRS family tags (CRS 3 and 4 spellings, any case) and nothing narrower", () => {
    for (const tag of ["attack-sqli", "attack-xss", "OWASP_CRS", "OWASP_CRS/WEB_ATTACK/SQL_INJECTION", "OWASP_CRS/ATTACK-SQLI", "paranoia-level/2", "language-php", "platform-windows", "application-multi", "capec/1000/152/248/66", "PCI/6.5.2"]) {
      expect(isFamilyTag(tag), tag).toBe(true);
    }
    for (const tag of ["my-app", "attack", "xss-perf-disable", "paranoia-level", "sqli"]) expect(isFamilyTag(tag), tag).toBe(false);
  });

  it("flags removal by family tag, site-wide or under a path", () => {
    expect(wholeFamilyReason(ex({ tag: "attack-sqli" }))).toBe("every rule tagged attack-sqli is off on the whole site");
    expect(wholeFamilyReason(ex({ tag: "attack-sqli", pathPrefix: "/api/" }))).toBe("every rule tagged attack-sqli is off under /api/");
    expect(wholeFamilyReason(ex({ tag: "my-app" }))).toBeNull();
  });

  it("flags id ranges of 100 ids or more, not single rules or narrow ranges", () => {
    expect(wholeFamilyReason(ex({ kind: "REMOVE_BY_ID", ruleId: 942000, ruleIdEnd: 942999 }))).toBe("rules 942000–942999 (1,000 ids) are off on the whole site");
    expect(wholeFamilyReason(ex({ kind: "REMOVE_BY_ID", ruleId: 942100, ruleIdEnd: 942199 }))).toContain("(100 ids)");
    expect(wholeFamilyReason(ex({ kind: "REMOVE_BY_ID", ruleId: 942100, ruleIdEnd: 942198 }))).toBeNull();
    expect(wholeFamilyReason(ex({ kind: "REMOVE_BY_ID", ruleId: 942100 }))).toBeNull();
  });

  it("flags a family ignoring a whole collection, but not exclusions that only stop rules looking at one input", () => {
    expect(wholeFamilyReason(ex({ kind: "REMOVE_TARGET_BY_TAG", tag: "attack-sqli", target: "ARGS" }))).toBe("every rule tagged attack-sqli ignores all of ARGS on the whole site");
    expect(wholeFamilyReason(ex({ kind: "REMOVE_TARGET_BY_TAG", tag: "attack-sqli", target: "ARGS:q" }))).toBeNull();
    expect(wholeFamilyReason(ex({ kind: "REMOVE_TARGET_BY_TAG", tag: "my-app", target: "ARGS" }))).toBeNull();
    expect(wholeFamilyReason(ex({ kind: "REMOVE_TARGET_BY_ID", ruleId: 942100 }))).toBeNull();
  });
});
