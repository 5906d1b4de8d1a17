-- The WAF events' retention, set by an ADMIN on /events/retention (issue 18; lib/events/settings.ts), the
-- change audited. One row, id 'events'; until an admin sets it, PALISADE_EVENT_RETENTION_DAYS or 30 days.

-- CreateTable
CREATE TABLE "WafEventSettings" (
    "id" TEXT NOT NULL,
    "retentionDays" INTEGER NOT NULL,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "WafEventSettings_pkey" PRIMARY KEY ("id")
);
