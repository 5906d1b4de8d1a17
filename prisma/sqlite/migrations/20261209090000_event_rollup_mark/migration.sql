-- The hourly rollup leaves the ingestion path (issue 18, ingestion speed; lib/events/rollup-job.ts): the
-- hours before "through" are counted in "WafEventHourly" (a background job counts each hour once it has
-- closed; an event arriving later for such an hour is added by ingestion in its own transaction); the hours
-- from "through" on are read from the raw events. One row, id 1; ingestion reads it inside its write
-- transaction, the job moves it in its own, so the two never miss or double an event.

-- CreateTable
CREATE TABLE "WafEventRollupMark" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "through" DATETIME NOT NULL
);

-- Every event stored so far was counted by ingestion (migration 20261208100000_event_rollup and after):
-- the rollup is complete up to now. Dates are ISO text in UTC as the ORM writes them.
INSERT INTO "WafEventRollupMark" ("id", "through") VALUES (1, strftime('%Y-%m-%dT%H:00:00.000+00:00', 'now'));
