-- Retention deletes the rollup's rows of the hours before a time in batches (lib/events/retention.ts). Without an
-- index that starts with "hour", each batch scanned the rollup's index from its start past the rows it had kept,
-- so a purge's time grew with the square of the table (issue 18, twelfth session).

-- CreateIndex
CREATE INDEX "WafEventHourly_hour_idx" ON "WafEventHourly"("hour");
