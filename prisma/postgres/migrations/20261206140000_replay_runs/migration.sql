-- CreateTable
CREATE TABLE "ReplayRun" (
    "id" UUID NOT NULL,
    "status" TEXT NOT NULL,
    "baseRevision" INTEGER,
    "candidateHash" TEXT NOT NULL,
    "vhosts" JSONB NOT NULL,
    "total" INTEGER NOT NULL DEFAULT 0,
    "done" INTEGER NOT NULL DEFAULT 0,
    "report" JSONB,
    "error" TEXT,
    "revision" INTEGER,
    "createdById" UUID,
    "createdByEmail" TEXT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" TIMESTAMPTZ(3),
    "heartbeatAt" TIMESTAMPTZ(3),

    CONSTRAINT "ReplayRun_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "ReplayRun_candidateHash_idx" ON "ReplayRun"("candidateHash");

-- CreateIndex
CREATE INDEX "ReplayRun_revision_idx" ON "ReplayRun"("revision");

-- CreateIndex
CREATE INDEX "ReplayRun_createdAt_idx" ON "ReplayRun"("createdAt");
