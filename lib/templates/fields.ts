// The template form's limits and blank exclusion row. No zod here: client components import this without
// the schemas.
import type { ExclusionRow } from "./schema";

export const TEMPLATE_NAME_MAX = 60;
export const TEMPLATE_DESCRIPTION_MAX = 600;
export const TEMPLATE_EXCLUSIONS_MAX = 50;

export const EMPTY_EXCLUSION_ROW: ExclusionRow = { kind: "REMOVE_TARGET_BY_ID", ruleId: "", ruleIdEnd: "", tag: "", target: "", pathPrefix: "", note: "" };
