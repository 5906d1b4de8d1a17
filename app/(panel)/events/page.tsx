import type { Metadata } from "next";
import { EventsView } from "@/components/events-view";
import { PageHeader } from "@/components/ui";

import { requirePageAccess } from "@/lib/auth/page-access";
import { parseEventFilter, parseEventPage } from "@/lib/events/filters";
import { eventsPageData, eventVhostChoices } from "@/lib/events/queries";

export const metadata: Metadata = { title: "WAF events" };

export default async function EventsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  await requirePageAccess("/events");
  const raw = await searchParams;
  const { filter, problems } = parseEventFilter(raw);
  const [data, vhosts] = await Promise.all([eventsPageData(filter, parseEventPage(raw)), eventVhostChoices()]);
  return (
    <>
      <PageHeader title="WAF events">
        What the firewall blocked or only detected, newest first. Open an event to see which rules scored and why, and to tune from it.
      </PageHeader>
      <EventsView base="/events" filter={filter} problems={problems} vhosts={vhosts} {...data} />
    </>
  );
}
