// Which stored rule exclusions switch off a whole family of CRS rules rather than one misfiring rule or
// input. The dashboard lists them: they are sometimes right, but they are the exclusions worth a second look.

/** An id range this wide switches off a family (CRS files hold ~20–100 rules each, numbered by family). */
export const FAMILY_RANGE_MIN = 100;

/**
 * CRS tags that name a family of rules: the attack classes (attack-sqli, OWASP_CRS/WEB_ATTACK/SQL_INJECTION,
 * CRS 4's OWASP_CRS/ATTACK-SQLI), whole paranoia levels, and the language / platform / application groups.
 */
const FAMILY_TAG = /^(attack-[a-z0-9-]+|owasp_crs(\/.*)?|paranoia-level\/\d|language-[a-z0-9-]+|platform-[a-z0-9-]+|application-[a-z0-9-]+|capec(\/.*)?|pci(\/.*)?)$/i;

export function isFamilyTag(tag: string): boolean {
  return FAMILY_TAG.test(tag.trim());
}

export type ExclusionLike = { kind: string; ruleId: number | null; ruleIdEnd: number | null; tag: string | null; target?: string | null; pathPrefix: string | null };

/** Why this exclusion switches off a whole rule family, or null when it does not. */
export function wholeFamilyReason(e: ExclusionLike): string | null {
  const where = e.pathPrefix ? `under ${e.pathPrefix}` : "on the whole site";
  if (e.kind === "REMOVE_BY_TAG" && e.tag && isFamilyTag(e.tag)) return `every rule tagged ${e.tag} is off ${where}`;
  // Ignoring a whole collection (ARGS, not ARGS:q) in a family's rules blinds that family just as well.
  if (e.kind === "REMOVE_TARGET_BY_TAG" && e.tag && isFamilyTag(e.tag) && e.target && !e.target.includes(":")) {
    return `every rule tagged ${e.tag} ignores all of ${e.target} ${where}`;
  }
  if (e.kind === "REMOVE_BY_ID" && e.ruleId !== null && e.ruleIdEnd !== null) {
    const size = e.ruleIdEnd - e.ruleId + 1;
    if (size >= FAMILY_RANGE_MIN) return `rules ${e.ruleId}–${e.ruleIdEnd} (${size.toLocaleString("en")} ids) are off ${where}`;
  }
  return null;
}
