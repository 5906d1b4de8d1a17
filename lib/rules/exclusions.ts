// Rule exclusions: switching off a CRS rule (or one input of it) that misfires on an application.
// The config compiler turns them into, after the CRS includes:
//   SecRuleRemoveById 942100[-942199]         SecRuleRemoveByTag attack-sqli
//   SecRuleUpdateTargetById 942100 "!ARGS:q"  SecRuleUpdateTargetByTag attack-sqli "!ARGS:q"
// and, with a pathPrefix, into a rule of our own before CRS:
//   SecRule REQUEST_FILENAME "@beginsWith /api/" "id:N,phase:1,pass,nolog,ctl:ruleRemoveTargetById=942100;ARGS:q"
// so every field here is restricted to characters that are inert in all of those places. This file is the
// one definition of a valid exclusion: the form, the action and the compiler (parseStoredExclusion) use it.
import { z } from "zod";
import { BLOCKING_EVALUATION_RULE_IDS, CRS_RULE_ID_MAX, CRS_RULE_ID_MIN, CTL_TARGET_CHARS, CUSTOM_RULE_ID_MAX, CUSTOM_RULE_ID_MIN, parseTarget } from "./modsec-vocabulary";
import { describeChar, findForbiddenChar } from "@/lib/forms/characters";
import { EXCLUSION_KIND_FIELDS, RULE_EXCLUSION_KINDS, type RuleExclusionKind } from "./exclusion-fields";

export { describeExclusion, RULE_EXCLUSION_KINDS, type RuleExclusionKind } from "./exclusion-fields";

/** The widest id range one exclusion may remove. */
export const MAX_EXCLUSION_RANGE = 1000;
export const PATH_PREFIX_MAX = 256;
export const EXCLUSION_NOTE_MAX = 200;
export const TAG_MAX = 128;

const CRS_RANGE_MESSAGE =
  `CRS rules have ids ${CRS_RULE_ID_MIN}–${CRS_RULE_ID_MAX}; for your own rules (ids ${CUSTOM_RULE_ID_MIN}–${CUSTOM_RULE_ID_MAX}) ` +
  "disable or edit the custom rule instead.";

function blockingMessage(ids: number[]): string {
  return (
    `${ids.join(", ")} ${ids.length === 1 ? "is a rule that turns" : "are rules that turn"} the anomaly score into a block: ` +
    "excluding it would switch blocking off. Lower the paranoia level or raise the threshold in the policy instead."
  );
}

const CrsRuleIdSchema = z
  .number({ error: "Enter a rule id." })
  .int("A rule id is a whole number.")
  .min(CRS_RULE_ID_MIN, CRS_RANGE_MESSAGE)
  .max(CRS_RULE_ID_MAX, CRS_RANGE_MESSAGE);

/** A single CRS rule id that may be excluded. */
const ExcludableRuleIdSchema = CrsRuleIdSchema.refine((id) => !BLOCKING_EVALUATION_RULE_IDS.includes(id), {
  error: (issue) => blockingMessage([issue.input as number]),
});

const TagSchema = z
  .string()
  .trim()
  .min(1, "Enter a tag, e.g. attack-sqli.")
  .max(TAG_MAX, `A tag has at most ${TAG_MAX} characters.`)
  .regex(
    /^[A-Za-z0-9_./-]+$/,
    "A tag may contain only letters, digits and _ . / - (e.g. attack-sqli, OWASP_CRS/WEB_ATTACK/SQL_INJECTION, paranoia-level/2).",
  );

/** One variable with an optional selector: ARGS:password, REQUEST_HEADERS:User-Agent, ARGS_NAMES, ARGS:/^json\./ */
export const ExclusionTargetSchema = z
  .string()
  .trim()
  .min(1, "Enter the input to exclude, e.g. ARGS:password.")
  .max(256, "The target is too long (at most 256 characters).")
  .superRefine((text, ctx) => {
    const problem = targetProblem(text);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  });

// The characters libmodsecurity 3.0.9 was measured to parse in a regex selector in any order (in
// SecRuleUpdateTarget*): no "|" (it splits the variable list even there) and none of < > = ! @ & ~ # /
// (some pairs, e.g. "}=", break its lexer).
const REGEX_SELECTOR_CHARS = /^[A-Za-z0-9_.:\[\]^$*+?(){}\\-]+$/;

function targetProblem(text: string): string | null {
  const bad = findForbiddenChar(text, { allowUnusualSpaces: false });
  if (bad) return `The target contains ${bad.description}.`;
  const unsafe = /[\s"'`,;]/.exec(text);
  if (unsafe) {
    const what = /\s/.test(unsafe[0]) ? "a space" : `'${unsafe[0]}'`;
    return `The target cannot contain ${what}: write one variable, like ARGS:password.`;
  }
  const parsed = parseTarget(text, { allowPrefixes: false, regexForbidden: ",;", wideSelector: true });
  if (!parsed.ok) return parsed.message;
  const selector = parsed.target.selector;
  if (selector?.kind === "xpath") return "XML cannot be excluded by selector: exclude the whole XML variable, or the rule.";
  if (selector?.kind === "regex" && !REGEX_SELECTOR_CHARS.test(selector.source)) {
    return "A regex selector in an exclusion may use only letters, digits and _ . : [ ] ^ $ * + ? ( ) { } \\ - (ModSecurity 3.0.9 misreads other characters there).";
  }
  return null;
}

/** Optional: limits the exclusion to requests whose path starts with this (e.g. /api/upload). */
export const PathPrefixSchema = z
  .string()
  .trim()
  .max(PATH_PREFIX_MAX, `The path prefix has at most ${PATH_PREFIX_MAX} characters.`)
  .superRefine((path, ctx) => {
    const problem = pathPrefixProblem(path);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  });

// Letters, digits and the punctuation that means nothing inside a quoted ModSecurity argument or a path.
const PATH_CHAR = /[\p{L}\p{N}!$&()*+,\-./:;<=>@[\]^_{|}~]/u;

function pathPrefixProblem(path: string): string | null {
  if (!path.startsWith("/")) return "The path prefix must start with '/', e.g. /api/.";
  const bad = findForbiddenChar(path, { allowUnusualSpaces: false });
  if (bad) return `The path prefix contains ${bad.description}.`;
  const m = /[\s"'`\\%?#]/.exec(path);
  if (m) {
    const ch = m[0];
    if (/\s/.test(ch)) return "The path prefix cannot contain spaces.";
    if (ch === "%") return "Write the path decoded (ModSecurity compares the decoded path): no '%' escapes.";
    if (ch === "?" || ch === "#") return "Only the path: leave out the query string ('?…') and fragment ('#…').";
    return `The path prefix cannot contain ${ch === "\\" ? "a backslash" : `quotes (${ch})`}.`;
  }
  const odd = [...path].find((ch) => !PATH_CHAR.test(ch));
  if (odd) return `The path prefix cannot contain ${describeChar(odd)}: use letters, digits and the punctuation of ordinary paths.`;
  // ModSecurity compares the normalised path (as nginx routes it): a prefix with // or /../ never matches.
  if (/\/\/|\/\.\.?(?:\/|$)/.test(path)) return "Write the path prefix normalised: no '//', '/./' or '/../'.";
  return null;
}

const NoteSchema = z
  .string()
  .trim()
  .max(EXCLUSION_NOTE_MAX, `Keep the note under ${EXCLUSION_NOTE_MAX + 1} characters.`)
  .superRefine((note, ctx) => {
    const bad = findForbiddenChar(note);
    if (bad) ctx.addIssue({ code: "custom", message: `The note contains ${bad.description}: use one line of plain text.` });
  });

const common = {
  pathPrefix: PathPrefixSchema.optional(),
  note: NoteSchema.optional(),
};

// With a path prefix the target ends up in ctl:ruleRemoveTargetById, whose parser is narrower.
function checkPathScopedTarget(value: { target: string; pathPrefix?: string | undefined }, ctx: z.RefinementCtx): void {
  if (value.pathPrefix && /^[A-Z_]+:\//.test(value.target)) {
    ctx.addIssue({
      code: "custom",
      path: ["target"],
      message:
        "Limited to a path, this target is applied per request (ctl:ruleRemoveTargetById), which does not take a /regex/ selector " +
        "in ModSecurity 3.0.9. Name the input, or remove the path prefix to exclude the regex everywhere.",
    });
  } else if (value.pathPrefix && !CTL_TARGET_CHARS.test(value.target)) {
    ctx.addIssue({
      code: "custom",
      path: ["target"],
      message:
        "Limited to a path, this target is applied per request (ctl:ruleRemoveTargetById), where ModSecurity 3.0.9 accepts only " +
        "letters, digits and $ * - . / : [ ] _. Use a plain name, or remove the path prefix to exclude it everywhere.",
    });
  }
}

export const RemoveByIdSchema = z
  .object({
    kind: z.literal("REMOVE_BY_ID"),
    ruleId: ExcludableRuleIdSchema,
    /** Last id of a range, inclusive. */
    ruleIdEnd: CrsRuleIdSchema.optional(),
    ...common,
  })
  .superRefine((value, ctx) => {
    if (value.ruleIdEnd === undefined) return;
    if (value.ruleIdEnd < value.ruleId) {
      ctx.addIssue({ code: "custom", path: ["ruleIdEnd"], message: `The range must end at or after ${value.ruleId}.` });
      return;
    }
    const size = value.ruleIdEnd - value.ruleId + 1;
    if (size > MAX_EXCLUSION_RANGE) {
      ctx.addIssue({
        code: "custom",
        path: ["ruleIdEnd"],
        message: `That range holds ${size.toLocaleString("en")} ids; one exclusion may cover at most ${MAX_EXCLUSION_RANGE}. Narrow it, or exclude by tag.`,
      });
      return;
    }
    const blocked = BLOCKING_EVALUATION_RULE_IDS.filter((id) => id >= value.ruleId && id <= (value.ruleIdEnd as number));
    if (blocked.length > 0) {
      ctx.addIssue({ code: "custom", path: ["ruleIdEnd"], message: `The range includes ${blockingMessage(blocked)}` });
    }
  });

export const RemoveByTagSchema = z.object({
  kind: z.literal("REMOVE_BY_TAG"),
  tag: TagSchema,
  ...common,
});

export const RemoveTargetByIdSchema = z
  .object({
    kind: z.literal("REMOVE_TARGET_BY_ID"),
    ruleId: ExcludableRuleIdSchema,
    target: ExclusionTargetSchema,
    ...common,
  })
  .superRefine(checkPathScopedTarget);

export const RemoveTargetByTagSchema = z
  .object({
    kind: z.literal("REMOVE_TARGET_BY_TAG"),
    tag: TagSchema,
    target: ExclusionTargetSchema,
    ...common,
  })
  .superRefine(checkPathScopedTarget);

export const RuleExclusionSchema = z.discriminatedUnion("kind", [
  RemoveByIdSchema,
  RemoveByTagSchema,
  RemoveTargetByIdSchema,
  RemoveTargetByTagSchema,
]);

export type RuleExclusionInput = z.input<typeof RuleExclusionSchema>;
export type RuleExclusion = z.output<typeof RuleExclusionSchema>;

// ---------------------------------------------------------------------------------------------------
// Stored exclusions, as the compiler reads them.

/** A stored exclusion: the columns of a RuleExclusion row (and of a template's exclusion), nulls where the kind has no such field. */
export type StoredExclusion = {
  kind: RuleExclusionKind;
  ruleId: number | null;
  ruleIdEnd: number | null;
  tag: string | null;
  target: string | null;
  pathPrefix: string | null;
  note: string | null;
};

/** The same columns from a source not yet checked (the compiler's ExclusionInput, a JSON file): any kind text. */
export type ExclusionColumns = Omit<StoredExclusion, "kind"> & { kind: string };

/** The columns of a RuleExclusion row for a checked exclusion (nulls where the kind has no such field). */
export function exclusionToColumns(e: RuleExclusion): StoredExclusion {
  return {
    kind: e.kind,
    ruleId: "ruleId" in e ? e.ruleId : null,
    // A one-rule range is stored as a single id.
    ruleIdEnd: e.kind === "REMOVE_BY_ID" && e.ruleIdEnd !== undefined && e.ruleIdEnd !== e.ruleId ? e.ruleIdEnd : null,
    tag: "tag" in e ? e.tag : null,
    target: "target" in e ? e.target : null,
    pathPrefix: e.pathPrefix || null,
    note: e.note || null,
  };
}

/** Only the exclusion's own columns of a row (no id, vhost or times): for audit rows and copies. */
export function exclusionView(e: StoredExclusion): StoredExclusion {
  const { kind, ruleId, ruleIdEnd, tag, target, pathPrefix, note } = e;
  return { kind, ruleId, ruleIdEnd, tag, target, pathPrefix, note };
}

export type StoredExclusionCheck = { ok: true; value: RuleExclusion } | { ok: false; field: string; message: string };

/**
 * A stored exclusion checked with the form's schema (the one definition), for the compiler. A column the
 * kind does not use must be empty: the schema would drop it silently, and the stored row would then say
 * more than the bundle does.
 */
export function parseStoredExclusion(row: ExclusionColumns): StoredExclusionCheck {
  const kind = row.kind as RuleExclusionKind;
  if (!(RULE_EXCLUSION_KINDS as readonly string[]).includes(row.kind)) {
    return { ok: false, field: "kind", message: `must be one of ${RULE_EXCLUSION_KINDS.join(", ")}` };
  }
  const uses = EXCLUSION_KIND_FIELDS[kind];
  for (const column of ["ruleId", "ruleIdEnd", "tag", "target"] as const) {
    const value = row[column];
    if (!uses[column] && value !== null && value !== undefined && value !== "" && !(column === "ruleIdEnd" && value === row.ruleId)) {
      return {
        ok: false,
        field: column,
        message:
          column === "ruleIdEnd" && kind === "REMOVE_TARGET_BY_ID"
            ? "REMOVE_TARGET_BY_ID takes a single rule id (the engine ignores ranges here); use REMOVE_TARGET_BY_TAG for a group"
            : `is not used by ${kind}: clear it`,
      };
    }
  }
  const opt = <T,>(v: T | null | undefined) => (v === null || v === undefined || v === "" ? undefined : v);
  const candidate = {
    kind,
    ...(uses.ruleId && { ruleId: row.ruleId ?? undefined }),
    ...(uses.ruleIdEnd && { ruleIdEnd: opt(row.ruleIdEnd) }),
    ...(uses.tag && { tag: row.tag ?? undefined }),
    ...(uses.target && { target: row.target ?? undefined }),
    pathPrefix: opt(row.pathPrefix),
    note: opt(row.note),
  };
  const parsed = RuleExclusionSchema.safeParse(candidate);
  if (parsed.success) return { ok: true, value: parsed.data };
  const issue = parsed.error.issues[0]!;
  return { ok: false, field: String(issue.path[0] ?? "kind"), message: issue.message };
}
