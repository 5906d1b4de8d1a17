import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { toPgTsQuery } from "@/lib/db/dialect/postgres";
import { toFts5Match } from "@/lib/db/dialect/sqlite";
import { parseSearchQuery, SEARCH_QUERY_MAX_LENGTH } from "./search";

describe("parseSearchQuery", () => {
  it("makes one phrase per whitespace-separated word, cut at punctuation", () => {
    expect(parseSearchQuery("deny 10.0.0.1/32 shop.example.com")).toEqual([["deny"], ["10", "0", "0", "1", "32"], ["shop", "example", "com"]]);
  });

  it("keeps letters outside ASCII inside tokens, and case as typed (the databases fold it)", () => {
    expect(parseSearchQuery("Café ÜBER straße 日本語")).toEqual([["Café"], ["ÜBER"], ["straße"], ["日本語"]]);
  });

  it("treats query-language syntax as separators", () => {
    expect(parseSearchQuery(`"admin" 'x' a*b c:* d&e|f !g (h) <-> NEAR(i j) -k +l ^m`)).toEqual([
      ["admin"],
      ["x"],
      ["a", "b"],
      ["c"],
      ["d", "e", "f"],
      ["g"],
      ["h"],
      ["NEAR", "i"],
      ["j"],
      ["k"],
      ["l"],
      ["m"],
    ]);
  });

  it("returns nothing for a query without letters or digits", () => {
    for (const q of ["", "   ", `"'*:&|!()<->`, "— … ’", "\\\\"]) expect(parseSearchQuery(q)).toEqual([]);
  });

  it("bounds the query: length and number of words", () => {
    expect(parseSearchQuery("a ".repeat(100))).toHaveLength(12);
    const long = "x".repeat(SEARCH_QUERY_MAX_LENGTH + 50);
    expect(parseSearchQuery(long)).toEqual([["x".repeat(SEARCH_QUERY_MAX_LENGTH)]]);
  });
});

describe("query escaping", () => {
  it("writes a to_tsquery with & between words and <-> inside a phrase, every token quoted", () => {
    expect(toPgTsQuery(parseSearchQuery("deny 10.0.0.1"))).toBe(`'deny' & '10' <-> '0' <-> '0' <-> '1'`);
  });

  it("writes an FTS5 MATCH of double-quoted phrases joined with AND", () => {
    expect(toFts5Match(parseSearchQuery("deny 10.0.0.1 NEAR OR"))).toBe(`"deny" AND "10 0 0 1" AND "NEAR" AND "OR"`);
  });

  it("never lets a quote, backslash or operator character into a token, whatever the input", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 80 }), (q) => {
        for (const phrase of parseSearchQuery(q)) {
          for (const token of phrase) {
            expect(token).not.toMatch(/[\s"'\\*:&|!()<>^+\-]/);
            expect(token.length).toBeGreaterThan(0);
          }
        }
        const pg = toPgTsQuery(parseSearchQuery(q));
        // Between the quotes only tokens; outside them only the two operators and spaces.
        expect(pg.replace(/'[^']*'/g, "")).toMatch(/^[ &<\->]*$/);
        const fts = toFts5Match(parseSearchQuery(q));
        expect(fts.replace(/"[^"]*"/g, "")).toMatch(/^( AND )*$/);
      }),
    );
  });
});
