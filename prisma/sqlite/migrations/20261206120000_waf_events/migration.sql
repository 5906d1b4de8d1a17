-- CreateTable
CREATE TABLE "WafEvent" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "nodeId" TEXT NOT NULL,
    "transactionId" TEXT NOT NULL,
    "vhostId" TEXT,
    "vhost" TEXT NOT NULL,
    "occurredAt" DATETIME NOT NULL,
    "receivedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "clientAddress" TEXT NOT NULL,
    "method" TEXT NOT NULL,
    "uri" TEXT NOT NULL,
    "path" TEXT NOT NULL,
    "status" INTEGER NOT NULL,
    "outcome" TEXT NOT NULL,
    "inboundScore" INTEGER,
    "outboundScore" INTEGER,
    "revision" INTEGER,
    "matches" JSONB NOT NULL
);

-- CreateTable
CREATE TABLE "WafEventMatch" (
    "eventId" TEXT NOT NULL,
    "ruleId" INTEGER NOT NULL,
    "occurredAt" DATETIME NOT NULL,
    "vhostId" TEXT,
    "outcome" TEXT NOT NULL,
    "scoring" BOOLEAN NOT NULL,
    "tags" TEXT NOT NULL,

    PRIMARY KEY ("eventId", "ruleId")
);

-- CreateIndex
CREATE INDEX "WafEvent_occurredAt_idx" ON "WafEvent"("occurredAt");

-- CreateIndex
CREATE INDEX "WafEvent_vhostId_occurredAt_idx" ON "WafEvent"("vhostId", "occurredAt");

-- CreateIndex
CREATE INDEX "WafEvent_clientAddress_occurredAt_idx" ON "WafEvent"("clientAddress", "occurredAt");

-- CreateIndex
CREATE UNIQUE INDEX "WafEvent_nodeId_transactionId_key" ON "WafEvent"("nodeId", "transactionId");

-- CreateIndex
CREATE INDEX "WafEventMatch_ruleId_occurredAt_idx" ON "WafEventMatch"("ruleId", "occurredAt");

-- CreateIndex
CREATE INDEX "WafEventMatch_occurredAt_idx" ON "WafEventMatch"("occurredAt");
