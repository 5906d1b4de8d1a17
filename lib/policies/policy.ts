// The WAF policy of a virtual host: engine mode, CRS paranoia levels and anomaly thresholds.
// Forms send numbers (valueAsNumber), so the schema takes numbers as they are; an empty number field
// arrives as NaN and gets the "Enter a whole number" message.
import { z } from "zod";
import { ENGINE_MODES, PARANOIA_MAX, PARANOIA_MIN, THRESHOLD_MAX, THRESHOLD_MIN } from "./policy-fields";

export { ENGINE_MODES, PARANOIA_HINT, PARANOIA_MAX, PARANOIA_MIN, THRESHOLD_HINT, THRESHOLD_MAX, THRESHOLD_MIN, type EngineMode } from "./policy-fields";

const paranoia = (label: string) =>
  z
    .number({ error: `Enter the ${label} as a whole number from ${PARANOIA_MIN} to ${PARANOIA_MAX}.` })
    .int(`The ${label} is a whole number.`)
    .min(PARANOIA_MIN, `The ${label} goes from ${PARANOIA_MIN} to ${PARANOIA_MAX}.`)
    .max(PARANOIA_MAX, `The ${label} goes from ${PARANOIA_MIN} to ${PARANOIA_MAX}.`);

const threshold = (label: string) =>
  z
    .number({ error: `Enter the ${label} as a whole number.` })
    .int(`The ${label} is a whole number.`)
    .min(THRESHOLD_MIN, `The ${label} goes from ${THRESHOLD_MIN} to ${THRESHOLD_MAX.toLocaleString("en")}.`)
    .max(THRESHOLD_MAX, `The ${label} goes from ${THRESHOLD_MIN} to ${THRESHOLD_MAX.toLocaleString("en")}.`);

export const WafPolicySchema = z
  .object({
    engineMode: z.enum(ENGINE_MODES, { error: "Choose Off, Detection only or Blocking." }),
    blockingParanoia: paranoia("blocking paranoia level"),
    detectionParanoia: paranoia("detection paranoia level"),
    inboundThreshold: threshold("inbound threshold"),
    outboundThreshold: threshold("outbound threshold"),
    /** Optimistic locking: the version the form was loaded with. */
    version: z.number().int().min(0),
  })
  .superRefine((policy, ctx) => {
    if (policy.detectionParanoia < policy.blockingParanoia) {
      ctx.addIssue({
        code: "custom",
        path: ["detectionParanoia"],
        message:
          `The detection paranoia level must be at least the blocking level (${policy.blockingParanoia}): ` +
          "with a lower one, CRS refuses to run and answers every request with an error.",
      });
    }
  });

export type WafPolicyInput = z.input<typeof WafPolicySchema>;
export type WafPolicy = z.output<typeof WafPolicySchema>;

/** The policy's fields as audit rows record them. */
export function policyView(p: { engineMode: string; blockingParanoia: number; detectionParanoia: number; inboundThreshold: number; outboundThreshold: number; version: number }) {
  const { engineMode, blockingParanoia, detectionParanoia, inboundThreshold, outboundThreshold, version } = p;
  return { engineMode, blockingParanoia, detectionParanoia, inboundThreshold, outboundThreshold, version };
}

type Counts = {
  ipDenyCount: number;
  ipAllowCount: number;
  exclusionCount: number;
  customRuleCount: number;
  /** allowListCoverage's descriptions of the families the allow list covers past the bound (the vhost is flagged). */
  wideAllow?: string[];
};

/** One plain-language sentence: "Blocking at paranoia 2, inbound threshold 5, 3 deny ranges, 1 exclusion". */
export function summarizePolicy(input: { policy: Pick<WafPolicy, "engineMode" | "blockingParanoia" | "detectionParanoia" | "inboundThreshold" | "outboundThreshold"> } & Counts): string {
  const { policy } = input;
  const levels =
    policy.detectionParanoia > policy.blockingParanoia
      ? `paranoia ${policy.blockingParanoia} (logging up to ${policy.detectionParanoia})`
      : `paranoia ${policy.blockingParanoia}`;
  const counts = [
    count(input.ipDenyCount, "deny range"),
    count(input.ipAllowCount, "allow range"),
    count(input.exclusionCount, "exclusion"),
    count(input.customRuleCount, "custom rule"),
  ].filter((part): part is string => part !== null);
  counts.push(...(input.wideAllow ?? []).map((d) => `${d.toUpperCase().slice(0, 1)}${d.slice(1)}: those clients skip the WAF`));

  switch (policy.engineMode) {
    case "BLOCKING":
      return [`Blocking at ${levels}`, `inbound threshold ${policy.inboundThreshold}`, ...counts].join(", ");
    case "DETECTION_ONLY":
      // Only CRS is said not to block: the compiler keeps the deny list enforced in this mode.
      return [
        `Detection only at ${levels}: CRS logs what it would block but blocks nothing`,
        `inbound threshold ${policy.inboundThreshold}`,
        ...counts,
      ].join(", ");
    case "OFF":
      // The compiler loads nothing for an engine that is off: lists and rules wait, unused.
      return counts.length > 0
        ? `Off: requests are not inspected (${counts.join(", ")} kept for when it is on)`
        : "Off: requests are not inspected";
  }
}

function count(n: number, noun: string): string | null {
  if (!Number.isFinite(n) || n <= 0) return null;
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}
