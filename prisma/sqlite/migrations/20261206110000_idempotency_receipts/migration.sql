-- CreateTable
CREATE TABLE "IdempotencyReceipt" (
    "userId" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "step" INTEGER NOT NULL,
    "action" TEXT NOT NULL,
    "input" TEXT NOT NULL,
    "result" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,

    PRIMARY KEY ("userId", "key", "step")
);

-- CreateIndex
CREATE INDEX "IdempotencyReceipt_createdAt_idx" ON "IdempotencyReceipt"("createdAt");
