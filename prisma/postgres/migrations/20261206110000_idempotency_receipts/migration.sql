-- CreateTable
CREATE TABLE "IdempotencyReceipt" (
    "userId" UUID NOT NULL,
    "key" TEXT NOT NULL,
    "step" INTEGER NOT NULL,
    "action" TEXT NOT NULL,
    "input" TEXT NOT NULL,
    "result" TEXT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "IdempotencyReceipt_pkey" PRIMARY KEY ("userId","key","step")
);

-- CreateIndex
CREATE INDEX "IdempotencyReceipt_createdAt_idx" ON "IdempotencyReceipt"("createdAt");
