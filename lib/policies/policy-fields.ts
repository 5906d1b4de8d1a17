// The policy's choices, ranges and help text as the forms show them. No zod here: client components import
// this without the schemas.
export const ENGINE_MODES = ["OFF", "DETECTION_ONLY", "BLOCKING"] as const;
export type EngineMode = (typeof ENGINE_MODES)[number];

export const PARANOIA_MIN = 1;
export const PARANOIA_MAX = 4;
export const THRESHOLD_MIN = 1;
export const THRESHOLD_MAX = 10_000;

/** Help text shown under the threshold fields. */
export const THRESHOLD_HINT = {
  inbound:
    "Lower: blocks sooner, more false positives. Higher: fewer false positives, but attacks need to score more before they are blocked. CRS recommends 5 to start.",
  // What the engine really does (lib/waf/README.md, "Responses are not inspected"; lib/waf/engine-phases.test.ts).
  outbound:
    "Has no effect on this engine: responses are not inspected, so nothing a backend sends back is scored or blocked. " +
    "nginx has already started sending a response by the time ModSecurity could read it, and blocking then would only cut the connection, " +
    "so Palisade leaves response inspection off, as ModSecurity recommends for nginx. The value is still written to the CRS setup (CRS default: 4).",
} as const;

/** Help text shown under the paranoia fields. */
export const PARANOIA_HINT = {
  blocking:
    "Which CRS rules can block. 1 suits most sites; each level up catches more attacks and flags more legitimate traffic.",
  detection:
    "Rules up to this level run and log but do not add to blocking. Set it one above the blocking level to see what a higher level would catch before switching.",
} as const;
