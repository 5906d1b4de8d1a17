// Full-text search over audit events: the words of the summary and of the before/after values.
//
// The two databases must find the same events for the same query, so both index the same text and
// split it the same way (see prisma/*/migrations/20261124090000_audit_search):
//   - PostgreSQL: ASCII punctuation becomes a space, then to_tsvector('simple') — no stemming, no stop
//     words, lower-cased, and with no punctuation left its parser sees only plain words (no emails,
//     hosts, paths or hyphenated words, which it would otherwise index whole).
//   - SQLite: FTS5 with the unicode61 tokenizer keeping diacritics — words are runs of letters and
//     digits, case-folded.
// A query is a list of words, all of which must occur (AND). A word with punctuation inside, such as
// 10.0.0.1 or shop.example.com, is a phrase: its parts must occur next to each other in that order.
// Users' text never reaches either query language as syntax: it is cut into letters-and-digits tokens
// here, and only those tokens, quoted, are put into the query.

/** The indexed text is cut at this many characters (PostgreSQL refuses a tsvector over 1 MB). */
export const SEARCH_TEXT_LIMIT = 200_000;

export const SEARCH_QUERY_MAX_LENGTH = 200;
const MAX_WORDS = 12;

/** to_tsvector over an event, exactly as the GIN index "AuditEvent_search_idx" is defined, so queries use it. */
export const PG_SEARCH_VECTOR =
  `to_tsvector('simple'::regconfig, regexp_replace(left("summary" || ' ' || coalesce("before"::text, '') || ' ' || coalesce("after"::text, ''), ${SEARCH_TEXT_LIMIT}), '[\\x01-\\x2F\\x3A-\\x40\\x5B-\\x60\\x7B-\\x7F]+', ' ', 'g'))`;

/** The SQLite FTS5 table kept in step with AuditEvent by triggers; its rowid is the event's seq. */
export const SQLITE_SEARCH_TABLE = "AuditEventSearch";

/** One searched word: its tokens must occur consecutively (a one-token word is just that token). */
export type SearchPhrase = string[];

// Anything that is not a letter or a digit separates tokens, as in both databases (FTS5's unicode61
// token characters are the categories L*, N* and Co).
const SEPARATORS = /[^\p{L}\p{N}\p{Co}]+/u;
const HAS_WORD_CHAR = /[\p{L}\p{N}]/u;

/** Cuts a user's query into phrases of tokens. Punctuation, operators and quotes are separators, never syntax. */
export function parseSearchQuery(query: string): SearchPhrase[] {
  const phrases: SearchPhrase[] = [];
  for (const word of query.slice(0, SEARCH_QUERY_MAX_LENGTH).split(/\s+/u)) {
    const tokens = word.split(SEPARATORS).filter((t) => HAS_WORD_CHAR.test(t));
    if (tokens.length > 0) phrases.push(tokens);
    if (phrases.length === MAX_WORDS) break;
  }
  return phrases;
}

/** A to_tsquery('simple', …) expression: phrases joined with & and their tokens with <->. Tokens carry no quote or backslash. */
export function toPgTsQuery(phrases: SearchPhrase[]): string {
  return phrases.map((p) => p.map((t) => `'${t}'`).join(" <-> ")).join(" & ");
}

/** An FTS5 MATCH expression: each phrase double-quoted (so AND, OR, NOT, NEAR, * and : in it are plain words), joined with AND. */
export function toFts5Match(phrases: SearchPhrase[]): string {
  return phrases.map((p) => `"${p.join(" ")}"`).join(" AND ");
}
