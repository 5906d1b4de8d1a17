-- CreateTable
CREATE TABLE "PolicyTemplate" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT NOT NULL,
    "policy" JSONB NOT NULL,
    "builtIn" BOOLEAN NOT NULL DEFAULT false,
    "version" INTEGER NOT NULL DEFAULT 1,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "PolicyTemplate_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ConfigRevision" (
    "id" UUID NOT NULL,
    "number" INTEGER NOT NULL,
    "contentHash" TEXT NOT NULL,
    "bundle" JSONB NOT NULL,
    "summary" TEXT NOT NULL,
    "changes" JSONB NOT NULL,
    "engineChecked" BOOLEAN NOT NULL,
    "rollbackOf" INTEGER,
    "createdById" UUID,
    "createdByEmail" TEXT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ConfigRevision_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "WafNode" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "tokenHash" TEXT NOT NULL,
    "tokenPrefix" TEXT NOT NULL,
    "revokedAt" TIMESTAMPTZ(3),
    "lastSeenAt" TIMESTAMPTZ(3),
    "appliedRevision" INTEGER,
    "lastStatus" TEXT,
    "lastMessage" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "WafNode_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AuditArchive" (
    "id" UUID NOT NULL,
    "throughSeq" INTEGER NOT NULL,
    "lastHash" TEXT NOT NULL,
    "eventCount" INTEGER NOT NULL,
    "fileName" TEXT NOT NULL,
    "createdByEmail" TEXT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AuditArchive_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "LoginAttempt" (
    "id" UUID NOT NULL,
    "email" TEXT NOT NULL,
    "ip" TEXT,
    "success" BOOLEAN NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "LoginAttempt_pkey" PRIMARY KEY ("id")
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

