-- AlterTable
ALTER TABLE "WafNode" ADD COLUMN "appliedAt" DATETIME;

-- CreateTable
CREATE TABLE "NodeCertificate" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "nodeId" TEXT NOT NULL,
    "reference" TEXT NOT NULL,
    "domain" TEXT NOT NULL,
    "fingerprint" TEXT NOT NULL,
    "subject" TEXT NOT NULL,
    "altNames" TEXT NOT NULL,
    "issuer" TEXT NOT NULL,
    "serial" TEXT NOT NULL,
    "notAfter" DATETIME NOT NULL,
    "reportedAt" DATETIME NOT NULL,
    CONSTRAINT "NodeCertificate_nodeId_fkey" FOREIGN KEY ("nodeId") REFERENCES "WafNode" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE INDEX "NodeCertificate_nodeId_idx" ON "NodeCertificate"("nodeId");

-- CreateIndex
CREATE INDEX "NodeCertificate_notAfter_idx" ON "NodeCertificate"("notAfter");
