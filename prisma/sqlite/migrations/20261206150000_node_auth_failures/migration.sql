-- CreateTable
CREATE TABLE "NodeAuthFailure" (
    "address" TEXT NOT NULL PRIMARY KEY,
    "windowStart" DATETIME NOT NULL,
    "count" INTEGER NOT NULL
);

-- CreateIndex
CREATE INDEX "NodeAuthFailure_windowStart_idx" ON "NodeAuthFailure"("windowStart");
