-- Full-text search over audit events (lib/audit/search.ts): the summary and the before/after values.
-- An expression index, so the Prisma schema does not change. ASCII punctuation becomes a space before
-- the 'simple' configuration splits the text, so tokens are plain runs of letters and digits, exactly as
-- SQLite's FTS5 unicode61 tokenizer cuts them: the same query finds the same events on both databases.
-- The text is cut at 200,000 characters: a tsvector may not exceed 1 MB, and an audit insert must never fail.
-- Queries must repeat this expression verbatim (PG_SEARCH_VECTOR in lib/audit/search.ts) to use the index.
CREATE INDEX "AuditEvent_search_idx" ON "AuditEvent" USING gin (
  to_tsvector('simple'::regconfig, regexp_replace(left("summary" || ' ' || coalesce("before"::text, '') || ' ' || coalesce("after"::text, ''), 200000), '[\x01-\x2F\x3A-\x40\x5B-\x60\x7B-\x7F]+', ' ', 'g'))
);
