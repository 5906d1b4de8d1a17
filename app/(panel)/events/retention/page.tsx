import type { Metadata } from "next";
import Link from "next/link";
import { EventRetentionForm } from "@/components/event-retention-form";
import { PageHeader } from "@/components/ui";
import { requirePageAccess } from "@/lib/auth/page-access";
import { can } from "@/lib/auth/permissions";
import { eventRetention } from "@/lib/events/settings";

export const metadata: Metadata = { title: "WAF event retention" };

const SOURCE = {
  setting: "set by an admin",
  environment: "from PALISADE_EVENT_RETENTION_DAYS (no admin has set it)",
  default: "the default (no admin has set it)",
} as const;

export default async function EventRetentionPage() {
  const user = await requirePageAccess("/events/retention");
  const retention = await eventRetention();
  return (
    <>
      <PageHeader title="WAF event retention" actions={<Link href="/events" className="text-sm text-blue-700 hover:underline">← WAF events</Link>}>
        WAF events older than the retention are deleted every hour, in small paced batches that never hold up the nodes&apos; ingestion. Changing it is
        recorded in the audit log.
      </PageHeader>
      <p className="mb-4 text-sm" data-testid="event-retention">
        Events are kept <strong>{retention.days} days</strong>, {SOURCE[retention.source]}
        {retention.updatedAt ? ` on ${retention.updatedAt.toISOString().replace("T", " ").slice(0, 16)} UTC` : ""}.
      </p>
      {can(user.role, "event.retention") ? (
        <EventRetentionForm days={retention.days} />
      ) : (
        <p className="text-sm text-slate-600">Only an admin can change the retention.</p>
      )}
    </>
  );
}
