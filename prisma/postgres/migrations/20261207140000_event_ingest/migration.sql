-- Fewer indexes to maintain on every ingested WAF event (issue 18; BENCHMARKS.md, section g).
-- "WafEvent_nodeId_transactionId_key": the primary key already makes an event unique by node and
-- ModSecurity's transaction id, because the id is derived from exactly that pair (lib/events/ingest.ts
-- eventId: sha256 of both); a retried event conflicts on the primary key and is skipped.
DROP INDEX "WafEvent_nodeId_transactionId_key";

-- "WafEvent_clientAddress_occurredAt_idx": no query reads it since the client filter uses the sortable
-- key (20261206130000_event_client_key, index "WafEvent_clientKey_occurredAt_idx").
DROP INDEX "WafEvent_clientAddress_occurredAt_idx";
