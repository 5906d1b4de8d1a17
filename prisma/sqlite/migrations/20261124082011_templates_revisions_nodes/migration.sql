-- CreateTable
CREATE TABLE "PolicyTemplate" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT NOT NULL,
    "description" TEXT NOT NULL,
    "policy" JSONB NOT NULL,
    "builtIn" BOOLEAN NOT NULL DEFAULT false,
    "version" INTEGER NOT NULL DEFAULT 1,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "ConfigRevision" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "number" INTEGER NOT NULL,
    "contentHash" TEXT NOT NULL,
    "bundle" JSONB NOT NULL,
    "summary" TEXT NOT NULL,
    "changes" JSONB NOT NULL,
    "engineChecked" BOOLEAN NOT NULL,
    "rollbackOf" INTEGER,
    "createdById" TEXT,
    "createdByEmail" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateTable
CREATE TABLE "WafNode" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT NOT NULL,
    "tokenHash" TEXT NOT NULL,
    "tokenPrefix" TEXT NOT NULL,
    "revokedAt" DATETIME,
    "lastSeenAt" DATETIME,
    "appliedRevision" INTEGER,
    "lastStatus" TEXT,
    "lastMessage" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "AuditArchive" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "throughSeq" INTEGER NOT NULL,
    "lastHash" TEXT NOT NULL,
    "eventCount" INTEGER NOT NULL,
    "fileName" TEXT NOT NULL,
    "createdByEmail" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateTable
CREATE TABLE "LoginAttempt" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "email" TEXT NOT NULL,
    "ip" TEXT,
    "success" BOOLEAN NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateIndex
CREATE UNIQUE INDEX "PolicyTemplate_name_key" ON "PolicyTemplate"("name");

-- CreateIndex
CREATE UNIQUE INDEX "ConfigRevision_number_key" ON "ConfigRevision"("number");

-- CreateIndex
CREATE UNIQUE INDEX "WafNode_name_key" ON "WafNode"("name");

-- CreateIndex
CREATE UNIQUE INDEX "WafNode_tokenHash_key" ON "WafNode"("tokenHash");

-- CreateIndex
CREATE UNIQUE INDEX "AuditArchive_throughSeq_key" ON "AuditArchive"("throughSeq");

-- CreateIndex
CREATE INDEX "LoginAttempt_email_createdAt_idx" ON "LoginAttempt"("email", "createdAt");

-- CreateIndex
CREATE INDEX "LoginAttempt_ip_createdAt_idx" ON "LoginAttempt"("ip", "createdAt");

