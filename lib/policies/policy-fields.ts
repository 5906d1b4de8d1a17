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
  outbound:
    "Lower: stops leaking responses sooner, more false positives. Higher: fewer false positives, but more of a leaking response can get out. CRS recommends 4 to start.",
} as const;

/** Help text shown under the paranoia fields. */
export const PARANOIA_HINT = {
  blocking:
    "Which CRS rules can block. 1 suits most sites; each level up catches more attacks and flags more legitimate traffic.",
  detection:
    "Rules up to this level run and log but do not add to blocking. Set it one above the blocking level to see what a higher level would catch before switching.",
} as const;
