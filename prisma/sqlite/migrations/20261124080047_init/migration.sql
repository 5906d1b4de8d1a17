-- CreateTable
CREATE TABLE "User" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "email" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "passwordHash" TEXT NOT NULL,
    "role" TEXT NOT NULL DEFAULT 'EDITOR',
    "disabled" BOOLEAN NOT NULL DEFAULT false,
    "sessionVersion" INTEGER NOT NULL DEFAULT 0,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "VirtualHost" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "domain" TEXT NOT NULL,
    "aliases" JSONB NOT NULL,
    "backendUrl" TEXT NOT NULL,
    "tlsMode" TEXT NOT NULL DEFAULT 'NONE',
    "certificateRef" TEXT,
    "hsts" BOOLEAN NOT NULL DEFAULT false,
    "minTlsVersion" TEXT NOT NULL DEFAULT 'TLS1_2',
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "version" INTEGER NOT NULL DEFAULT 1,
    "updatedByEmail" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "WafPolicy" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "vhostId" TEXT NOT NULL,
    "engineMode" TEXT NOT NULL DEFAULT 'BLOCKING',
    "blockingParanoia" INTEGER NOT NULL DEFAULT 1,
    "detectionParanoia" INTEGER NOT NULL DEFAULT 1,
    "inboundThreshold" INTEGER NOT NULL DEFAULT 5,
    "outboundThreshold" INTEGER NOT NULL DEFAULT 4,
    "version" INTEGER NOT NULL DEFAULT 1,
    "updatedByEmail" TEXT,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "WafPolicy_vhostId_fkey" FOREIGN KEY ("vhostId") REFERENCES "VirtualHost" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "IpListEntry" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "vhostId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "cidr" TEXT NOT NULL,
    "note" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "IpListEntry_vhostId_fkey" FOREIGN KEY ("vhostId") REFERENCES "VirtualHost" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "CustomRule" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "vhostId" TEXT NOT NULL,
    "ruleId" INTEGER NOT NULL,
    "description" TEXT NOT NULL,
    "secRule" TEXT NOT NULL,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "position" INTEGER NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "CustomRule_vhostId_fkey" FOREIGN KEY ("vhostId") REFERENCES "VirtualHost" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "RuleExclusion" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "vhostId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "ruleId" INTEGER,
    "ruleIdEnd" INTEGER,
    "tag" TEXT,
    "target" TEXT,
    "pathPrefix" TEXT,
    "note" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "RuleExclusion_vhostId_fkey" FOREIGN KEY ("vhostId") REFERENCES "VirtualHost" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "AuditEvent" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "seq" INTEGER NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "actorId" TEXT,
    "actorEmail" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "entityType" TEXT NOT NULL,
    "entityId" TEXT NOT NULL,
    "vhostId" TEXT,
    "summary" TEXT NOT NULL,
    "before" JSONB,
    "after" JSONB,
    "ip" TEXT,
    "userAgent" TEXT,
    "prevHash" TEXT NOT NULL,
    "hash" TEXT NOT NULL
);

-- CreateTable
CREATE TABLE "AuditChainHead" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "lastSeq" INTEGER NOT NULL,
    "lastHash" TEXT NOT NULL
);

-- CreateIndex
CREATE UNIQUE INDEX "User_email_key" ON "User"("email");

-- CreateIndex
CREATE UNIQUE INDEX "VirtualHost_domain_key" ON "VirtualHost"("domain");

-- CreateIndex
CREATE INDEX "VirtualHost_createdAt_idx" ON "VirtualHost"("createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "WafPolicy_vhostId_key" ON "WafPolicy"("vhostId");

-- CreateIndex
CREATE INDEX "IpListEntry_vhostId_idx" ON "IpListEntry"("vhostId");

-- CreateIndex
CREATE UNIQUE INDEX "IpListEntry_vhostId_kind_cidr_key" ON "IpListEntry"("vhostId", "kind", "cidr");

-- CreateIndex
CREATE UNIQUE INDEX "CustomRule_ruleId_key" ON "CustomRule"("ruleId");

-- CreateIndex
CREATE INDEX "CustomRule_vhostId_position_idx" ON "CustomRule"("vhostId", "position");

-- CreateIndex
CREATE INDEX "RuleExclusion_vhostId_idx" ON "RuleExclusion"("vhostId");

-- CreateIndex
CREATE UNIQUE INDEX "AuditEvent_seq_key" ON "AuditEvent"("seq");

-- CreateIndex
CREATE INDEX "AuditEvent_createdAt_idx" ON "AuditEvent"("createdAt");

-- CreateIndex
CREATE INDEX "AuditEvent_actorId_seq_idx" ON "AuditEvent"("actorId", "seq");

-- CreateIndex
CREATE INDEX "AuditEvent_entityType_entityId_seq_idx" ON "AuditEvent"("entityType", "entityId", "seq");

-- CreateIndex
CREATE INDEX "AuditEvent_vhostId_seq_idx" ON "AuditEvent"("vhostId", "seq");

-- CreateIndex
CREATE INDEX "AuditEvent_action_seq_idx" ON "AuditEvent"("action", "seq");


-- The audit chain starts here (lib/audit/audited.ts updates this row in every audited transaction).
INSERT INTO "AuditChainHead" ("id", "lastSeq", "lastHash") VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
