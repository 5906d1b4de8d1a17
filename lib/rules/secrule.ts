// Custom rules: one line of ModSecurity text an admin types, checked before it can reach a config file.
//
// The check is deliberately narrower than what libmodsecurity accepts. Anything that could make one
// field start a second directive (a line break, an unbalanced quote, text after the actions) is refused,
// and so is anything whose meaning differs between ModSecurity v2 and v3 (a run of backslashes before a
// quote), anything that reaches outside the request (files, programs, persistent collections) and
// anything that reduces protection: a custom rule can add detection and blocking, never take it away
// (allow, ctl, skips, chains, setvar of a CRS or policy variable; see WEAKENING_ACTIONS and lib/waf/README.md).
//
// Grammar accepted, on one line:
//   SecRule VARIABLES "OPERATOR" "ACTIONS"      SecAction "ACTIONS"
// VARIABLES: unquoted, `|`-separated targets (see parseTarget). OPERATOR and ACTIONS: double-quoted,
// `\"` is an escaped quote inside the operator. ACTIONS: comma-separated `name` or `name:value`,
// a value with spaces or commas in single quotes (`msg:'a, b'`, `\'` escapes a quote). Columns in errors
// are 1-based positions in the text as given.
//
// Some refusals exist only because libmodsecurity 3.0.9's parser rejects or misreads the form (a '%' not
// starting a macro, maturity without quotes, a bare TX, '=' in a regex selector...). They were found by
// feeding ~150,000 rules this validator accepted to the engine's own parser (RulesSet::load) until none
// failed; each such check says "ModSecurity 3" in its message.
import { z } from "zod";
import { parseCidr } from "@/lib/policies/cidr";
import { CRS_RULE_ID_MAX, CRS_RULE_ID_MIN, CUSTOM_RULE_ID_MAX, CUSTOM_RULE_ID_MIN, LOCAL_RULE_ID_MAX, POLICY_OWNED_TX_VARIABLES, TRANSFORMATIONS, checkPcreRegex, formatTarget, isCollectionVariable, isModsecVariable, isReservedTxVariable, parseTarget, type ParsedTarget } from "./modsec-vocabulary";
import { describeChar, findForbiddenChar, findNonAscii } from "@/lib/forms/characters";

export const SECRULE_MAX_LENGTH = 4096;

export const SECRULE_OPERATORS = [
  "rx",
  "pm",
  "streq",
  "contains",
  "beginsWith",
  "endsWith",
  "within",
  "eq",
  "ge",
  "gt",
  "le",
  "lt",
  "ipMatch",
  "detectSQLi",
  "detectXSS",
  "validateByteRange",
  "validateUrlEncoding",
  "validateUtf8Encoding",
  "unconditionalMatch",
  "noMatch",
] as const;
export type SecRuleOperatorName = (typeof SECRULE_OPERATORS)[number];

/** Operators ModSecurity has but a custom rule may not use, and why. */
const REFUSED_OPERATORS: Record<string, string> = {
  pmFromFile: "it reads a file on the WAF host; list the phrases with @pm instead",
  pmf: "it reads a file on the WAF host; list the phrases with @pm instead",
  ipMatchFromFile: "it reads a file on the WAF host; use the IP lists or @ipMatch with the ranges",
  ipMatchF: "it reads a file on the WAF host; use the IP lists or @ipMatch with the ranges",
  inspectFile: "it runs a program on the WAF host",
  validateDTD: "it reads a file on the WAF host",
  validateSchema: "it reads a file on the WAF host",
  rbl: "it makes DNS queries for every request",
  geoLookup: "no GeoIP database is configured on the nodes",
  gsbLookup: "it is not supported by ModSecurity 3",
  fuzzyHash: "it reads a file on the WAF host",
  verifyCC: "it is not on the panel's vetted list",
  verifyCPF: "it is not on the panel's vetted list",
  verifySSN: "it is not on the panel's vetted list",
  strmatch: "it is not on the panel's vetted list; use @contains",
};

const NO_ARGUMENT_OPERATORS: ReadonlySet<string> = new Set([
  "detectSQLi",
  "detectXSS",
  "validateUrlEncoding",
  "validateUtf8Encoding",
  "unconditionalMatch",
  "noMatch",
]);

export type SecRuleError = { message: string; column?: number };

export type SecRuleOperator = {
  negated: boolean;
  name: SecRuleOperatorName;
  argument: string;
  /** Written without `@`, which means @rx. */
  implicit: boolean;
};

export type SecRuleAction = { name: string; value?: string; quoted: boolean; column: number };

export type SecRulePhase = 1 | 2 | 3 | 4 | 5;

export type ValidSecRule = {
  ok: true;
  /** The rule as given, without surrounding spaces: one line, safe to write into the config as is. */
  directive: string;
  kind: "SecRule" | "SecAction";
  id: number;
  phase: SecRulePhase;
  /** Empty for SecAction. */
  variables: ParsedTarget[];
  /** Null for SecAction. */
  operator: SecRuleOperator | null;
  actions: SecRuleAction[];
  /** Accepted, but worth telling the admin (a rule that only logs, a regex checked approximately...). */
  warnings: string[];
};

export type SecRuleValidation = ValidSecRule | { ok: false; errors: SecRuleError[] };

const INTERNAL_ERROR = "The rule could not be checked. Simplify it and try again.";

/** Check one custom rule. Never throws: every problem comes back as an error with a column. */
export function validateSecRule(text: string, options: { expectedId?: number } = {}): SecRuleValidation {
  try {
    return validate(text, options);
  } catch {
    return { ok: false, errors: [{ message: INTERNAL_ERROR }] };
  }
}

/** For tests: the message a crash inside the validator would produce (it must never appear). */
export const SECRULE_INTERNAL_ERROR = INTERNAL_ERROR;

// ---------------------------------------------------------------------------------------------------

type Token = { quoted: boolean; raw: string; start: number; innerStart: number; end: number };

class Problems {
  readonly list: SecRuleError[] = [];
  add(message: string, index?: number): void {
    this.list.push(index === undefined ? { message } : { message, column: index + 1 });
  }
  get any(): boolean {
    return this.list.length > 0;
  }
}

function validate(text: string, options: { expectedId?: number }): SecRuleValidation {
  const problems = new Problems();
  const failed = (): SecRuleValidation => ({ ok: false, errors: problems.list });
  if (typeof text !== "string") {
    problems.add("The rule must be text.");
    return failed();
  }
  if (text.length > SECRULE_MAX_LENGTH) {
    problems.add(`The rule is too long (${text.length} characters; at most ${SECRULE_MAX_LENGTH}).`);
    return failed();
  }

  checkCharacters(text, problems);
  if (problems.any) return failed();

  let start = 0;
  while (start < text.length && text[start] === " ") start++;
  let end = text.length;
  while (end > start && text[end - 1] === " ") end--;
  if (start === end) {
    problems.add("The rule is empty. Write one SecRule or SecAction.");
    return failed();
  }

  // Directive name.
  let nameEnd = start;
  while (nameEnd < end && text[nameEnd] !== " ") nameEnd++;
  const directiveName = text.slice(start, nameEnd);
  const kind = checkDirectiveName(directiveName, start, problems);
  if (!kind) return failed();

  // Arguments.
  const argNames = kind === "SecRule" ? ["variables", "operator", "actions"] : ["actions"];
  const tokens = tokenize(text, nameEnd, end, argNames, problems);
  if (!tokens) return failed();
  if (!checkShape(kind, tokens, argNames, end, problems)) {
    if (tokens.length > argNames.length) reportWeakening(tokens, problems);
    return failed();
  }

  const notes: string[] = [];
  let variables: ParsedTarget[] = [];
  let operator: SecRuleOperator | null = null;
  let actionsToken: Token;
  if (kind === "SecRule") {
    const [varsToken, opToken, actToken] = tokens as [Token, Token, Token];
    variables = parseVariables(varsToken, problems, notes);
    operator = parseOperator(opToken, problems, notes);
    actionsToken = actToken;
  } else {
    actionsToken = tokens[0] as Token;
  }
  const actions = parseActions(actionsToken, problems);
  const facts = actions ? checkActions(actions, kind, operator, options, problems, notes) : null;

  if (problems.any || !actions || !facts) return failed();
  return {
    ok: true,
    directive: text.slice(start, end),
    kind,
    id: facts.id,
    phase: facts.phase,
    variables,
    operator,
    actions,
    warnings: notes,
  };
}

/** Line breaks, NUL and other control or invisible characters are refused wherever they are. */
function checkCharacters(text: string, problems: Problems): void {
  let index = 0;
  let reported = 0;
  while (index < text.length && reported < 5) {
    const bad = findForbiddenChar(text.slice(index), { allowUnusualSpaces: false });
    if (!bad) return;
    const at = index + bad.index;
    const isLineBreak = /[\n\r\u0085\u2028\u2029]/.test(bad.char);
    if (isLineBreak && at > 0 && text[at - 1] === "\\") {
      problems.add("A line continuation (backslash + line break) is not allowed: write the rule on one line.", at - 1);
    } else if (isLineBreak) {
      problems.add(`A line break (${bad.description}) is not allowed: a custom rule is exactly one line.`, at);
    } else if (bad.char === "\t") {
      problems.add("A tab is not allowed: separate the parts with spaces.", at);
    } else {
      problems.add(`${capitalize(bad.description)} is not allowed in a rule${/\p{Zs}/u.test(bad.char) ? ": use a normal space" : ""}.`, at);
    }
    reported++;
    index = at + bad.char.length;
  }
}

function checkDirectiveName(name: string, start: number, problems: Problems): "SecRule" | "SecAction" | null {
  if (name === "SecRule" || name === "SecAction") return name;
  const lower = name.toLowerCase();
  if (lower === "secrule" || lower === "secaction") {
    problems.add(`Write the directive as ${lower === "secrule" ? "SecRule" : "SecAction"}, with that capitalisation.`, start);
    return null;
  }
  const odd = findNonAscii(name);
  if (odd) {
    problems.add(
      `The directive '${name}' contains ${odd.description}, a look-alike of a Latin letter. Type SecRule or SecAction again.`,
      start + odd.index,
    );
    return null;
  }
  if (name.startsWith("#")) {
    problems.add("A comment is not a rule: write one SecRule or SecAction.", start);
  } else if (/^SecRule(Remove|Update)/i.test(name)) {
    problems.add(`${name} is not allowed in a custom rule: manage rule exclusions on the Exclusions page.`, start);
  } else if (name.startsWith('"') || /^[A-Z_&!]+(:|\||$)/.test(name)) {
    problems.add("The rule must start with SecRule or SecAction.", start);
  } else {
    problems.add(`'${name}' is not allowed: a custom rule is one SecRule or SecAction directive.`, start);
  }
  return null;
}

/** Split the arguments after the directive name, honouring double quotes. Null after a fatal error. */
function tokenize(text: string, from: number, end: number, argNames: string[], problems: Problems): Token[] | null {
  const tokens: Token[] = [];
  let i = from;
  while (i < end) {
    if (text[i] === " ") {
      i++;
      continue;
    }
    const argName = argNames[tokens.length] ?? "actions";
    if (text[i] !== '"') {
      let j = i;
      while (j < end && text[j] !== " ") {
        if (text[j] === '"') {
          problems.add(`Unexpected double quote in the middle of '${text.slice(i, j)}…'.`, j);
          return null;
        }
        j++;
      }
      tokens.push({ quoted: false, raw: text.slice(i, j), start: i, innerStart: i, end: j });
      i = j;
      continue;
    }
    // Double-quoted argument.
    let j = i + 1;
    let close = -1;
    while (j < end) {
      const c = text[j];
      if (c === "\\") {
        let k = j;
        while (k < end && text[k] === "\\") k++;
        if (text[k] === '"') {
          if (k - j >= 2) {
            problems.add(
              `Backslashes right before a double quote are ambiguous (ModSecurity v2 and v3 read them differently) in the ${argName}. ` +
                "For a literal backslash at that spot write \\x5c; for a quote write \\x22.",
              j,
            );
            return null;
          }
          j = k + 1; // \" is an escaped quote
          continue;
        }
        j = k;
        continue;
      }
      if (c === '"') {
        close = j;
        break;
      }
      j++;
    }
    if (close === -1) {
      problems.add(`The double quote that opens the ${argName} is never closed.`, i);
      return null;
    }
    if (close + 1 < end && text[close + 1] !== " ") {
      problems.add(
        argName === "actions"
          ? "This double quote ends the actions early (text continues right after it). Inside the actions, quote values with single quotes (msg:'...'); double quotes are not allowed there."
          : `This double quote ends the ${argName} early (text continues right after it). Write a quote inside the ${argName} as \\".`,
        close,
      );
      return null;
    }
    tokens.push({ quoted: true, raw: text.slice(i + 1, close), start: i, innerStart: i + 1, end: close + 1 });
    i = close + 1;
  }
  return tokens;
}

function checkShape(kind: "SecRule" | "SecAction", tokens: Token[], argNames: string[], end: number, problems: Problems): boolean {
  const expected = argNames.length;
  const usage = kind === "SecRule" ? 'SecRule VARIABLES "OPERATOR" "ACTIONS"' : 'SecAction "ACTIONS"';
  if (tokens.length < expected) {
    const missing = argNames.slice(tokens.length).join(" and ");
    problems.add(`The ${missing} ${tokens.length + 1 < expected ? "are" : "is"} missing: write ${usage}.`, end);
    return false;
  }
  const extra = tokens[expected];
  if (extra) {
    const secondDirective = /^Sec[A-Za-z]+$/.test(extra.raw) && !extra.quoted;
    problems.add(
      secondDirective
        ? `A second directive (${extra.raw}) is not allowed: a custom rule is exactly one directive.`
        : `Unexpected text after the actions: a custom rule is exactly one directive (${usage}).`,
      extra.start,
    );
    return false;
  }
  tokens.forEach((token, position) => {
    const argName = argNames[position];
    if (argName === "variables" && token.quoted) {
      problems.add("Write the variables without quotes, e.g. ARGS|REQUEST_HEADERS:User-Agent.", token.start);
    } else if (argName !== "variables" && !token.quoted) {
      problems.add(`Put the ${argName} in double quotes: ${usage}.`, token.start);
    }
  });
  return !problems.any;
}

function parseVariables(token: Token, problems: Problems, notes: string[]): ParsedTarget[] {
  const targets: ParsedTarget[] = [];
  let offset = 0;
  for (const piece of token.raw.split("|")) {
    const at = token.innerStart + offset;
    offset += piece.length + 1;
    if (piece.length === 0) {
      problems.add("A variable is missing between '|' separators.", at);
      continue;
    }
    const parsed = parseTarget(piece, { allowPrefixes: true });
    if (!parsed.ok) {
      // ARGS:/a|b/ arrives here split in two: say why rather than "closing '/' missing".
      const splitRegex = /:\/[^/]*$/.test(piece) && offset < token.raw.length;
      problems.add(
        splitRegex ? "A regex selector cannot contain '|' ('|' separates variables): use a character class, or two variables." : parsed.message,
        at + parsed.offset,
      );
      continue;
    }
    for (const note of parsed.notes) notes.push(`Variable ${formatTarget(parsed.target)}: ${note}`);
    targets.push(parsed.target);
  }
  if (targets.length > 0 && targets.every((t) => t.exclude)) {
    problems.add("The variables only exclude (!): name what to inspect too, e.g. ARGS|!ARGS:password.", token.innerStart);
  }
  return targets;
}

function parseOperator(token: Token, problems: Problems, notes: string[]): SecRuleOperator | null {
  const raw = token.raw;
  if (raw.length === 0) {
    problems.add("The operator is empty: write for example \"@rx pattern\".", token.start);
    return null;
  }
  const negated = raw.startsWith("!");
  const body = negated ? raw.slice(1) : raw;
  const bodyAt = token.innerStart + (negated ? 1 : 0);
  if (body.trim().length === 0) {
    problems.add("The operator is empty: write for example \"@rx pattern\".", token.start);
    return null;
  }
  if (body.startsWith(" ")) {
    problems.add("Remove the space at the start of the operator (to match a leading space, write @rx \\x20...).", bodyAt);
    return null;
  }
  const implicit = !body.startsWith("@");
  if (negated && body.startsWith("!")) {
    problems.add('Two \'!\' in a row: to negate a pattern that starts with \'!\', write it with @rx, e.g. "!@rx !foo".', bodyAt);
    return null;
  }
  let name = "rx";
  let argument = body;
  let argumentAt = bodyAt;
  if (!implicit) {
    const space = body.indexOf(" ");
    name = space === -1 ? body.slice(1) : body.slice(1, space);
    let k = space === -1 ? body.length : space;
    while (body[k] === " ") k++;
    argument = body.slice(k);
    argumentAt = bodyAt + k;
  }
  if (!(SECRULE_OPERATORS as readonly string[]).includes(name)) {
    const refused = REFUSED_OPERATORS[name];
    const sameExceptCase = SECRULE_OPERATORS.find((op) => op.toLowerCase() === name.toLowerCase());
    const odd = findNonAscii(name);
    if (refused) problems.add(`@${name} is not allowed: ${refused}.`, bodyAt);
    else if (sameExceptCase) problems.add(`Write the operator as @${sameExceptCase}, with that capitalisation.`, bodyAt);
    else if (odd) problems.add(`The operator @${name} contains ${odd.description}, a look-alike of a Latin letter.`, bodyAt + 1 + odd.index);
    else if (name.length === 0) problems.add("The operator name after '@' is missing.", bodyAt);
    else problems.add(`Unknown or not allowed operator @${name}. Allowed: ${SECRULE_OPERATORS.map((op) => `@${op}`).join(", ")}.`, bodyAt);
    return null;
  }
  const op = name as SecRuleOperatorName;
  if (argument.startsWith('\\"')) {
    problems.add('The operator argument cannot start with \\" (ModSecurity 3 misreads it): in a regex write \\x22 instead.', argumentAt);
    return null;
  }
  const problem = checkOperatorArgument(op, argument, notes);
  if (problem) {
    problems.add(problem, argumentAt);
    return null;
  }
  return { negated, name: op, argument, implicit };
}

function checkOperatorArgument(op: SecRuleOperatorName, argument: string, notes: string[]): string | null {
  if (NO_ARGUMENT_OPERATORS.has(op)) {
    return argument.length > 0 ? `@${op} takes no argument; remove '${argument}'.` : null;
  }
  if (argument.length === 0) return `@${op} needs an argument.`;
  const macroProblem = checkMacros(argument, "operator", true);
  if (macroProblem) return macroProblem;
  switch (op) {
    case "rx": {
      const check = checkPcreRegex(argument);
      if (!check.ok) return check.message;
      for (const note of check.notes) notes.push(`@rx: ${note}`);
      return null;
    }
    case "eq":
    case "ge":
    case "gt":
    case "le":
    case "lt":
      return /^-?[0-9]{1,18}$/.test(argument) || /^%\{[A-Za-z0-9_.:-]+\}$/.test(argument)
        ? null
        : `@${op} compares numbers: write an integer (or a macro like %{tx.anomaly_score}), not '${argument}'.`;
    case "ipMatch": {
      const ranges = argument.split(",");
      for (const range of ranges) {
        if (range !== range.trim() || range.length === 0) {
          return "@ipMatch takes ranges separated by commas without spaces (ModSecurity 3 rejects a space after the comma), e.g. @ipMatch 10.0.0.0/8,192.0.2.7.";
        }
        const parsed = parseCidr(range);
        if (!parsed.ok) return `@ipMatch: ${parsed.error}`;
        if (parsed.value.coversEverything) {
          return `@ipMatch cannot take ${range} (ModSecurity 3 rejects a /0 range): use @unconditionalMatch to match every client.`;
        }
        if (parsed.value.canonical !== range) {
          return `@ipMatch: write ${range} as ${parsed.value.canonical} (ModSecurity 3 rejects /128 on a single address; /32 breaks ModSecurity 2).`;
        }
      }
      return null;
    }
    case "validateByteRange": {
      for (const part of argument.split(",")) {
        const m = /^([0-9]{1,3})(?:-([0-9]{1,3}))?$/.exec(part);
        const low = m ? Number(m[1]) : NaN;
        const high = m?.[2] !== undefined ? Number(m[2]) : low;
        if (!m || low > 255 || high > 255 || low > high) {
          return `@validateByteRange takes byte values 0–255 and ranges, separated by commas, e.g. 9,10,13,32-126 ('${part}' is not one).`;
        }
      }
      return null;
    }
    default:
      return null;
  }
}

// ---------------------------------------------------------------------------------------------------
// Actions.

function parseActions(token: Token, problems: Problems): SecRuleAction[] | null {
  const raw = token.raw;
  const base = token.innerStart;
  const before = problems.list.length;
  const quote = raw.indexOf('"');
  if (quote !== -1) {
    problems.add(
      "A double quote inside the actions is not allowed, even escaped: quote values with single quotes (msg:'...'), and write a literal quote as &quot; or in the operator.",
      base + quote,
    );
    return null;
  }
  if (raw.trim().length === 0) {
    problems.add("The actions are empty: at least id and phase are needed, e.g. \"id:10001,phase:2,deny,status:403\".", token.start);
    return null;
  }
  if (raw.startsWith(" ")) problems.add("Remove the space at the start of the actions.", base);
  if (raw.endsWith(" ")) problems.add("Remove the space at the end of the actions (ModSecurity 3 rejects it).", base + raw.length - 1);

  const actions: SecRuleAction[] = [];
  let i = 0;
  const n = raw.length;
  while (i < n) {
    while (raw[i] === " ") i++;
    const nameStart = i;
    while (i < n && /[A-Za-z0-9_]/.test(raw[i] as string)) i++;
    const name = raw.slice(nameStart, i);
    if (name.length === 0) {
      const ch = raw[i] ?? "";
      if (ch === ",") problems.add("An action is missing between two commas.", base + i);
      else if (i >= n) problems.add("The actions end with a comma: remove it.", base + i - 1);
      else if (ch.charCodeAt(0) > 0x7e) problems.add(`An action name contains ${describeChar(ch)}, a look-alike of a Latin letter.`, base + i);
      else problems.add(`Expected an action name, found ${describeChar(ch)}.`, base + i);
      return null;
    }
    const action: SecRuleAction = { name, quoted: false, column: base + nameStart + 1 };
    if (raw[i] === ":") {
      i++;
      if (raw[i] === "'") {
        const open = i;
        let j = i + 1;
        let close = -1;
        while (j < n) {
          if (raw[j] === "\\") {
            let k = j;
            while (k < n && raw[k] === "\\") k++;
            if (raw[k] === "'") {
              if (k - j >= 2) {
                problems.add(
                  `Backslashes right before a single quote in ${name} are ambiguous: for a literal backslash there write \\x5c, or rephrase.`,
                  base + j,
                );
                return null;
              }
              j = k + 1;
              continue;
            }
            j = k;
            continue;
          }
          if (raw[j] === "'") {
            close = j;
            break;
          }
          j++;
        }
        if (close === -1) {
          problems.add(`The single quote that opens the value of ${name} is never closed.`, base + open);
          return null;
        }
        action.value = raw.slice(open + 1, close);
        action.quoted = true;
        if (action.value.length === 0) problems.add(`The value of ${name} is empty ('' is rejected by ModSecurity 3).`, base + open);
        if (action.value.startsWith("\\'")) {
          problems.add(`A quoted value cannot start with \\' (ModSecurity 3 misreads it): rephrase the start of ${name}.`, base + open + 1);
        }
        i = close + 1;
      } else {
        const valueStart = i;
        while (i < n && raw[i] !== ",") i++;
        const value = raw.slice(valueStart, i).replace(/ +$/, "");
        const quoteAt = value.indexOf("'");
        if (quoteAt !== -1) {
          problems.add(`A single quote inside an unquoted value of ${name}: put the whole value in single quotes and write the quote as \\'.`, base + valueStart + quoteAt);
          return null;
        }
        if (value.includes(" ")) {
          problems.add(`The value of ${name} contains spaces: put it in single quotes, ${name}:'${value}'.`, base + valueStart);
        }
        action.value = value;
      }
    }
    actions.push(action);
    while (raw[i] === " ") i++;
    if (i >= n) break;
    if (raw[i] !== ",") {
      problems.add(
        action.quoted
          ? `Expected a comma after the quoted value of ${name}, found ${describeChar(raw[i] as string)}.`
          : `Expected ':' or a comma after the action name ${name}, found ${describeChar(raw[i] as string)}.`,
        base + i,
      );
      return null;
    }
    i++;
    if (i >= n) {
      problems.add("The actions end with a comma: remove it.", base + i - 1);
      return null;
    }
  }
  return problems.list.length === before ? actions : null;
}

type ValueRule = "none" | "required" | "optional";
type ActionSpec = {
  value: ValueRule;
  /**
   * Single quotes around the value: libmodsecurity 3.0.9 refuses them on id, phase, status, t and ctl,
   * and refuses ver without them. Default "forbidden".
   */
  quotes?: "optional" | "required" | "forbidden";
  /** May appear only once. */
  once?: boolean;
  disruptive?: boolean;
  /** Returns a problem with the value, or null. */
  check?: (value: string) => string | null;
};

const SEVERITIES = ["EMERGENCY", "ALERT", "CRITICAL", "ERROR", "WARNING", "NOTICE", "INFO", "DEBUG"];

const ACTION_SPECS: Record<string, ActionSpec> = {
  id: { value: "required", once: true, check: checkIdValue },
  phase: {
    value: "required",
    once: true,
    check: (v) =>
      !PHASES[v]
        ? `phase must be 1, 2, 3 or 5 (or request, logging), not '${v}'.`
        : PHASES[v] === 4
          ? "phase 4 (the response body) never runs on this engine: Palisade leaves response inspection off, because on nginx a block while the body streams can only cut the connection. Use phase:3 for response headers."
          : null,
  },
  deny: { value: "none", disruptive: true },
  block: { value: "none", disruptive: true },
  pass: { value: "none", disruptive: true },
  drop: { value: "none", disruptive: true },
  log: { value: "none" },
  nolog: { value: "none" },
  auditlog: { value: "none" },
  noauditlog: { value: "none" },
  capture: { value: "none" },
  multiMatch: { value: "none" },
  msg: { value: "required", quotes: "optional", once: true, check: (v) => checkMacros(v, "msg", false) },
  logdata: { value: "required", quotes: "optional", once: true, check: (v) => checkMacros(v, "logdata", false) },
  tag: { value: "required", quotes: "optional", check: (v) => checkMacros(v, "tag", false) },
  rev: {
    value: "required",
    quotes: "optional",
    once: true,
    check: (v) => (/^[A-Za-z0-9._-]+$/.test(v) ? null : `rev is a revision like 2 or 1.4: letters, digits, '.', '_' and '-' only.`),
  },
  ver: {
    value: "required",
    quotes: "required",
    once: true,
    check: (v) => (/^[A-Za-z0-9 ._/-]+$/.test(v) ? null : `ver is a version like 'site/1.0': letters, digits, spaces and . _ / - only.`),
  },
  severity: {
    value: "required",
    quotes: "optional",
    once: true,
    check: (v) =>
      /^[0-7]$/.test(v) || SEVERITIES.includes(v) ? null : `severity must be 0–7 or one of ${SEVERITIES.join(", ")}, not '${v}'.`,
  },
  status: {
    value: "required",
    once: true,
    check: (v) => (/^[1-5][0-9]{2}$/.test(v) ? null : `status must be an HTTP status code like 403, not '${v}'.`),
  },
  // Unquoted, libmodsecurity 3.0.9 lets maturity and accuracy swallow the next quoted value.
  maturity: { value: "required", quotes: "required", once: true, check: (v) => (/^[1-9]$/.test(v) ? null : `maturity must be 1 to 9, not '${v}'.`) },
  accuracy: { value: "required", quotes: "required", once: true, check: (v) => (/^[1-9]$/.test(v) ? null : `accuracy must be 1 to 9, not '${v}'.`) },
  t: { value: "required", check: checkTransformation },
  setvar: { value: "required", quotes: "optional", check: checkSetvar },
};

/**
 * Actions that reduce protection, refused in every custom rule whatever its condition, phase or
 * capitalisation (libmodsecurity reads action names case-insensitively). Custom rules are written before
 * the CRS include, so each of these would run before CRS scores the request.
 */
const WEAKENING_ACTIONS: Record<string, string> = {
  allow:
    "The allow action is refused in custom rules: it stops inspecting the request (CRS and every later rule), " +
    "so whatever matches the rule is never blocked. To trust a client, add it to the IP allow list.",
  ctl: "", // per option: ctlRefusal
  skip: "The skip action is refused in custom rules: jumping over rules could skip CRS rules.",
  skipafter: "The skipAfter action is refused in custom rules: jumping over rules could skip CRS rules and the blocking evaluation.",
};

/** The refusal of an action that reduces protection (setvar: only the variable's name is judged here), or null. */
function weakeningProblem(action: SecRuleAction): string | null {
  const lower = action.name.toLowerCase();
  if (lower === "ctl") return ctlRefusal(action.value);
  if (Object.hasOwn(WEAKENING_ACTIONS, lower)) return WEAKENING_ACTIONS[lower] as string;
  if (lower === "setvar") {
    const name = /^\s*!?\s*tx\.([^=]+)/i.exec(action.value ?? "")?.[1]?.trim();
    if (name !== undefined && isReservedTxVariable(name)) return checkSetvar(`tx.${name}=1`);
  }
  return null;
}

/**
 * A rule refused for its shape (a chain, a second directive) still names each action in it that would
 * reduce protection, so the admin learns that too rather than only after rewriting it as one directive.
 */
function reportWeakening(tokens: Token[], problems: Problems): void {
  for (const token of tokens) {
    if (!token.quoted || /^!?@/.test(token.raw)) continue;
    const actions = parseActions(token, new Problems());
    for (const action of actions ?? []) {
      if (action.name.toLowerCase() === "setvar" || ACTION_SPECS[action.name] === undefined) {
        const problem = weakeningProblem(action);
        if (problem) problems.add(problem, action.column - 1);
      }
    }
  }
}

/** Why a ctl:OPTION is refused: each changes the engine for the request, and none adds protection. */
function ctlRefusal(value: string | undefined): string {
  const option = (value ?? "").split("=")[0]!.trim();
  const lower = option.toLowerCase();
  const name = option === "" ? "ctl" : `ctl:${option}`;
  if (lower === "ruleengine") {
    return `${name} is refused in custom rules: it switches the engine off (or to detection only) for the requests the rule matches. The engine mode is set in the policy.`;
  }
  if (lower.startsWith("ruleremove")) {
    return `${name} is refused in custom rules: it turns CRS rules (or the inputs they inspect) off. Add an exclusion on the Exclusions page instead.`;
  }
  if (/^(request|response)body(access|processor|limit)$|^forcerequestbodyvariable$/.test(lower)) {
    return `${name} is refused in custom rules: it changes which parts of the request or response the engine inspects.`;
  }
  if (/^(auditengine|auditlogparts|debugloglevel)$/.test(lower)) {
    return `${name} is refused in custom rules: it hides requests from the audit log.`;
  }
  return `${name} is refused in custom rules: ctl changes the engine's settings for the request, which a custom rule may not do.`;
}

const REFUSED_ACTIONS: Record<string, string> = {
  chain: "a custom rule is a single directive, so it cannot chain to a next rule. Put the conditions in one operator, or write separate rules",
  exec: "it runs a program on the WAF host",
  setenv: "it changes the server's environment",
  setuid: "it needs persistent collections the panel does not manage",
  setsid: "it needs persistent collections the panel does not manage",
  setrsc: "it needs persistent collections the panel does not manage",
  initcol: "it needs persistent collections the panel does not manage",
  expirevar: "it needs persistent collections the panel does not manage",
  deprecatevar: "it needs persistent collections the panel does not manage",
  redirect: "it sends the client elsewhere; use deny with a status",
  proxy: "it forwards the request elsewhere",
  append: "it changes response bodies",
  prepend: "it changes response bodies",
  pause: "it holds requests and ties up the server",
  xmlns: "XPath is not supported in custom rules",
  sanitiseArg: "it is not supported by ModSecurity 3",
  sanitiseMatched: "it is not supported by ModSecurity 3",
  sanitiseMatchedBytes: "it is not supported by ModSecurity 3",
  sanitiseRequestHeader: "it is not supported by ModSecurity 3",
  sanitiseResponseHeader: "it is not supported by ModSecurity 3",
};

const PHASES: Record<string, SecRulePhase> = { "1": 1, "2": 2, "3": 3, "4": 4, "5": 5, request: 2, response: 4, logging: 5 };

/** Text-valued actions that may carry any printable text, including non-ASCII. */
const FREE_TEXT_ACTIONS: ReadonlySet<string> = new Set(["msg", "logdata", "tag", "rev", "ver", "setvar"]);

function checkActions(
  actions: SecRuleAction[],
  kind: "SecRule" | "SecAction",
  operator: SecRuleOperator | null,
  options: { expectedId?: number },
  problems: Problems,
  notes: string[],
): { id: number; phase: SecRulePhase } | null {
  const seen = new Map<string, SecRuleAction>();
  const miscased = new Set<string>();
  const disruptive: SecRuleAction[] = [];
  for (const action of actions) {
    const at = action.column - 1;
    const lower = action.name.toLowerCase();
    const weakening = weakeningProblem(action);
    if (weakening) {
      problems.add(weakening, at);
      continue;
    }
    const spec = ACTION_SPECS[action.name];
    if (!spec) {
      const refusedName = Object.keys(REFUSED_ACTIONS).find((k) => k.toLowerCase() === lower);
      const refused = refusedName === undefined ? undefined : REFUSED_ACTIONS[refusedName];
      const sameExceptCase = Object.keys(ACTION_SPECS).find((k) => k.toLowerCase() === action.name.toLowerCase());
      if (refused) problems.add(`${refusedName} is not allowed: ${refused}.`, at);
      else if (sameExceptCase) {
        miscased.add(sameExceptCase);
        problems.add(`Write the action as ${sameExceptCase}, with that capitalisation.`, at);
      }
      else problems.add(`Unknown or not allowed action '${action.name}'. Allowed: ${Object.keys(ACTION_SPECS).join(", ")}.`, at);
      continue;
    }
    if (spec.once && seen.has(action.name)) {
      problems.add(`${action.name} appears more than once.`, at);
      continue;
    }
    seen.set(action.name, action);
    if (spec.disruptive) disruptive.push(action);

    const value = action.value;
    if (spec.value === "none" && value !== undefined) {
      problems.add(`${action.name} takes no value.`, at);
      continue;
    }
    if (spec.value === "required" && (value === undefined || value.length === 0)) {
      problems.add(`${action.name} needs a value (${action.name}:...).`, at);
      continue;
    }
    if (value === undefined) continue;
    const quotes = spec.quotes ?? "forbidden";
    if (action.quoted && quotes === "forbidden") {
      problems.add(`Write the value of ${action.name} without quotes (ModSecurity 3 rejects ${action.name}:'...').`, at);
      continue;
    }
    if (!action.quoted && quotes === "required") {
      problems.add(`Put the value of ${action.name} in single quotes: ${action.name}:'${value}' (ModSecurity 3 rejects it bare).`, at);
      continue;
    }
    if (!FREE_TEXT_ACTIONS.has(action.name)) {
      const odd = findNonAscii(value);
      if (odd) {
        problems.add(`The value of ${action.name} contains ${odd.description}, a look-alike of an ASCII character.`, at);
        continue;
      }
    }
    const problem = spec.check?.(value);
    if (problem) problems.add(problem, at);
  }

  // What must be there, once.
  const idAction = seen.get("id");
  const phaseAction = seen.get("phase");
  let id: number | null = null;
  let phase: SecRulePhase | null = null;
  if (!idAction && !miscased.has("id")) {
    problems.add(`The id action is missing: add id:N with N from ${CUSTOM_RULE_ID_MIN} to ${CUSTOM_RULE_ID_MAX.toLocaleString("en")}.`);
  } else if (idAction?.value !== undefined && checkIdValue(idAction.value) === null) {
    id = Number(idAction.value);
    if (options.expectedId !== undefined && id !== options.expectedId) {
      problems.add(`The rule says id:${id}, but this custom rule's id is ${options.expectedId}: they must be the same.`, idAction.column - 1);
    }
  }
  if (!phaseAction && !miscased.has("phase")) {
    problems.add("The phase action is missing: add phase:1 (request headers) or phase:2 (request body), up to phase:5.");
  } else if (phaseAction?.value !== undefined) {
    phase = PHASES[phaseAction.value] ?? null;
  }

  if (disruptive.length > 1) {
    problems.add(
      `Choose one disruptive action; this rule has ${disruptive.map((a) => a.name).join(" and ")}.`,
      (disruptive[1] as SecRuleAction).column - 1,
    );
  }
  const disruptiveName = disruptive[0]?.name;
  if (kind === "SecAction") {
    if (disruptiveName === "deny" || disruptiveName === "drop" || disruptiveName === "block") {
      problems.add(
        `SecAction runs on every request, so ${disruptiveName} would block all traffic. Use SecRule with a condition.`,
        (disruptive[0] as SecRuleAction).column - 1,
      );
    }
  } else {
    if (!disruptiveName) {
      notes.push("No disruptive action (deny, pass, ...): the rule follows CRS's default action, which is pass — it only logs.");
    } else if (disruptiveName === "block") {
      notes.push("block follows CRS's default action, which in anomaly-scoring mode is pass: use deny to block at once.");
    }
    if (operator?.name === "unconditionalMatch" && !operator.negated && (disruptiveName === "deny" || disruptiveName === "drop")) {
      notes.push(`@unconditionalMatch with ${disruptiveName} blocks every request.`);
    }
  }
  if (seen.has("status") && disruptiveName !== "deny") {
    notes.push("status only takes effect with deny.");
  }
  if (seen.has("log") && seen.has("nolog")) notes.push("Both log and nolog are given: the last one wins.");
  if (seen.has("capture") && operator?.name !== "rx") notes.push("capture only has an effect with @rx.");

  if (problems.any || id === null || phase === null) return null;
  return { id, phase };
}

const fmt = (n: number) => n.toLocaleString("en");
/** "1–89,999", as the rule id field says it. */
const CUSTOM_IDS = `${fmt(CUSTOM_RULE_ID_MIN)}–${fmt(CUSTOM_RULE_ID_MAX)}`;

function checkIdValue(value: string): string | null {
  if (/^[1-9][0-9]*$/.test(value) && value.length <= 6) {
    const id = Number(value);
    if (id >= CUSTOM_RULE_ID_MIN && id <= CUSTOM_RULE_ID_MAX) return null;
    if (id <= LOCAL_RULE_ID_MAX) {
      return `id:${id} is reserved for the rules Palisade generates (${fmt(CUSTOM_RULE_ID_MAX + 1)}–${fmt(LOCAL_RULE_ID_MAX)}); custom rules use ${CUSTOM_IDS}.`;
    }
    if (id >= CRS_RULE_ID_MIN && id <= CRS_RULE_ID_MAX) {
      return `id:${id} is in the CRS range (${fmt(CRS_RULE_ID_MIN)}–${fmt(CRS_RULE_ID_MAX)}); custom rules use ${CUSTOM_IDS}.`;
    }
  }
  if (/^0[0-9]+$/.test(value)) return `id:${value} has a leading zero, which ModSecurity 3 rejects: write id:${Number(value)}.`;
  return `id must be a whole number from ${CUSTOM_IDS}, not '${value}'.`;
}

function checkTransformation(value: string): string | null {
  if (TRANSFORMATIONS.includes(value)) return null;
  const sameExceptCase = TRANSFORMATIONS.find((t) => t.toLowerCase() === value.toLowerCase());
  return sameExceptCase
    ? `Write the transformation as t:${sameExceptCase}, with that capitalisation.`
    : `Unknown transformation t:${value}. Allowed: ${TRANSFORMATIONS.join(", ")}.`;
}

function checkSetvar(value: string): string | null {
  const m = /^(!?)([A-Za-z]+)\.([A-Za-z0-9_.-]+)(?:=([+-]?)(.*))?$/.exec(value);
  if (!m) return `setvar is written setvar:tx.name=value (or =+N, =-N, or !tx.name to delete), not '${value}'.`;
  const [, bang, collection = "", name = "", , assigned] = m;
  if (collection.toLowerCase() !== "tx") {
    return `setvar may only set transaction variables (tx.*): ${collection}.* needs persistent storage the panel does not manage.`;
  }
  if (bang && assigned !== undefined) return "setvar:!tx.name deletes a variable and takes no value.";
  if (POLICY_OWNED_TX_VARIABLES.includes(name.toLowerCase())) {
    return `setvar cannot change tx.${name}: the policy sets it (paranoia level and thresholds are changed on the Policy page, with an audit record).`;
  }
  if (isReservedTxVariable(name)) {
    return (
      `setvar cannot change tx.${name}: CRS uses it (anomaly scores, paranoia levels, thresholds and CRS settings are off limits, ` +
      "so a custom rule cannot lower a score or widen what CRS allows). Use a name of your own, e.g. tx.site_flag; to block, use deny."
    );
  }
  if (assigned !== undefined) {
    const sign = m[4] ?? "";
    if (assigned.length === 0) {
      return sign ? `setvar:tx.${name}=${sign} needs a number after '${sign}'.` : `setvar:tx.${name}= needs a value (ModSecurity 3 rejects an empty one); use setvar:!tx.${name} to delete.`;
    }
    // libmodsecurity 3.0.9 rejects these inside a setvar value, quoted or not.
    const bad = /[=,'"]/.exec(assigned);
    if (bad) return `A setvar value cannot contain '${bad[0]}' (ModSecurity 3 rejects it).`;
    return checkMacros(assigned, "setvar", false);
  }
  return null;
}

// %{VARIABLE} or %{COLLECTION.key}, as ModSecurity expands in messages, setvar and operator arguments.
const MACRO = /^%\{([A-Za-z_]+)(?:[.:]([A-Za-z0-9_.-]+))?\}/;

/**
 * Every '%' must start a well-formed macro naming a known variable: libmodsecurity 3.0.9 refuses the rule
 * otherwise. In operator arguments a '%' followed by anything but '{' is literal (%27 in a pattern), except
 * at the very end, where it makes the engine misread the closing quote.
 */
function checkMacros(text: string, where: string, literalPercentAllowed: boolean): string | null {
  for (let i = text.indexOf("%"); i !== -1; i = text.indexOf("%", i + 1)) {
    if (text[i + 1] !== "{") {
      if (literalPercentAllowed && i < text.length - 1) continue;
      return literalPercentAllowed
        ? `A '%' at the end of the ${where} makes ModSecurity 3 misread the closing quote: write it another way (\\x25 in a regex).`
        : `A '%' in ${where} must start a macro like %{MATCHED_VAR} (ModSecurity 3 rejects a bare '%'): write 'percent' instead.`;
    }
    const m = MACRO.exec(text.slice(i));
    if (!m) {
      return `The macro starting '${text.slice(i, i + 24)}' in ${where} is malformed: write %{VARIABLE} or %{COLLECTION.key}, e.g. %{MATCHED_VAR} or %{tx.anomaly_score}.`;
    }
    const name = (m[1] ?? "").toUpperCase();
    if (name !== "RULE" && !isModsecVariable(name)) return `Unknown variable '${m[1]}' in the macro ${m[0]} in ${where}.`;
    if (m[2] !== undefined && name !== "RULE" && !isCollectionVariable(name)) {
      return `${name} has a single value: write %{${name}} without '.${m[2]}' in ${where}.`;
    }
  }
  return null;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

// ---------------------------------------------------------------------------------------------------
// Schema.

export const CUSTOM_RULE_DESCRIPTION_MAX = 200;

export const CustomRuleSchema = z
  .object({
    ruleId: z
      .number({ error: "Enter the rule id, a whole number." })
      .int("The rule id is a whole number.")
      .min(CUSTOM_RULE_ID_MIN, `Custom rule ids go from ${CUSTOM_RULE_ID_MIN} to ${CUSTOM_RULE_ID_MAX.toLocaleString("en")}.`)
      .max(
        CUSTOM_RULE_ID_MAX,
        `Custom rule ids go from ${CUSTOM_RULE_ID_MIN} to ${CUSTOM_RULE_ID_MAX.toLocaleString("en")}: ` +
          `${(CUSTOM_RULE_ID_MAX + 1).toLocaleString("en")}–${LOCAL_RULE_ID_MAX.toLocaleString("en")} are reserved for the rules Palisade generates ` +
          `(IP lists, path-scoped exclusions) and ${CRS_RULE_ID_MIN}–${CRS_RULE_ID_MAX} belong to CRS.`,
      ),
    description: z
      .string()
      .trim()
      .min(1, "Describe what the rule is for.")
      .max(CUSTOM_RULE_DESCRIPTION_MAX, `Keep the description under ${CUSTOM_RULE_DESCRIPTION_MAX + 1} characters.`)
      .superRefine((text, ctx) => {
        const bad = findForbiddenChar(text);
        if (bad) ctx.addIssue({ code: "custom", message: `The description contains ${bad.description}: use one line of plain text.` });
      }),
    secRule: z.string().superRefine((text, ctx) => {
      const result = validateSecRule(text);
      if (!result.ok) for (const error of result.errors) ctx.addIssue(secRuleIssue(error));
    }),
    enabled: z.boolean(),
  })
  // The id inside the rule must be the rule's id. Zod runs this even when a field already failed, so it
  // only speaks when both fields are valid on their own (their own errors are reported above).
  .superRefine((value, ctx) => {
    const ruleIdValid = Number.isInteger(value.ruleId) && value.ruleId >= CUSTOM_RULE_ID_MIN && value.ruleId <= CUSTOM_RULE_ID_MAX;
    if (!ruleIdValid || typeof value.secRule !== "string" || !validateSecRule(value.secRule).ok) return;
    const result = validateSecRule(value.secRule, { expectedId: value.ruleId });
    if (!result.ok) for (const error of result.errors) ctx.addIssue({ ...secRuleIssue(error), path: ["secRule"] });
  });

export type CustomRuleInput = z.input<typeof CustomRuleSchema>;
export type CustomRule = z.output<typeof CustomRuleSchema>;

/** Moving a custom rule one place in its vhost's evaluation order (the panel's arrows, the API's /move). */
export const MoveCustomRuleSchema = z.object({ direction: z.enum(["up", "down"], { error: 'Say "up" or "down".' }) });

function secRuleIssue(error: SecRuleError) {
  return {
    code: "custom" as const,
    message: error.column !== undefined ? `Column ${error.column}: ${error.message}` : error.message,
    params: error.column !== undefined ? { column: error.column } : {},
  };
}
