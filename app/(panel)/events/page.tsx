import type { Metadata } from "next";
import Link from "next/link";
import { EventsView } from "@/components/events-view";
import { PageHeader } from "@/components/ui";

import { requirePageAccess } from "@/lib/auth/page-access";
import { parseEventFilter, parseEventPage } from "@/lib/events/filters";
import { eventsPageData, eventVhostChoices } from "@/lib/events/queries";
import { eventRetention } from "@/lib/events/settings";

export const metadata: Metadata = { title: "WAF events" };

export default async function EventsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  await requirePageAccess("/events");
  const raw = await searchParams;
  const { filter, problems } = parseEventFilter(raw);
  const [data, vhosts, retention] = await Promise.all([eventsPageData(filter, parseEventPage(raw)), eventVhostChoices(), eventRetention()]);
  return (
    <>
      <PageHeader
        title="WAF events"
        actions={
          <Link href="/events/retention" className="text-sm text-blue-700 hover:underline" data-testid="retention-link">
            Kept {retention.days} days
          </Link>
        }
      >
        What the firewall blocked or only detected, newest first. Open an event to see which rules scored and why, and to tune from it.
      </PageHeader>
      <EventsView base="/events" filter={filter} problems={problems} vhosts={vhosts} {...data} />
    </>
  );
}
