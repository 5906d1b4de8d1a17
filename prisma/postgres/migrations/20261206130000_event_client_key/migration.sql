-- The client address as a sortable key for CIDR filters (IPv4 and IPv6): "4" + 8 or "6" + 32 lower-case hex
-- digits. Byte order (COLLATE "C") so that a range of addresses is a range of keys whatever the database's locale.
-- Rows stored before this migration are filled in by `npm run db:migrate` (lib/events/client-key.ts).
ALTER TABLE "WafEvent" ADD COLUMN "clientKey" TEXT COLLATE "C";

-- CreateIndex
CREATE INDEX "WafEvent_clientKey_occurredAt_idx" ON "WafEvent"("clientKey", "occurredAt");
