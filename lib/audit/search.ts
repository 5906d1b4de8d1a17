// Full-text search over audit events: the words of the summary and of the before/after values.
//
// The two databases must find the same events for the same query, so both index the same text and
// split it the same way (prisma/*/migrations/20261124090000_audit_search): words are runs of letters and
// digits, case-folded. How each database is asked is the dialect's (lib/db/dialect: auditEventSearch).
// A query is a list of words, all of which must occur (AND). A word with punctuation inside, such as
// 10.0.0.1 or shop.example.com, is a phrase: its parts must occur next to each other in that order.
// Users' text never reaches either query language as syntax: it is cut into letters-and-digits tokens
// here, and only those tokens, quoted by the dialect, are put into the query.

import type { SearchPhrase } from "@/lib/db";

export type { SearchPhrase };

export const SEARCH_QUERY_MAX_LENGTH = 200;
const MAX_WORDS = 12;

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
