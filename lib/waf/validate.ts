// Field validators of the compiler. Each one either returns the value in the exact form the compiler
// writes, or throws a CompileError naming the vhost and the field. The accepted character sets are
// deliberately narrow: a value that passes can be written into nginx and ModSecurity files without
// quoting tricks, so no stored text can end a directive or start a new one.
import ipaddr from "ipaddr.js";
import { CompileError } from "./types";

export type FieldScope = { vhost: string | null; vhostId: string | null };

export function fail(scope: FieldScope, field: string, reason: string): never {
  throw new CompileError(scope.vhost, scope.vhostId, field, reason);
}

/** Control characters, DEL, C1 controls and the Unicode line/paragraph separators. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

function requireString(scope: FieldScope, field: string, value: unknown): string {
  if (typeof value !== "string") fail(scope, field, "must be a string");
  return value;
}

export function integerIn(scope: FieldScope, field: string, value: unknown, min: number, max: number): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < min || value > max) {
    fail(scope, field, `must be a whole number from ${min} to ${max}`);
  }
  return value;
}

export function oneOf<T extends string>(scope: FieldScope, field: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== "string" || !(allowed as readonly string[]).includes(value)) {
    fail(scope, field, `must be one of ${allowed.join(", ")}`);
  }
  return value as T;
}

/** Treats null, undefined and "" alike: "not set" (a form's empty input). Whitespace is a value. */
export function optionalString(scope: FieldScope, field: string, value: unknown): string | null {
  if (value === null || value === undefined) return null;
  const s = requireString(scope, field, value);
  return s === "" ? null : s;
}

// ---------------------------------------------------------------------------------------------------
// Host names

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** A DNS host name (IDNs in their xn-- form), lower-cased. Aliases may start with "*." (nginx wildcard). */
export function hostName(scope: FieldScope, field: string, value: unknown, allowWildcard: boolean): string {
  const raw = requireString(scope, field, value);
  const name = raw.toLowerCase();
  const body = allowWildcard && name.startsWith("*.") ? name.slice(2) : name;
  const labels = body.split(".");
  if (body.length === 0 || body.length > 253 || !labels.every((l) => LABEL.test(l))) {
    fail(
      scope,
      field,
      `${JSON.stringify(clip(raw))} is not a host name (letters, digits and hyphens in dot-separated labels` +
        `${allowWildcard ? ', optionally starting with "*."' : ""}; write IDNs as xn--)`,
    );
  }
  return name;
}

// ---------------------------------------------------------------------------------------------------
// Backend URL

/** http(s)://host[:port][/path] with a narrow path alphabet; no user info, query or fragment. */
export function backendUrl(scope: FieldScope, field: string, value: unknown): { url: string; https: boolean } {
  const raw = requireString(scope, field, value);
  // nginx refuses a parameter longer than its 4 KB read buffer ("too long parameter", measured).
  if (raw.length > 2048) fail(scope, field, "is longer than 2048 characters");
  const m = /^(https?):\/\/(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(?::(\d{1,5}))?(\/[A-Za-z0-9._~\/-]*)?$/.exec(raw);
  if (!m) {
    fail(
      scope,
      field,
      `${JSON.stringify(clip(raw))} is not a backend URL of the form http(s)://host[:port][/path] ` +
        "(path: letters, digits and . _ ~ / - only; no query, user info, spaces, quotes or semicolons)",
    );
  }
  const scheme = m[1]!.toLowerCase();
  let host = m[2]!.toLowerCase();
  if (host.startsWith("[")) {
    const inner = host.slice(1, -1);
    if (!ipaddr.IPv6.isValid(inner)) fail(scope, field, `${JSON.stringify(clip(raw))} has an invalid IPv6 address`);
    host = `[${ipaddr.IPv6.parse(inner).toString()}]`;
  } else if (/^[0-9.]+$/.test(host)) {
    if (fourPartIPv4(host) === null) fail(scope, field, `${JSON.stringify(clip(raw))} has an invalid IPv4 address`);
  } else {
    hostName(scope, field, host, false);
  }
  let port = "";
  if (m[3] !== undefined) {
    if (Number(m[3]) < 1 || Number(m[3]) > 65_535) fail(scope, field, `${JSON.stringify(clip(raw))} has a port outside 1-65535`);
    port = `:${Number(m[3])}`;
  }
  return { url: `${scheme}://${host}${port}${m[4] ?? ""}`, https: scheme === "https" };
}

// ---------------------------------------------------------------------------------------------------
// IP addresses and ranges

export type Cidr = { family: 4 | 6; bytes: number[]; prefix: number; text: string };

/**
 * Four decimal octets without leading zeros: the rule of ipaddr's isValidFourPartDecimal, checked here
 * because that one throws and catches an Error for every IPv6 address and builds objects for every IPv4
 * one: over a tenth of a 10,000-vhost compile (profiled).
 */
const FOUR_PART = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$/;
function fourPartIPv4(s: string): number[] | null {
  const m = FOUR_PART.exec(s);
  if (!m) return null;
  const octets = [Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4])];
  return octets.every((o) => o <= 255) ? octets : null;
}

const CIDR_SHAPE = /^([0-9A-Fa-f:.]+)(?:\/(\d{1,3}))?$/;

/**
 * An IPv4 or IPv6 address or CIDR range in the form ModSecurity's @ipMatch accepts: the network address
 * (host bits cleared), single addresses bare (v3 rejects ::1/128, v2 rejects /32).
 */
export function cidr(scope: FieldScope, field: string, value: unknown): Cidr {
  const raw = requireString(scope, field, value);
  const bad = (why: string): never => fail(scope, field, `${JSON.stringify(clip(raw))} ${why}`);
  const m = CIDR_SHAPE.exec(raw);
  if (!m) return bad("is not an IP address or CIDR range");
  const addressText = m[1]!;
  let family: 4 | 6;
  let addressBytes = fourPartIPv4(addressText);
  if (addressBytes !== null) family = 4;
  else if (addressText.includes(":") && ipaddr.IPv6.isValid(addressText)) {
    const address = ipaddr.IPv6.parse(addressText);
    if (address.isIPv4MappedAddress()) return bad("is an IPv4-mapped IPv6 address: write the IPv4 address instead");
    family = 6;
    addressBytes = address.toByteArray();
  } else return bad("is not an IP address or CIDR range");
  const bits = family === 4 ? 32 : 128;
  const prefix = m[2] === undefined ? bits : Number(m[2]);
  if (prefix > bits) return bad(`has a prefix longer than ${bits} bits`);
  const bytes = addressBytes.map((b, i) => {
    const keep = Math.max(0, Math.min(8, prefix - i * 8));
    return b & ((0xff << (8 - keep)) & 0xff);
  });
  const network = family === 4 ? bytes.join(".") : ipaddr.fromByteArray(bytes).toString();
  return { family, bytes, prefix, text: prefix === bits ? network : `${network}/${prefix}` };
}

export function compareCidr(a: Cidr, b: Cidr): number {
  if (a.family !== b.family) return a.family - b.family;
  for (let i = 0; i < a.bytes.length; i++) {
    const d = (a.bytes[i] ?? 0) - (b.bytes[i] ?? 0);
    if (d !== 0) return d;
  }
  return a.prefix - b.prefix;
}

/** An IP literal to listen on (settings). IPv6 comes back in brackets, as nginx's listen wants it. */
export function listenAddress(scope: FieldScope, field: string, value: unknown): string {
  const raw = requireString(scope, field, value);
  if (fourPartIPv4(raw) !== null) return raw;
  const inner = raw.startsWith("[") && raw.endsWith("]") ? raw.slice(1, -1) : raw;
  if (/^[0-9A-Fa-f:.]+$/.test(inner) && inner.includes(":") && ipaddr.IPv6.isValid(inner)) {
    return `[${ipaddr.IPv6.parse(inner).toString()}]`;
  }
  return fail(scope, field, `${JSON.stringify(clip(raw))} is not an IP address`);
}

// ---------------------------------------------------------------------------------------------------
// Exclusion fields

/**
 * A request path prefix for a path-scoped exclusion. The compiler matches it against the URL-decoded,
 * normalised path (as nginx routes it), so the prefix itself must already be in that form.
 */
export function pathPrefix(scope: FieldScope, field: string, value: unknown): string {
  const raw = requireString(scope, field, value);
  // Printable characters except quotes, backslash, whitespace, "%" (the path is compared decoded; "%{"
  // would be a macro), "?" and "#" (not part of a path) and the backtick.
  if (!/^\/[\p{L}\p{N}!$&()*+,\-./:;<=>@\[\]^_{|}~]{0,1023}$/u.test(raw)) {
    fail(
      scope,
      field,
      `${JSON.stringify(clip(raw))} is not a path prefix: it must start with "/", be written decoded, and contain no spaces, quotes, backslashes, "%", "?", "#" or control characters`,
    );
  }
  if (/\/\/|\/\.\.?(?:\/|$)/.test(raw)) {
    fail(scope, field, `${JSON.stringify(clip(raw))} is not a normalised path (no "//", "/./" or "/../")`);
  }
  return raw;
}

/** A CRS rule tag such as attack-sqli, paranoia-level/2 or OWASP_CRS/WEB_ATTACK/SQL_INJECTION. */
export function ruleTag(scope: FieldScope, field: string, value: unknown): string {
  const raw = requireString(scope, field, value);
  if (!/^[A-Za-z0-9_.\/-]{1,128}$/.test(raw)) {
    fail(scope, field, `${JSON.stringify(clip(raw))} is not a rule tag (letters, digits and _ . / - only)`);
  }
  return raw;
}

/**
 * A rule target (a variable, optionally with a key): ARGS:password, REQUEST_HEADERS:User-Agent,
 * REQUEST_COOKIES. A /regex/ key is accepted only where the engine accepts it: in
 * SecRuleUpdateTarget* (whole-vhost exclusions), not in ctl:ruleRemoveTarget* (measured on 3.0.9).
 */
export function ruleTarget(scope: FieldScope, field: string, value: unknown, allowRegexKey: boolean): string {
  const raw = requireString(scope, field, value);
  // Characters that mean nothing to either parser inside a quoted argument or a ctl action.
  const plain = /^[A-Z][A-Z0-9_]{0,63}(?::[A-Za-z0-9$*_.:\[\]-][A-Za-z0-9$*_.:\/\[\]-]{0,255})?$/;
  // The regex alphabet libmodsecurity 3.0.9 was measured to parse in any order: no "|" (it splits the
  // variable list even there) and none of < > = ! @ & ~ (some pairs, e.g. "}=", break its lexer).
  const regex = /^[A-Z][A-Z0-9_]{0,63}:\/[A-Za-z0-9_.:\[\]^$*+?(){}\\-]{1,256}\/$/;
  if (plain.test(raw)) return raw;
  if (regex.test(raw)) {
    if (allowRegexKey) return raw;
    fail(scope, field, `${JSON.stringify(clip(raw))}: a /regex/ key works only in whole-vhost exclusions (no pathPrefix)`);
  }
  return fail(
    scope,
    field,
    `${JSON.stringify(clip(raw))} is not a target: write VARIABLE or VARIABLE:key (key: letters, digits and $ * _ . : / [ ] -)` +
      (allowRegexKey ? " or VARIABLE:/regex/" : ""),
  );
}

/** A certificate name; it resolves to <certDir>/<ref>/fullchain.pem and privkey.pem. */
export function certificateRef(scope: FieldScope, field: string, value: unknown): string {
  const raw = requireString(scope, field, value);
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(raw)) {
    fail(scope, field, `${JSON.stringify(clip(raw))} is not a certificate name (letters, digits and . _ -; no slashes)`);
  }
  return raw;
}

/** A file or directory path from the settings (absolute or relative to the bundle). */
export function settingsPath(scope: FieldScope, field: string, value: unknown): string {
  const raw = requireString(scope, field, value);
  if (!/^[A-Za-z0-9_.\/+-]{1,1024}$/.test(raw) || raw.startsWith("#")) {
    fail(scope, field, `${JSON.stringify(clip(raw))} is not a path (letters, digits and _ . / + - only)`);
  }
  const trimmed = raw.replace(/\/+$/, "");
  return trimmed === "" ? "/" : trimmed;
}

// ---------------------------------------------------------------------------------------------------
// Free text that goes into comments

const COMMENT_SAFE = /^[\p{L}\p{N}\p{P}\p{S} ]*$/u;

/**
 * Text for a `#` comment line: letters, digits, punctuation, symbols and spaces survive; everything
 * else (line breaks, other control characters, backslashes) becomes "?". Comments are for people
 * reading the bundle; they never carry meaning.
 */
export function commentText(value: unknown, max = 160): string {
  if (typeof value !== "string") return "";
  // Fast path, one regex instead of one per character: nothing to replace and nothing to clip (most comments).
  if (value.length <= max && COMMENT_SAFE.test(value) && !value.includes("\\")) return value.trim();
  const cleaned = Array.from(value)
    .map((ch) => (ch === "\\" || !/^[\p{L}\p{N}\p{P}\p{S} ]$/u.test(ch) ? "?" : ch))
    .join("")
    .trim();
  const chars = Array.from(cleaned);
  return chars.length > max ? `${chars.slice(0, max - 3).join("")}...` : cleaned;
}

export function clip(s: string, max = 60): string {
  return s.length > max ? `${s.slice(0, max)}...` : s;
}

// ---------------------------------------------------------------------------------------------------
// Custom rules

export type RuleToken = { text: string; quoted: boolean; start: number };

/**
 * Operators and actions a custom rule may not use: they run code (exec runs Lua in libmodsecurity 3,
 * @inspectFile runs a program) or read files or URLs at load time (*FromFile accepts https:// too).
 */
const FORBIDDEN_OPERATORS = ["inspectfile", "pmfromfile", "pmf", "ipmatchfromfile", "ipmatchf"];
const FORBIDDEN_ACTIONS = ["exec"];

/**
 * A defensive check of a custom rule's text, independent of the full SecRule validator: one line,
 * exactly one `SecRule` (or a chain of them) or one `SecAction`, arguments quoted the way
 * libmodsecurity's lexer reads them, nothing after the last argument, and `id:<ruleId>` on the first
 * directive. libmodsecurity accepts several directives on one line, so "nothing after" matters.
 */
export function customRuleText(scope: FieldScope, field: string, value: unknown, ruleId: number): string {
  const raw = requireString(scope, field, value);
  const bad = (why: string): never => fail(scope, field, why);
  if (CONTROL.test(raw)) return bad("must be one line without control characters (no line breaks, tabs or NUL)");
  const text = raw.trim();
  if (text.length === 0) return bad("is empty");
  if (text.length > 8000) return bad("is longer than 8000 characters");

  const tokens = tokenizeRuleLine(text, bad);
  let i = 0;
  let first = true;
  let expectChain = false;
  for (;;) {
    const name = tokens[i];
    if (name === undefined) break;
    if (name.quoted || (name.text !== "SecRule" && name.text !== "SecAction")) {
      return bad(
        first
          ? `must start with SecRule or SecAction, found ${JSON.stringify(clip(name.text, 30))}`
          : `unexpected ${JSON.stringify(clip(name.text, 30))} after the rule (one rule per custom rule; chain links must be SecRule)`,
      );
    }
    if (!first && name.text !== "SecRule") return bad("a chained rule must be a SecRule");
    if (!first && !expectChain) return bad("unexpected text after the rule (one rule per custom rule)");
    let actionsToken: RuleToken | undefined;
    if (name.text === "SecRule") {
      const vars = tokens[i + 1];
      const op = tokens[i + 2];
      actionsToken = tokens[i + 3];
      if (vars === undefined || op === undefined) return bad("SecRule needs VARIABLES \"OPERATOR\" \"ACTIONS\"");
      if (vars.quoted && /["\\]/.test(vars.text)) return bad("quoted variables may not contain quotes or backslashes");
      // Variables start with an upper-case collection name, so they can never read as a directive name.
      if (!/^[!&]?[A-Z][A-Z0-9_]*(?:[:|].*)?$/.test(vars.text)) return bad(`${JSON.stringify(clip(vars.text, 30))} is not a variable list`);
      if (!op.quoted) return bad("the operator must be in double quotes");
      if (op.text.trim() === "") return bad("the operator is empty");
      const opName = /^!?@([A-Za-z]+)/.exec(op.text)?.[1]?.toLowerCase();
      if (opName !== undefined && FORBIDDEN_OPERATORS.includes(opName)) return bad(`the @${opName} operator is not allowed in custom rules`);
      i += 4;
    } else {
      if (!first) return bad("SecAction cannot be chained");
      actionsToken = tokens[i + 1];
      i += 2;
    }
    if (actionsToken === undefined || !actionsToken.quoted) return bad("the actions must be in double quotes");
    if (actionsToken.text.includes('"')) return bad("the actions may not contain double quotes (use single quotes for values)");
    if (actionsToken.text.trim() === "") return bad("the actions are empty");
    const actions = parseActions(actionsToken.text, bad);
    const ids = actions.filter((a) => a.name === "id");
    const chain = actions.some((a) => a.name === "chain");
    for (const a of actions) {
      if (FORBIDDEN_ACTIONS.includes(a.name)) return bad(`the ${a.name} action is not allowed in custom rules`);
    }
    if (first) {
      if (ids.length !== 1) return bad(`needs exactly one id action (id:${ruleId})`);
      if (ids[0]!.value !== String(ruleId)) return bad(`its id action says ${JSON.stringify(clip(ids[0]!.value ?? "", 20))} but the rule's id is ${ruleId}`);
      if (name.text === "SecAction" && chain) return bad("SecAction cannot start a chain");
    } else if (ids.length > 0) {
      return bad("chained rules may not have an id");
    }
    expectChain = chain;
    first = false;
  }
  if (expectChain) return bad("the last rule of the chain still has the chain action (it would swallow the next directive)");
  return text;
}

/** Splits one line into tokens the way libmodsecurity's lexer delimits them; refuses ambiguous text. */
export function tokenizeRuleLine(text: string, bad: (why: string) => never): RuleToken[] {
  const tokens: RuleToken[] = [];
  let i = 0;
  while (i < text.length) {
    if (text[i] === " ") {
      i++;
      continue;
    }
    const start = i;
    if (text[i] === '"') {
      // A quote ends the argument unless a single backslash precedes it. Two or more backslashes
      // before a quote are read differently by different parsers: refuse them.
      let j = i + 1;
      for (;;) {
        if (j >= text.length) return bad("has an unterminated double-quoted argument");
        if (text[j] === '"') {
          let run = 0;
          while (text[j - 1 - run] === "\\" && j - 1 - run > i) run++;
          if (run === 0) break;
          if (run > 1) return bad("has two or more backslashes before a double quote (ambiguous)");
        }
        j++;
      }
      const next = text[j + 1];
      if (next !== undefined && next !== " ") return bad("needs a space after each double-quoted argument");
      tokens.push({ text: text.slice(i + 1, j), quoted: true, start });
      i = j + 1;
    } else {
      let j = i;
      while (j < text.length && text[j] !== " ") j++;
      const word = text.slice(i, j);
      if (word.startsWith("#")) return bad("may not contain a comment");
      if (/["']/.test(word)) return bad(`has a quote inside the unquoted argument ${JSON.stringify(clip(word, 30))}`);
      if (word.endsWith("\\")) return bad("an unquoted argument may not end with a backslash");
      tokens.push({ text: word, quoted: false, start });
      i = j;
    }
  }
  return tokens;
}

export type RuleAction = { name: string; value: string | null };

/** Splits an actions list (a,b:c,msg:'x, y') into actions; single-quoted values may contain commas. */
export function parseActions(text: string, bad: (why: string) => never): RuleAction[] {
  const actions: RuleAction[] = [];
  let i = 0;
  const skipSpaces = () => {
    while (text[i] === " ") i++;
  };
  for (;;) {
    skipSpaces();
    const m = /^[A-Za-z][A-Za-z0-9_]*/.exec(text.slice(i));
    if (!m) return bad(`expected an action name at ${JSON.stringify(clip(text.slice(i), 30))}`);
    const name = m[0].toLowerCase();
    i += m[0].length;
    let value: string | null = null;
    if (text[i] === ":") {
      i++;
      if (text[i] === "'") {
        let j = i + 1;
        for (;;) {
          if (j >= text.length) return bad(`the value of ${name} has an unterminated single quote`);
          if (text[j] === "'") {
            let run = 0;
            while (text[j - 1 - run] === "\\" && j - 1 - run > i) run++;
            if (run === 0) break;
            if (run > 1) return bad("has two or more backslashes before a single quote (ambiguous)");
          }
          j++;
        }
        value = text.slice(i + 1, j);
        // libmodsecurity 3.0.9's lexer loses its place after '' and reads on to the end of the file.
        if (value === "") return bad(`the value of ${name} is an empty quoted string`);
        i = j + 1;
      } else {
        let j = i;
        while (j < text.length && text[j] !== ",") j++;
        value = text.slice(i, j).trim();
        if (value.includes("'")) return bad(`the value of ${name} has a stray single quote`);
        i = j;
      }
    }
    actions.push({ name, value });
    skipSpaces();
    if (i >= text.length) break;
    if (text[i] !== ",") return bad(`expected "," after the ${name} action`);
    i++;
  }
  if (text.trimEnd().endsWith("\\")) return bad("the actions may not end with a backslash");
  return actions;
}
