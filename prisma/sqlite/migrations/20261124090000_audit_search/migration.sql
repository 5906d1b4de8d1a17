-- Full-text search over audit events (lib/audit/search.ts): the summary and the before/after values.
-- A contentless FTS5 table whose rowid is the event's seq, kept in step by triggers. unicode61 without
-- diacritic removal cuts text into runs of letters and digits, case-folded, exactly as PostgreSQL's
-- index does after replacing punctuation: the same query finds the same events on both databases.
-- The text is cut at 200,000 characters, as on PostgreSQL.
CREATE VIRTUAL TABLE "AuditEventSearch" USING fts5("body", content='', tokenize='unicode61 remove_diacritics 0');

INSERT INTO "AuditEventSearch" ("rowid", "body")
SELECT "seq", substr("summary" || ' ' || coalesce("before", '') || ' ' || coalesce("after", ''), 1, 200000) FROM "AuditEvent";

CREATE TRIGGER "AuditEvent_search_insert" AFTER INSERT ON "AuditEvent" BEGIN
  INSERT INTO "AuditEventSearch" ("rowid", "body")
  VALUES (NEW."seq", substr(NEW."summary" || ' ' || coalesce(NEW."before", '') || ' ' || coalesce(NEW."after", ''), 1, 200000));
END;

-- A contentless table forgets a row by being told the exact text it indexed.
CREATE TRIGGER "AuditEvent_search_delete" AFTER DELETE ON "AuditEvent" BEGIN
  INSERT INTO "AuditEventSearch" ("AuditEventSearch", "rowid", "body")
  VALUES ('delete', OLD."seq", substr(OLD."summary" || ' ' || coalesce(OLD."before", '') || ' ' || coalesce(OLD."after", ''), 1, 200000));
END;

CREATE TRIGGER "AuditEvent_search_update" AFTER UPDATE ON "AuditEvent" BEGIN
  INSERT INTO "AuditEventSearch" ("AuditEventSearch", "rowid", "body")
  VALUES ('delete', OLD."seq", substr(OLD."summary" || ' ' || coalesce(OLD."before", '') || ' ' || coalesce(OLD."after", ''), 1, 200000));
  INSERT INTO "AuditEventSearch" ("rowid", "body")
  VALUES (NEW."seq", substr(NEW."summary" || ' ' || coalesce(NEW."before", '') || ' ' || coalesce(NEW."after", ''), 1, 200000));
END;
