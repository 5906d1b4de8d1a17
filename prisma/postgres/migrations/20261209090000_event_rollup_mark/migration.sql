-- The hourly rollup leaves the ingestion path (issue 18, ingestion speed; lib/events/rollup-job.ts): the
-- hours before "through" are counted in "WafEventHourly" (a background job counts each hour once it has
-- closed; an event arriving later for such an hour is added by ingestion in its own transaction); the hours
-- from "through" on are read from the raw events. One row, id 1; ingestion reads it FOR SHARE, the job
-- locks it to move it, so the two never miss or double an event.

-- CreateTable
CREATE TABLE "WafEventRollupMark" (
    "id" INTEGER NOT NULL,
    "through" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "WafEventRollupMark_pkey" PRIMARY KEY ("id")
);

-- Every event stored so far was counted by ingestion (migration 20261208100000_event_rollup and after):
-- the rollup is complete up to now. The job recounts the current hour when it closes.
INSERT INTO "WafEventRollupMark" ("id", "through") VALUES (1, date_trunc('hour', CURRENT_TIMESTAMP AT TIME ZONE 'UTC') AT TIME ZONE 'UTC');
