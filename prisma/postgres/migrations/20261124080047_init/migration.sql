-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateEnum
CREATE TYPE "Role" AS ENUM ('ADMIN', 'EDITOR', 'AUDITOR');

-- CreateEnum
CREATE TYPE "TlsMode" AS ENUM ('NONE', 'TERMINATE', 'REDIRECT');

-- CreateEnum
CREATE TYPE "TlsVersion" AS ENUM ('TLS1_2', 'TLS1_3');

-- CreateEnum
CREATE TYPE "EngineMode" AS ENUM ('OFF', 'DETECTION_ONLY', 'BLOCKING');

-- CreateEnum
CREATE TYPE "IpListKind" AS ENUM ('ALLOW', 'DENY');

-- CreateEnum
CREATE TYPE "ExclusionKind" AS ENUM ('REMOVE_BY_ID', 'REMOVE_BY_TAG', 'REMOVE_TARGET_BY_ID', 'REMOVE_TARGET_BY_TAG');

-- CreateTable
CREATE TABLE "User" (
    "id" UUID NOT NULL,
    "email" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "passwordHash" TEXT NOT NULL,
    "role" "Role" NOT NULL DEFAULT 'EDITOR',
    "disabled" BOOLEAN NOT NULL DEFAULT false,
    "sessionVersion" INTEGER NOT NULL DEFAULT 0,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "User_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "VirtualHost" (
    "id" UUID NOT NULL,
    "domain" TEXT NOT NULL,
    "aliases" JSONB NOT NULL,
    "backendUrl" TEXT NOT NULL,
    "tlsMode" "TlsMode" NOT NULL DEFAULT 'NONE',
    "certificateRef" TEXT,
    "hsts" BOOLEAN NOT NULL DEFAULT false,
    "minTlsVersion" "TlsVersion" NOT NULL DEFAULT 'TLS1_2',
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "version" INTEGER NOT NULL DEFAULT 1,
    "updatedByEmail" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "VirtualHost_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "WafPolicy" (
    "id" UUID NOT NULL,
    "vhostId" UUID NOT NULL,
    "engineMode" "EngineMode" NOT NULL DEFAULT 'BLOCKING',
    "blockingParanoia" INTEGER NOT NULL DEFAULT 1,
    "detectionParanoia" INTEGER NOT NULL DEFAULT 1,
    "inboundThreshold" INTEGER NOT NULL DEFAULT 5,
    "outboundThreshold" INTEGER NOT NULL DEFAULT 4,
    "version" INTEGER NOT NULL DEFAULT 1,
    "updatedByEmail" TEXT,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "WafPolicy_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "IpListEntry" (
    "id" UUID NOT NULL,
    "vhostId" UUID NOT NULL,
    "kind" "IpListKind" NOT NULL,
    "cidr" TEXT NOT NULL,
    "note" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "IpListEntry_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "CustomRule" (
    "id" UUID NOT NULL,
    "vhostId" UUID NOT NULL,
    "ruleId" INTEGER NOT NULL,
    "description" TEXT NOT NULL,
    "secRule" TEXT NOT NULL,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "position" INTEGER NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "CustomRule_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "RuleExclusion" (
    "id" UUID NOT NULL,
    "vhostId" UUID NOT NULL,
    "kind" "ExclusionKind" NOT NULL,
    "ruleId" INTEGER,
    "ruleIdEnd" INTEGER,
    "tag" TEXT,
    "target" TEXT,
    "pathPrefix" TEXT,
    "note" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "RuleExclusion_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AuditEvent" (
    "id" UUID NOT NULL,
    "seq" INTEGER NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "actorId" UUID,
    "actorEmail" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "entityType" TEXT NOT NULL,
    "entityId" TEXT NOT NULL,
    "vhostId" UUID,
    "summary" TEXT NOT NULL,
    "before" JSONB,
    "after" JSONB,
    "ip" TEXT,
    "userAgent" TEXT,
    "prevHash" TEXT NOT NULL,
    "hash" TEXT NOT NULL,

    CONSTRAINT "AuditEvent_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AuditChainHead" (
    "id" INTEGER NOT NULL,
    "lastSeq" INTEGER NOT NULL,
    "lastHash" TEXT NOT NULL,

    CONSTRAINT "AuditChainHead_pkey" PRIMARY KEY ("id")
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

-- AddForeignKey
ALTER TABLE "WafPolicy" ADD CONSTRAINT "WafPolicy_vhostId_fkey" FOREIGN KEY ("vhostId") REFERENCES "VirtualHost"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "IpListEntry" ADD CONSTRAINT "IpListEntry_vhostId_fkey" FOREIGN KEY ("vhostId") REFERENCES "VirtualHost"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "CustomRule" ADD CONSTRAINT "CustomRule_vhostId_fkey" FOREIGN KEY ("vhostId") REFERENCES "VirtualHost"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RuleExclusion" ADD CONSTRAINT "RuleExclusion_vhostId_fkey" FOREIGN KEY ("vhostId") REFERENCES "VirtualHost"("id") ON DELETE CASCADE ON UPDATE CASCADE;


-- The audit chain starts here (lib/audit/audited.ts updates this row in every audited transaction).
INSERT INTO "AuditChainHead" ("id", "lastSeq", "lastHash") VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
