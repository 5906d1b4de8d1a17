// The ModSecurity words the panel lets an admin use, and the small checks of those words shared by the
// custom-rule validator (secrule.ts) and the rule exclusions (exclusions.ts).
// Every list here was checked against the engine the nodes run (libmodsecurity 3.0.9,
// modsec-rules-check): what is listed parses there. What is not listed is refused, not passed through.

import { describeChar, findNonAscii } from "@/lib/forms/characters";
export { CRS_RULE_ID_MAX, CRS_RULE_ID_MIN, CUSTOM_RULE_ID_MAX, CUSTOM_RULE_ID_MIN, LOCAL_RULE_ID_MAX, LOCAL_RULE_ID_MIN } from "./rule-ids";

/**
 * The CRS rules that turn the anomaly score into a block. Removing them (or a target from them) switches
 * blocking off without the policy saying so, so neither exclusions nor custom rules may touch them.
 */
export const BLOCKING_EVALUATION_RULE_IDS: readonly number[] = [949110, 949111, 959100, 959101];

/**
 * Transaction variables the audited policy owns (paranoia and thresholds, for CRS 3.3 and CRS 4).
 * A custom rule that setvar's one of them would change the policy behind the audit log's back.
 */
export const POLICY_OWNED_TX_VARIABLES: readonly string[] = [
  "paranoia_level",
  "executing_paranoia_level",
  "blocking_paranoia_level",
  "detection_paranoia_level",
  "inbound_anomaly_score_threshold",
  "outbound_anomaly_score_threshold",
];

/**
 * Name patterns of the transaction variables CRS 3.3 and 4 set or read (every `tx.` name in CRS 3.3.4's
 * rules and crs-setup.conf, grouped, plus CRS 4's renames). A custom rule that setvar's one of them can
 * lower a score, raise a threshold, widen the allowed methods or skip CRS checks, so custom rules may set
 * only variables of their own. Matched case-insensitively on the name after `tx.` (ModSecurity does).
 */
export const CRS_OWNED_TX_PATTERNS: readonly RegExp[] = [
  /score/, // anomaly_score, anomaly_score_pl1, critical_anomaly_score, sql_injection_score, xss_score...
  /anomaly/,
  /paranoia/,
  /threshold/,
  /_pl[0-9]+$/,
  /^crs_/, // crs_setup_version, crs_exclusions_*, crs_validate_utf8_encoding, crs_skip_response_analysis
  /^(blocking|detection|executing|early|reporting|sampling|enable|enforce|validate)_/,
  /^(allowed|restricted|static)_/, // allowed_methods, restricted_extensions, static_extensions...
  /^(arg|arg_name|total_arg|max|combined_file)_/, // arg_length, max_num_args, combined_file_sizes...
  /^(block|dos|do_reput|reput|high_risk)_/,
  /^(header_name|paramcounter|rfi_parameter|multipart_headers)_/,
  /^[0-9]+$/, // capture slots tx.0 to tx.9
  /^(content_type|extension|ua_hash|real_ip|checkip|httpbl_msg|sql_error_match|msg|ip)$/,
];

/** True when `name` (after `tx.`) belongs to the policy or CRS: a custom rule may not set or delete it. */
export function isReservedTxVariable(name: string): boolean {
  const lower = name.toLowerCase();
  return POLICY_OWNED_TX_VARIABLES.includes(lower) || CRS_OWNED_TX_PATTERNS.some((p) => p.test(lower));
}

/** Variables that are collections: they take `:selector`, `!` exclusions and `&` counts. */
export const COLLECTION_VARIABLES = [
  "ARGS",
  "ARGS_GET",
  "ARGS_POST",
  "ARGS_NAMES",
  "ARGS_GET_NAMES",
  "ARGS_POST_NAMES",
  "REQUEST_HEADERS",
  "REQUEST_HEADERS_NAMES",
  "REQUEST_COOKIES",
  "REQUEST_COOKIES_NAMES",
  "RESPONSE_HEADERS",
  "RESPONSE_HEADERS_NAMES",
  "FILES",
  "FILES_NAMES",
  "FILES_SIZES",
  "TX",
  "IP",
  "GEO",
  "MATCHED_VARS",
  "MATCHED_VARS_NAMES",
  "XML",
] as const;

/** Variables with a single value: no selector. */
export const SCALAR_VARIABLES = [
  "REQUEST_URI",
  "REQUEST_URI_RAW",
  "REQUEST_FILENAME",
  "REQUEST_BASENAME",
  "REQUEST_METHOD",
  "REQUEST_PROTOCOL",
  "REQUEST_LINE",
  "QUERY_STRING",
  "REQUEST_BODY",
  "REQUEST_BODY_LENGTH",
  "REMOTE_ADDR",
  "SERVER_NAME",
  "RESPONSE_STATUS",
  "RESPONSE_BODY",
  "RESPONSE_CONTENT_TYPE",
  "RESPONSE_PROTOCOL",
  "MATCHED_VAR",
  "MATCHED_VAR_NAME",
  "REQBODY_ERROR",
  "REQBODY_ERROR_MSG",
  "REQBODY_PROCESSOR",
  "ARGS_COMBINED_SIZE",
  "FILES_COMBINED_SIZE",
  "MULTIPART_STRICT_ERROR",
] as const;

export type CollectionVariable = (typeof COLLECTION_VARIABLES)[number];
export type ScalarVariable = (typeof SCALAR_VARIABLES)[number];
export type ModsecVariable = CollectionVariable | ScalarVariable;

/** Every variable a custom rule or an exclusion target may name. */
export const MODSEC_VARIABLES: readonly ModsecVariable[] = [...COLLECTION_VARIABLES, ...SCALAR_VARIABLES];

const COLLECTIONS: ReadonlySet<string> = new Set(COLLECTION_VARIABLES);
const NEEDS_SELECTOR: ReadonlySet<string> = new Set(["TX", "IP"]);
const VARIABLES: ReadonlySet<string> = new Set(MODSEC_VARIABLES);

export function isModsecVariable(name: string): name is ModsecVariable {
  return VARIABLES.has(name);
}

export function isCollectionVariable(name: string): name is CollectionVariable {
  return COLLECTIONS.has(name);
}

/** Transformations (`t:`), exactly as spelled in the ModSecurity reference. */
export const TRANSFORMATIONS: readonly string[] = [
  "none",
  "lowercase",
  "uppercase",
  "urlDecode",
  "urlDecodeUni",
  "urlEncode",
  "htmlEntityDecode",
  "jsDecode",
  "cssDecode",
  "base64Decode",
  "base64DecodeExt",
  "base64Encode",
  "hexDecode",
  "hexEncode",
  "sqlHexDecode",
  "escapeSeqDecode",
  "utf8toUnicode",
  "compressWhitespace",
  "removeWhitespace",
  "removeNulls",
  "replaceNulls",
  "removeComments",
  "removeCommentsChar",
  "replaceComments",
  "normalizePath",
  "normalisePath",
  "normalizePathWin",
  "normalisePathWin",
  "cmdLine",
  "trim",
  "trimLeft",
  "trimRight",
  "length",
  "md5",
  "sha1",
];

/** A selector made of these needs no quoting anywhere (SecRule, ctl:, SecRuleUpdateTargetById). */
export const SIMPLE_SELECTOR = /^[A-Za-z0-9_.-]+$/;

/** A named selector in an exclusion target (not starting with '/', which would read as a regex). */
const EXCLUSION_SELECTOR = /^[A-Za-z0-9$*_.:\[\]-][A-Za-z0-9$*_.:\/\[\]-]{0,255}$/;

/**
 * The only characters libmodsecurity 3.0.9 accepts in the target of `ctl:ruleRemoveTargetById=ID;TARGET`
 * (measured one by one with modsec-rules-check). A regex selector there cannot use ^ \ ( ) + ? { } | .
 */
export const CTL_TARGET_CHARS = /^[A-Za-z0-9$*\-./:\[\]_]+$/;

// ---------------------------------------------------------------------------------------------------
// Regular expressions. ModSecurity uses PCRE; the panel checks with JavaScript's RegExp after translating
// the PCRE-only syntax people commonly write. This catches the typos that matter (an unclosed group,
// a dangling quantifier); libmodsecurity 3 itself loads a broken @rx silently and the rule never matches.

export type RegexCheck = { ok: true; notes: string[] } | { ok: false; message: string };

/** Compile `source` as PCRE would, approximately. Never throws. */
export function checkPcreRegex(source: string): RegexCheck {
  if (source.length === 0) return { ok: false, message: "The regular expression is empty." };
  const notes: string[] = [];
  let flags = "";
  let body = source;

  // Leading inline options: (?i), (?s), (?m), (?is)...
  const leading = /^\(\?([a-zA-Z]+)\)/.exec(body);
  if (leading) {
    const options = leading[1] ?? "";
    const unknown = [...options].filter((o) => !"ims".includes(o));
    if (unknown.length > 0) {
      return {
        ok: false,
        message: `The inline option (?${options}) at the start is not supported here (only i, m and s are): ${unknown.includes("x") ? "rewrite the pattern without extended mode (?x)." : `unknown option '${unknown.join("")}'.`}`,
      };
    }
    flags = [...new Set(options)].join("");
    body = body.slice(leading[0].length);
    notes.push(`(?${options}) at the start was checked as the JavaScript flag${flags.length > 1 ? "s" : ""} ${flags}.`);
  }

  const translated = translatePcre(body, notes);
  if (!translated.ok) return translated;
  try {
    new RegExp(translated.source, flags);
    return { ok: true, notes };
  } catch (error) {
    const raw = error instanceof Error ? error.message : String(error);
    // "Invalid regular expression: /foo(/: Unterminated group" -> "Unterminated group"
    const reason = raw.replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, "");
    return { ok: false, message: `The regular expression does not compile: ${reason}.` };
  }
}

/** Rewrite PCRE-only syntax into a JavaScript equivalent with the same structure, for compiling only. */
function translatePcre(source: string, notes: string[]): { ok: true; source: string } | { ok: false; message: string } {
  let out = "";
  let inClass = false;
  let i = 0;
  const note = (text: string) => {
    if (!notes.includes(text)) notes.push(text);
  };
  while (i < source.length) {
    const c = source[i] as string;
    const next = source[i + 1];
    if (c === "\\") {
      if (next === undefined) return { ok: false, message: "The regular expression ends with a lone backslash." };
      if (!inClass && next === "Q") {
        // \Q...\E quotes everything in between.
        const end = source.indexOf("\\E", i + 2);
        const literal = source.slice(i + 2, end === -1 ? source.length : end);
        out += literal.replace(/[\\^$.*+?()[\]{}|/-]/g, "\\$&");
        i = end === -1 ? source.length : end + 2;
        continue;
      }
      if (!inClass && (next === "A" || next === "z" || next === "Z" || next === "G")) {
        out += next === "A" || next === "G" ? "^" : "$";
        i += 2;
        continue;
      }
      out += c + next;
      i += 2;
      continue;
    }
    if (inClass) {
      if (c === "[" && next === ":") {
        // POSIX class [:alpha:] — JavaScript has none; keep the brackets literal so it still compiles.
        const end = source.indexOf(":]", i + 2);
        if (end !== -1) {
          out += "\\[" + source.slice(i + 1, end + 1) + "\\]";
          i = end + 2;
          continue;
        }
      }
      if (c === "]") inClass = false;
      out += c;
      i += 1;
      continue;
    }
    if (c === "[") {
      inClass = true;
      out += c;
      i += 1;
      // A ']' (or '^]') right after '[' is a literal in PCRE.
      if (source[i] === "^") {
        out += "^";
        i += 1;
      }
      if (source[i] === "]") {
        out += "\\]";
        i += 1;
      }
      continue;
    }
    if (c === "(" && next === "?") {
      const rest = source.slice(i + 2);
      if (rest.startsWith(">")) {
        note("Atomic groups (?>...) were checked as plain groups.");
        out += "(?:";
        i += 3;
        continue;
      }
      if (rest.startsWith("P<")) {
        out += "(?<";
        i += 4;
        continue;
      }
      const backref = /^P=([A-Za-z_][A-Za-z0-9_]*)\)/.exec(rest);
      if (backref) {
        out += `\\k<${backref[1]}>`;
        i += 2 + backref[0].length;
        continue;
      }
      const inline = /^([a-zA-Z]*)(?:-([a-zA-Z]*))?([:)])/.exec(rest);
      if (inline && (inline[1] || inline[2]) && /^[ims]*$/.test(inline[1] ?? "") && /^[ims]*$/.test(inline[2] ?? "")) {
        note("Inline options inside the pattern, like (?i) or (?i:...), were checked without their effect.");
        out += inline[3] === ":" ? "(?:" : "";
        i += 2 + inline[0].length;
        continue;
      }
      if (/^[a-zA-Z]/.test(rest) && !rest.startsWith("P")) {
        return { ok: false, message: `Unsupported inline option at '(?${rest.slice(0, 3)}': use only i, m and s.` };
      }
    }
    if ((c === "+" || c === "*" || c === "?" || c === "}") && next === "+") {
      note("Possessive quantifiers (a++) were checked as ordinary ones.");
      out += c;
      i += 2;
      continue;
    }
    out += c;
    i += 1;
  }
  return { ok: true, source: out };
}

// ---------------------------------------------------------------------------------------------------
// Targets: one variable with an optional selector, as in `ARGS:password` or `REQUEST_HEADERS:User-Agent`.

export type TargetSelector = { kind: "name"; value: string } | { kind: "regex"; source: string } | { kind: "xpath"; value: string };

export type ParsedTarget = {
  /** `!` in front: exclude this target (only with a selector). */
  exclude: boolean;
  /** `&` in front: count the collection's members. */
  count: boolean;
  variable: ModsecVariable;
  selector?: TargetSelector;
};

export type TargetParse = { ok: true; target: ParsedTarget; notes: string[] } | { ok: false; message: string; offset: number };

export type TargetContext = {
  /** Allow `!` and `&` prefixes (SecRule variables); exclusion targets are plain. */
  allowPrefixes?: boolean;
  /** Characters a regex selector must not contain in this context, on top of whitespace and quotes. */
  regexForbidden?: string;
  /**
   * Exclusion targets: a named selector may also use $ * : [ ] / (ARGS:user[name]), which ModSecurity
   * 3.0.9 was measured to read there (SecRuleUpdateTarget*, ctl:ruleRemoveTarget*).
   */
  wideSelector?: boolean;
};

/** Parse one target. `offset` in a failure is the index in `text` where the problem starts. */
export function parseTarget(text: string, context: TargetContext = {}): TargetParse {
  let i = 0;
  let exclude = false;
  let count = false;
  if (text.startsWith("!") || text.startsWith("&")) {
    if (!context.allowPrefixes) {
      return { ok: false, offset: 0, message: `A target here cannot start with '${text[0]}': write the variable itself, e.g. ARGS:password.` };
    }
    exclude = text[0] === "!";
    count = text[0] === "&";
    i = 1;
  }
  const colon = text.indexOf(":", i);
  const name = colon === -1 ? text.slice(i) : text.slice(i, colon);
  if (name.length === 0) return { ok: false, offset: i, message: "A variable name is missing (for example ARGS or REQUEST_HEADERS)." };
  if (!isModsecVariable(name)) {
    const upper = name.toUpperCase();
    if (isModsecVariable(upper)) {
      return { ok: false, offset: i, message: `Write the variable in capitals: ${upper}.` };
    }
    const odd = findNonAscii(name);
    if (odd) {
      return { ok: false, offset: i + odd.index, message: `The variable name '${name}' contains ${odd.description}, which looks like a Latin letter but is not.` };
    }
    return { ok: false, offset: i, message: `Unknown or not allowed variable '${name}'. Allowed: ${MODSEC_VARIABLES.join(", ")}.` };
  }
  const variable = name;
  const notes: string[] = [];
  if (colon === -1) {
    if (NEEDS_SELECTOR.has(variable)) {
      // Bare TX/IP also trips libmodsecurity 3.0.9's parser before some operators.
      return { ok: false, offset: i, message: `${variable} needs a selector: name the variable, e.g. ${variable}:anomaly_score or ${variable}:/^my_/.` };
    }
    if (exclude) {
      return { ok: false, offset: 0, message: `'!${variable}' would exclude the whole variable: name what to exclude, e.g. !${variable}:name.` };
    }
    return { ok: true, target: { exclude, count, variable }, notes };
  }

  const selectorText = text.slice(colon + 1);
  const selectorOffset = colon + 1;
  if (!isCollectionVariable(variable)) {
    return { ok: false, offset: colon, message: `${variable} has a single value and takes no ':selector'.` };
  }
  if (selectorText.length === 0) return { ok: false, offset: selectorOffset, message: "The selector after ':' is empty." };

  if (variable === "XML") {
    if (selectorText !== "/*") {
      return { ok: false, offset: selectorOffset, message: "XML takes only the selector /* (all nodes); other XPath expressions are not supported." };
    }
    return { ok: true, target: { exclude, count, variable, selector: { kind: "xpath", value: "/*" } }, notes };
  }

  if (selectorText.startsWith("/")) {
    if (selectorText.length < 3 || !selectorText.endsWith("/") || selectorText.endsWith("\\/")) {
      return { ok: false, offset: selectorOffset, message: "A regex selector is written between slashes, like ARGS:/^json\\./ — the closing '/' is missing or the regex is empty." };
    }
    const source = selectorText.slice(1, -1);
    // '|' separates variables; '=' next to a '}' breaks libmodsecurity 3.0.9's parser; '%' starts a macro.
    const forbidden = ` \t"'\`|=%${context.regexForbidden ?? ""}`;
    for (let k = 0; k < source.length; k++) {
      const ch = source[k] as string;
      if (forbidden.includes(ch)) {
        return {
          ok: false,
          offset: selectorOffset + 1 + k,
          message: `A regex selector cannot contain ${ch === " " ? "a space" : `'${ch}'`} here${ch === " " ? " (use \\s)" : ch === "|" ? " ('|' separates variables; use a character class or two targets)" : ch === "=" ? " (write \\x3d)" : ""}.`,
        };
      }
    }
    const check = checkPcreRegex(source);
    if (!check.ok) return { ok: false, offset: selectorOffset, message: `Selector ${selectorText}: ${check.message}` };
    return { ok: true, target: { exclude, count, variable, selector: { kind: "regex", source } }, notes: check.notes };
  }

  if (context.wideSelector && EXCLUSION_SELECTOR.test(selectorText)) {
    return { ok: true, target: { exclude, count, variable, selector: { kind: "name", value: selectorText } }, notes };
  }
  if (!SIMPLE_SELECTOR.test(selectorText)) {
    const allowed = context.wideSelector ? /[A-Za-z0-9_.$*:[\]\/-]/ : /[A-Za-z0-9_.-]/;
    const bad = [...selectorText].findIndex((ch) => !allowed.test(ch));
    const ch = selectorText[bad] ?? "";
    return {
      ok: false,
      offset: selectorOffset + Math.max(bad, 0),
      message: context.wideSelector
        ? `The selector '${selectorText}' may contain only letters, digits and $ * _ . : / [ ] - (found ${describeChar(ch)}), at most 256 of them; for anything else use a regex between slashes.`
        : `The selector '${selectorText}' may contain only letters, digits, '_', '.' and '-' (found ${describeChar(ch)}); for anything else use a regex between slashes.`,
    };
  }
  return { ok: true, target: { exclude, count, variable, selector: { kind: "name", value: selectorText } }, notes };
}

/** The target written back as ModSecurity text (`!ARGS:/^a/`). */
export function formatTarget(target: ParsedTarget): string {
  const prefix = target.exclude ? "!" : target.count ? "&" : "";
  const sel = target.selector;
  const selector = !sel ? "" : sel.kind === "regex" ? `:/${sel.source}/` : `:${sel.value}`;
  return `${prefix}${target.variable}${selector}`;
}
