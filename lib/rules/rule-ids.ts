// ModSecurity rule id ranges, on their own so the custom rule form can show them without the vocabulary
// (./modsec-vocabulary.ts re-exports them).

/** Local rules (generated and custom) — ModSecurity's id reservation. */
export const LOCAL_RULE_ID_MIN = 1;
export const LOCAL_RULE_ID_MAX = 99_999;
/**
 * Custom rules get the low part of the local range: the config compiler numbers the rules it generates
 * (IP lists, path-scoped exclusions) from 90,000 to 99,999 in every vhost (lib/waf/types.ts RULE_IDS).
 */
export const CUSTOM_RULE_ID_MIN = 1;
export const CUSTOM_RULE_ID_MAX = 89_999;
/** The OWASP Core Rule Set's id range. */
export const CRS_RULE_ID_MIN = 900_000;
export const CRS_RULE_ID_MAX = 999_999;
