-- Exact hourly rollup of the WAF events for the /events tops and timeline (issue 18, "Scale and speed";
-- lib/events/rollup.ts). Ingestion adds to it in the transaction that stores the events (lib/events/ingest.ts).

-- CreateTable
CREATE TABLE "WafEventHourly" (
    "kind" TEXT NOT NULL,
    "vhostId" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "hour" TIMESTAMPTZ(3) NOT NULL,
    "outcome" TEXT NOT NULL,
    "n" INTEGER NOT NULL,

    CONSTRAINT "WafEventHourly_pkey" PRIMARY KEY ("kind","vhostId","key","hour","outcome")
);

-- CreateIndex
CREATE INDEX "WafEventHourly_kind_vhostId_hour_n_idx" ON "WafEventHourly"("kind", "vhostId", "hour", "n");

-- The events already stored, counted the way ingestion counts them: each row once under its vhost ("" for
-- none) and once under "*"; a match counts only with its event, as the tops read them.
INSERT INTO "WafEventHourly" ("kind", "vhostId", "key", "hour", "outcome", "n")
SELECT r."kind", v."vhostId", r."key", r."hour", r."outcome", COUNT(*)
  FROM (
    SELECT k."kind", COALESCE(e."vhostId"::text, '') AS "vhostId", k."key",
           date_trunc('hour', e."occurredAt" AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS "hour", e."outcome"
      FROM "WafEvent" e
     CROSS JOIN LATERAL (VALUES ('total', ''), ('client', e."clientAddress"), ('path', e."path")) AS k("kind", "key")
    UNION ALL
    SELECT 'rule', COALESCE(m."vhostId"::text, ''), m."ruleId"::text,
           date_trunc('hour', m."occurredAt" AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', m."outcome"
      FROM "WafEventMatch" m
     WHERE m."scoring" = TRUE AND EXISTS (SELECT 1 FROM "WafEvent" e WHERE e."id" = m."eventId")
  ) r
 CROSS JOIN LATERAL (VALUES (r."vhostId"), ('*')) AS v("vhostId")
 GROUP BY 1, 2, 3, 4, 5;
