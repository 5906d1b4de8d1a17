-- Exact hourly rollup of the WAF events for the /events tops and timeline (issue 18, "Scale and speed";
-- lib/events/rollup.ts). Ingestion adds to it in the transaction that stores the events (lib/events/ingest.ts).

-- CreateTable
CREATE TABLE "WafEventHourly" (
    "kind" TEXT NOT NULL,
    "vhostId" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "hour" DATETIME NOT NULL,
    "outcome" TEXT NOT NULL,
    "n" INTEGER NOT NULL,

    PRIMARY KEY ("kind", "vhostId", "key", "hour", "outcome")
);

-- CreateIndex
CREATE INDEX "WafEventHourly_kind_vhostId_hour_n_idx" ON "WafEventHourly"("kind", "vhostId", "hour", "n");

-- The events already stored, counted the way ingestion counts them: each row once under its vhost ("" for
-- none) and once under "*"; a match counts only with its event, as the tops read them. Dates are ISO text
-- in UTC as the ORM writes them ("2026-12-08T10:15:00.000+00:00"): the hour is the first 13 characters.
INSERT INTO "WafEventHourly" ("kind", "vhostId", "key", "hour", "outcome", "n")
SELECT r."kind", CASE a."all" WHEN 1 THEN '*' ELSE r."vhostId" END, r."key", r."hour", r."outcome", COUNT(*)
  FROM (
    SELECT 'total' AS "kind", COALESCE(e."vhostId", '') AS "vhostId", '' AS "key", substr(e."occurredAt", 1, 13) || ':00:00.000+00:00' AS "hour", e."outcome" AS "outcome" FROM "WafEvent" e
    UNION ALL
    SELECT 'client', COALESCE(e."vhostId", ''), e."clientAddress", substr(e."occurredAt", 1, 13) || ':00:00.000+00:00', e."outcome" FROM "WafEvent" e
    UNION ALL
    SELECT 'path', COALESCE(e."vhostId", ''), e."path", substr(e."occurredAt", 1, 13) || ':00:00.000+00:00', e."outcome" FROM "WafEvent" e
    UNION ALL
    SELECT 'rule', COALESCE(m."vhostId", ''), CAST(m."ruleId" AS TEXT), substr(m."occurredAt", 1, 13) || ':00:00.000+00:00', m."outcome"
      FROM "WafEventMatch" m
     WHERE m."scoring" = 1 AND EXISTS (SELECT 1 FROM "WafEvent" e WHERE e."id" = m."eventId")
  ) r
 CROSS JOIN (SELECT 0 AS "all" UNION ALL SELECT 1) a
 GROUP BY 1, 2, 3, 4, 5;
