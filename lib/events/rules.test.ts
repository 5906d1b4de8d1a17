import { describe, expect, it } from "vitest";
import { isBookkeepingRule, isScoringRule } from "./rules";

describe("scoring vs bookkeeping rules", () => {
  it("sets the evaluation, initialisation and correlation rules apart", () => {
    for (const id of [901340, 949110, 949111, 959100, 980130, 980140]) expect(isBookkeepingRule(id), String(id)).toBe(true);
  });
  it("treats CRS detection rules and custom rules as scoring", () => {
    for (const id of [920350, 930110, 941100, 942100, 932160, 200002, 1000001]) expect(isScoringRule(id), String(id)).toBe(true);
  });
});
