-- AlterTable
ALTER TABLE "WafNode" ADD COLUMN "appliedAt" TIMESTAMPTZ(3);

-- CreateTable
CREATE TABLE "NodeCertificate" (
    "id" UUID NOT NULL,
    "nodeId" UUID NOT NULL,
    "reference" TEXT NOT NULL,
    "domain" TEXT NOT NULL,
    "fingerprint" TEXT NOT NULL,
    "subject" TEXT NOT NULL,
    "altNames" TEXT NOT NULL,
    "issuer" TEXT NOT NULL,
    "serial" TEXT NOT NULL,
    "notAfter" TIMESTAMPTZ(3) NOT NULL,
    "reportedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "NodeCertificate_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "NodeCertificate_nodeId_idx" ON "NodeCertificate"("nodeId");

-- CreateIndex
CREATE INDEX "NodeCertificate_notAfter_idx" ON "NodeCertificate"("notAfter");

-- AddForeignKey
ALTER TABLE "NodeCertificate" ADD CONSTRAINT "NodeCertificate_nodeId_fkey" FOREIGN KEY ("nodeId") REFERENCES "WafNode"("id") ON DELETE CASCADE ON UPDATE CASCADE;
