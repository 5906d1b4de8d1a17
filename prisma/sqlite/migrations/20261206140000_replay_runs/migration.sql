-- CreateTable
CREATE TABLE "ReplayRun" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "status" TEXT NOT NULL,
    "baseRevision" INTEGER,
    "candidateHash" TEXT NOT NULL,
    "vhosts" JSONB NOT NULL,
    "total" INTEGER NOT NULL DEFAULT 0,
    "done" INTEGER NOT NULL DEFAULT 0,
    "report" JSONB,
    "error" TEXT,
    "revision" INTEGER,
    "createdById" TEXT,
    "createdByEmail" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" DATETIME,
    "heartbeatAt" DATETIME
);

-- CreateIndex
CREATE INDEX "ReplayRun_candidateHash_idx" ON "ReplayRun"("candidateHash");

-- CreateIndex
CREATE INDEX "ReplayRun_revision_idx" ON "ReplayRun"("revision");

-- CreateIndex
CREATE INDEX "ReplayRun_createdAt_idx" ON "ReplayRun"("createdAt");
