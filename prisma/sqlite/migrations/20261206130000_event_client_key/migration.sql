-- The client address as a sortable key for CIDR filters (IPv4 and IPv6): "4" + 8 or "6" + 32 lower-case hex
-- digits; SQLite compares text bytewise, so a range of addresses is a range of keys.
-- Rows stored before this migration are filled in by `npm run db:migrate` (lib/events/client-key.ts).
ALTER TABLE "WafEvent" ADD COLUMN "clientKey" TEXT;

-- CreateIndex
CREATE INDEX "WafEvent_clientKey_occurredAt_idx" ON "WafEvent"("clientKey", "occurredAt");
