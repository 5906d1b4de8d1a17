import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { EventsView } from "@/components/events-view";
import { requirePageAccess } from "@/lib/auth/page-access";
import { parseEventFilter, parseEventPage } from "@/lib/events/filters";
import { eventsPageData } from "@/lib/events/queries";

export const metadata: Metadata = { title: "Events" };

export default async function VhostEventsPage({ params, searchParams }: { params: Promise<{ id: string }>; searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const { id } = await params;
  await requirePageAccess(`/vhosts/${encodeURIComponent(id)}/events`);
  const raw = await searchParams;
  const parsed = parseEventFilter({ ...raw, vhost: id });
  if (!parsed.filter.vhost) notFound();
  const data = await eventsPageData(parsed.filter, parseEventPage(raw));
  // The vhost is the page's, not a field of the form: the links keep it in the path, not in the query.
  const { vhost: _vhost, ...rest } = parsed.filter;
  return <EventsView base={`/vhosts/${id}/events`} filter={rest} problems={parsed.problems} vhosts={null} {...data} />;
}
