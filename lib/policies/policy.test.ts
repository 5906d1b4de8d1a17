import { describe, expect, it } from "vitest";
import { THRESHOLD_HINT, WafPolicySchema, summarizePolicy, type WafPolicy } from "./policy";

const base: WafPolicy = {
  engineMode: "BLOCKING",
  blockingParanoia: 2,
  detectionParanoia: 2,
  inboundThreshold: 5,
  outboundThreshold: 4,
  version: 3,
};

function fieldMessages(input: unknown): Record<string, string[]> {
  const result = WafPolicySchema.safeParse(input);
  expect(result.success).toBe(false);
  const out: Record<string, string[]> = {};
  for (const issue of result.error?.issues ?? []) (out[issue.path.join(".")] ??= []).push(issue.message);
  return out;
}

describe("WafPolicySchema", () => {
  it("accepts a valid policy unchanged", () => {
    expect(WafPolicySchema.parse(base)).toEqual(base);
    expect(WafPolicySchema.parse({ ...base, engineMode: "OFF", blockingParanoia: 1, detectionParanoia: 4, inboundThreshold: 10_000 })).toBeTruthy();
  });

  it("puts the paranoia ordering error on detectionParanoia and explains it", () => {
    expect(fieldMessages({ ...base, blockingParanoia: 3, detectionParanoia: 2 })).toEqual({
      detectionParanoia: [
        "The detection paranoia level must be at least the blocking level (3): with a lower one, CRS refuses to run and answers every request with an error.",
      ],
    });
  });

  it("refuses out-of-range and non-integer numbers, field by field", () => {
    const errors = fieldMessages({ ...base, blockingParanoia: 0, detectionParanoia: 5, inboundThreshold: 0, outboundThreshold: 10_001, version: -1 });
    expect(Object.keys(errors).sort()).toEqual(["blockingParanoia", "detectionParanoia", "inboundThreshold", "outboundThreshold", "version"]);
    expect(errors.blockingParanoia).toEqual(["The blocking paranoia level goes from 1 to 4."]);
    expect(errors.outboundThreshold).toEqual(["The outbound threshold goes from 1 to 10,000."]);
    expect(fieldMessages({ ...base, inboundThreshold: 5.5 }).inboundThreshold).toEqual(["The inbound threshold is a whole number."]);
  });

  it("does not coerce strings (forms send valueAsNumber) and names an empty field", () => {
    expect(fieldMessages({ ...base, inboundThreshold: "5" }).inboundThreshold).toEqual(["Enter the inbound threshold as a whole number."]);
    expect(fieldMessages({ ...base, blockingParanoia: Number.NaN }).blockingParanoia).toEqual([
      "Enter the blocking paranoia level as a whole number from 1 to 4.",
    ]);
  });

  it("refuses an unknown engine mode", () => {
    expect(fieldMessages({ ...base, engineMode: "ON" }).engineMode).toEqual(["Choose Off, Detection only or Blocking."]);
  });
});

describe("THRESHOLD_HINT", () => {
  it("explains both directions of the inbound threshold", () => {
    expect(THRESHOLD_HINT.inbound).toMatch(/^Lower: blocks sooner, more false positives\. Higher: /);
  });

  it("says the outbound threshold has no effect on this engine (responses are not inspected)", () => {
    expect(THRESHOLD_HINT.outbound).toMatch(/^Has no effect on this engine: responses are not inspected, so nothing a backend sends back is scored or blocked\. /);
    expect(THRESHOLD_HINT.outbound).not.toMatch(/Lower|leak/);
  });
});

describe("summarizePolicy", () => {
  const counts = { ipDenyCount: 3, ipAllowCount: 0, exclusionCount: 1, customRuleCount: 0 };

  it("reads like the brief's example", () => {
    expect(summarizePolicy({ policy: base, ...counts })).toBe("Blocking at paranoia 2, inbound threshold 5, 3 deny ranges, 1 exclusion");
  });

  it("uses singular and plural correctly and leaves out zeros", () => {
    expect(summarizePolicy({ policy: base, ipDenyCount: 1, ipAllowCount: 2, exclusionCount: 2, customRuleCount: 1 })).toBe(
      "Blocking at paranoia 2, inbound threshold 5, 1 deny range, 2 allow ranges, 2 exclusions, 1 custom rule",
    );
    expect(summarizePolicy({ policy: base, ipDenyCount: 0, ipAllowCount: 1, exclusionCount: 0, customRuleCount: 3 })).toBe(
      "Blocking at paranoia 2, inbound threshold 5, 1 allow range, 3 custom rules",
    );
    expect(summarizePolicy({ policy: base, ipDenyCount: 0, ipAllowCount: 0, exclusionCount: 0, customRuleCount: 0 })).toBe(
      "Blocking at paranoia 2, inbound threshold 5",
    );
  });

  it("mentions a higher detection level", () => {
    expect(summarizePolicy({ policy: { ...base, detectionParanoia: 3 }, ...counts })).toBe(
      "Blocking at paranoia 2 (logging up to 3), inbound threshold 5, 3 deny ranges, 1 exclusion",
    );
  });

  it("says plainly that in detection-only CRS blocks nothing", () => {
    expect(summarizePolicy({ policy: { ...base, engineMode: "DETECTION_ONLY", blockingParanoia: 1, detectionParanoia: 1 }, ...counts })).toBe(
      "Detection only at paranoia 1: CRS logs what it would block but blocks nothing, inbound threshold 5, 3 deny ranges, 1 exclusion",
    );
  });

  it("says plainly that off inspects nothing", () => {
    expect(summarizePolicy({ policy: { ...base, engineMode: "OFF" }, ...counts })).toBe(
      "Off: requests are not inspected (3 deny ranges, 1 exclusion kept for when it is on)",
    );
    expect(summarizePolicy({ policy: { ...base, engineMode: "OFF" }, ipDenyCount: 0, ipAllowCount: 0, exclusionCount: 0, customRuleCount: 0 })).toBe(
      "Off: requests are not inspected",
    );
  });
});
