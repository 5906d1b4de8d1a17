-- CreateTable
CREATE TABLE "NodeAuthFailure" (
    "address" TEXT NOT NULL,
    "windowStart" TIMESTAMPTZ(3) NOT NULL,
    "count" INTEGER NOT NULL,

    CONSTRAINT "NodeAuthFailure_pkey" PRIMARY KEY ("address")
);

-- CreateIndex
CREATE INDEX "NodeAuthFailure_windowStart_idx" ON "NodeAuthFailure"("windowStart");
