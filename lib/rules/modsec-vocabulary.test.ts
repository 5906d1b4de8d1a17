import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { COLLECTION_VARIABLES, CTL_TARGET_CHARS, MODSEC_VARIABLES, SCALAR_VARIABLES, checkPcreRegex, formatTarget, isCollectionVariable, parseTarget } from "./modsec-vocabulary";
import { describeChar, findForbiddenChar } from "@/lib/forms/characters";

describe("variable lists", () => {
  it("hold each name once, in capitals, with the brief's required names", () => {
    expect(new Set(MODSEC_VARIABLES).size).toBe(MODSEC_VARIABLES.length);
    for (const name of MODSEC_VARIABLES) expect(name).toMatch(/^[A-Z_]+$/);
    for (const name of ["ARGS", "ARGS_NAMES", "REQUEST_HEADERS", "REQUEST_COOKIES", "FILES", "TX", "XML", "MATCHED_VARS"]) {
      expect(isCollectionVariable(name)).toBe(true);
    }
    for (const name of ["REQUEST_URI", "REQUEST_FILENAME", "QUERY_STRING", "REMOTE_ADDR", "RESPONSE_STATUS", "REQBODY_ERROR", "MATCHED_VAR"]) {
      expect(SCALAR_VARIABLES).toContain(name);
    }
    expect(COLLECTION_VARIABLES.filter((c) => (SCALAR_VARIABLES as readonly string[]).includes(c))).toEqual([]);
  });
});

describe("findForbiddenChar / describeChar", () => {
  it("finds control, format and line-separator characters with their index", () => {
    expect(findForbiddenChar("plain text, ünïcode ok")).toBeNull();
    expect(findForbiddenChar("a\nb")).toEqual({ index: 1, char: "\n", description: "U+000A (line feed)" });
    expect(findForbiddenChar("ab\u2028")).toMatchObject({ index: 2, description: "U+2028 (line separator)" });
    expect(findForbiddenChar("x\u202ey")?.description).toBe("U+202E (right-to-left override)");
    expect(findForbiddenChar("\u0000")?.description).toBe("U+0000 (NUL)");
    expect(findForbiddenChar("a\ud83d")?.index).toBe(1); // lone surrogate
    expect(findForbiddenChar("😀\n")?.index).toBe(2); // index in UTF-16 units
  });

  it("treats unusual spaces as forbidden only when asked", () => {
    expect(findForbiddenChar("a\u00a0b")).toBeNull();
    expect(findForbiddenChar("a\u00a0b", { allowUnusualSpaces: false })?.description).toBe("U+00A0 (no-break space)");
    expect(findForbiddenChar("a b", { allowUnusualSpaces: false })).toBeNull();
  });

  it("names look-alikes by code point", () => {
    expect(describeChar("а")).toBe("'а' U+0430");
    expect(describeChar("x")).toBe("'x'");
  });
});

describe("checkPcreRegex", () => {
  it.each([
    "^foo$",
    "(?i)union\\s+select",
    "(?is)a.b",
    "a++b*+c?+",
    "(?>atomic)",
    "(?P<name>x)(?P=name)",
    "\\Aabc\\z",
    "\\Q(literal)\\E+",
    "[[:alpha:]]+",
    "[]a]",
    "[^]a]",
    "(?i:scoped)",
    "a(?i)b",
    "(?<=ab)c",
    "%27|%22",
  ])("accepts PCRE %s", (source) => {
    expect(checkPcreRegex(source)).toMatchObject({ ok: true });
  });

  it.each([
    ["foo(", /Unterminated group/],
    ["a)", /Unmatched '\)'/],
    ["*a", /Nothing to repeat/],
    ["[b-a]", /Range out of order/],
    ["(?x) a", /extended mode/],
    ["(?Q)a", /unknown option 'Q'|not supported/],
    ["a\\", /lone backslash/],
    ["", /empty/],
  ])("refuses %s", (source, message) => {
    const result = checkPcreRegex(source);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.message).toMatch(message);
  });

  it("says what it approximated", () => {
    expect(checkPcreRegex("(?i)x")).toEqual({ ok: true, notes: ["(?i) at the start was checked as the JavaScript flag i."] });
    expect(checkPcreRegex("a++")).toEqual({ ok: true, notes: ["Possessive quantifiers (a++) were checked as ordinary ones."] });
  });

  it("never throws", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), (source) => {
        const result = checkPcreRegex(source);
        expect(typeof result.ok).toBe("boolean");
      }),
      { numRuns: 2000 },
    );
  });
});

describe("parseTarget", () => {
  it("parses variables with simple, regex and XPath selectors", () => {
    expect(parseTarget("ARGS:password")).toMatchObject({ ok: true, target: { variable: "ARGS", selector: { kind: "name", value: "password" } } });
    expect(parseTarget("REQUEST_HEADERS:User-Agent")).toMatchObject({ ok: true });
    expect(parseTarget("ARGS_NAMES")).toMatchObject({ ok: true, target: { variable: "ARGS_NAMES" } });
    expect(parseTarget("ARGS:/^json\\.\\d+/")).toMatchObject({ ok: true, target: { selector: { kind: "regex", source: "^json\\.\\d+" } } });
    expect(parseTarget("XML:/*")).toMatchObject({ ok: true, target: { selector: { kind: "xpath" } } });
    expect(parseTarget("&ARGS", { allowPrefixes: true })).toMatchObject({ ok: true, target: { count: true } });
  });

  it.each([
    ["password", /Unknown or not allowed variable 'password'/],
    ["args:x", /capitals: ARGS/],
    ["REQUEST_URI:x", /single value/],
    ["ARGS:", /empty/],
    ["ARGS:pass word", /only letters, digits/],
    ["ARGS:a;b", /only letters, digits/],
    ["ARGS:/(/", /does not compile/],
    ["ARGS:/a;b/", /cannot contain ';'/],
    ["ARGS:/a,b/", /cannot contain ','/],
    ["ARGS:/a\"b/", /cannot contain '"'/],
    ["ARGS:/a'b/", /cannot contain '''/],
    ["ARGS:/abc", /closing/],
    ["!ARGS:x", /cannot start with '!'/],
    ["&ARGS", /cannot start with '&'/],
    ["TX", /TX needs a selector/],
    ["\u0410RGS:x", /U\+0410/],
  ])("refuses %s", (text, message) => {
    const result = parseTarget(text, { regexForbidden: ",;" });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.message).toMatch(message);
  });

  it("round-trips through formatTarget", () => {
    for (const text of ["ARGS:q", "!ARGS:/^a/", "&REQUEST_HEADERS:host", "XML:/*", "QUERY_STRING"]) {
      const parsed = parseTarget(text, { allowPrefixes: true });
      expect(parsed.ok && formatTarget(parsed.target)).toBe(text);
    }
  });

  it("knows the characters a ctl: target may hold in ModSecurity 3.0.9", () => {
    expect(CTL_TARGET_CHARS.test("ARGS:q")).toBe(true);
    expect(CTL_TARGET_CHARS.test("REQUEST_HEADERS:User-Agent")).toBe(true);
    expect(CTL_TARGET_CHARS.test("ARGS:/a[0-9]$/")).toBe(true);
    expect(CTL_TARGET_CHARS.test("ARGS:/^json/")).toBe(false);
  });
});
