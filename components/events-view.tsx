// The WAF events list as /events and a vhost's Events tab show it: the filter (a GET form, so the filter
// lives in the URL and works without scripts), the timeline of blocked vs detected (CSS bars), the tops of
// the range and the keyset-paged list. Presentational: the page reads the data (lib/events/queries.ts).
// Server component only (domain names are decoded with node:url, lib/vhosts/display.ts).
import Link from "next/link";
import { eventFilterFields, eventFilterQuery, formatCursor, isEventFiltered, type EventCursor, type EventFilter } from "@/lib/events/filters";
import type { EventListRow, EventTops, TimelineBucket } from "@/lib/events/queries";
import { domainForms, domainLabel } from "@/lib/vhosts/display";
import { DomainName } from "./domain-name";
import { Badge, FIELD } from "./ui";

export type EventsViewProps = {
  /** The page's own path: /events or /vhosts/<id>/events. */
  base: string;
  filter: EventFilter;
  problems: string[];
  /** null: the vhost is fixed by the page (a vhost's tab). */
  vhosts: { id: string; domain: string }[] | null;
  timeline: { unit: "hour" | "day"; buckets: TimelineBucket[] };
  tops: EventTops;
  list: { rows: EventListRow[]; older: EventCursor | null; newer: EventCursor | null };
  paged: boolean;
};

export function fmtTime(d: Date) {
  return d.toISOString().replace("T", " ").slice(0, 19) + " UTC";
}

function FilterForm({ base, filter, vhosts }: Pick<EventsViewProps, "base" | "filter" | "vhosts">) {
  const v = eventFilterFields(filter);
  const label = "block text-xs font-medium text-slate-600";
  return (
    <form method="get" action={base} className="mb-4 grid gap-3 rounded-lg border border-slate-200 bg-white p-4 sm:grid-cols-4" aria-label="Filter events">
      {vhosts && (
        <label className={label}>
          Virtual host
          <select name="vhost" defaultValue={v.vhost} className={FIELD}>
            <option value="">All</option>
            {vhosts.map((h) => (
              <option key={h.id} value={h.id}>
                {domainLabel(h.domain)}
              </option>
            ))}
          </select>
        </label>
      )}
      <label className={label}>
        Time range
        <select name="range" defaultValue={v.range || "24h"} className={FIELD}>
          <option value="1h">Last hour</option>
          <option value="24h">Last 24 hours</option>
          <option value="7d">Last 7 days</option>
          <option value="30d">Last 30 days</option>
        </select>
      </label>
      <label className={label}>
        From (UTC, optional)
        <input type="datetime-local" name="from" defaultValue={v.from} className={FIELD} />
      </label>
      <label className={label}>
        To (UTC, optional)
        <input type="datetime-local" name="to" defaultValue={v.to} className={FIELD} />
      </label>
      <label className={label}>
        Outcome
        <select name="outcome" defaultValue={v.outcome} className={FIELD}>
          <option value="">Blocked and detected</option>
          <option value="blocked">Blocked</option>
          <option value="detected">Detected only</option>
        </select>
      </label>
      <label className={label}>
        Rule id
        <input name="rule" inputMode="numeric" placeholder="942100" defaultValue={v.rule} className={FIELD} />
      </label>
      <label className={label}>
        Tag
        <input name="tag" placeholder="attack-sqli" defaultValue={v.tag} className={FIELD} />
      </label>
      <label className={label}>
        Client address or range
        <input name="client" placeholder="192.0.2.7 or 10.0.0.0/8" defaultValue={v.client} className={FIELD} />
      </label>
      <label className={label}>
        Path starts with
        <input name="path" placeholder="/search" defaultValue={v.path} className={`${FIELD} font-mono`} />
      </label>
      <label className={label}>
        Status
        <input name="status" inputMode="numeric" placeholder="403" defaultValue={v.status} className={FIELD} />
      </label>
      <div className="flex items-end gap-3 sm:col-span-2">
        <button type="submit" className="rounded-md bg-blue-700 px-3 py-1.5 text-sm font-medium text-white hover:bg-blue-800">
          Apply
        </button>
        <Link href={base} className="text-sm text-blue-700 hover:underline">
          Clear
        </Link>
      </div>
    </form>
  );
}

function Timeline({ unit, buckets }: EventsViewProps["timeline"]) {
  const max = Math.max(1, ...buckets.map((b) => b.blocked + b.detected));
  const total = buckets.reduce((s, b) => ({ blocked: s.blocked + b.blocked, detected: s.detected + b.detected }), { blocked: 0, detected: 0 });
  return (
    <section aria-labelledby="timeline-heading" className="mb-4 rounded-lg border border-slate-200 bg-white p-4">
      <h2 id="timeline-heading" className="mb-2 text-sm font-semibold">
        Per {unit}: <span className="text-red-700">{total.blocked} blocked</span>, <span className="text-amber-700">{total.detected} detected</span>
      </h2>
      <div className="flex h-24 items-end gap-px" data-testid="events-timeline">
        {buckets.map((b) => (
          <div key={b.bucket} className="flex h-full flex-1 flex-col justify-end" title={`${b.bucket}${unit === "hour" ? ":00" : ""} UTC: ${b.blocked} blocked, ${b.detected} detected`}>
            <div className="bg-amber-400" style={{ height: `${(b.detected / max) * 100}%` }} />
            <div className="bg-red-600" style={{ height: `${(b.blocked / max) * 100}%` }} />
          </div>
        ))}
      </div>
      <div className="mt-1 flex justify-between text-xs text-slate-500">
        <span>{buckets[0]?.bucket}</span>
        <span>{buckets.at(-1)?.bucket}</span>
      </div>
    </section>
  );
}

function Top<K extends string | number>({ title, rows, href }: { title: string; rows: { key: K; count: number }[]; href: (k: K) => string }) {
  return (
    <section className="rounded-lg border border-slate-200 bg-white p-3" aria-label={title}>
      <h2 className="mb-1 text-sm font-semibold">{title}</h2>
      {rows.length === 0 ? (
        <p className="text-xs text-slate-500">None in this range.</p>
      ) : (
        <ol className="space-y-0.5 text-sm">
          {rows.map((r) => (
            <li key={String(r.key)} className="flex justify-between gap-2">
              <Link href={href(r.key)} className="truncate font-mono text-blue-700 hover:underline">
                {r.key}
              </Link>
              <span className="text-slate-600">{r.count}</span>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}

export function EventsView({ base, filter, problems, vhosts, timeline, tops, list, paged }: EventsViewProps) {
  // A top entry's link: the current filter with that one value replaced.
  const withFilter = (key: "rule" | "path", value: string | number) => `${base}${eventFilterQuery(filter, { [key]: value }, [key])}`;
  return (
    <>
      <FilterForm base={base} filter={filter} vhosts={vhosts} />
      {problems.length > 0 && (
        <ul role="alert" className="mb-4 list-inside list-disc rounded-md border border-amber-300 bg-amber-50 p-3 text-sm text-amber-900">
          {problems.map((p) => (
            <li key={p}>{p}</li>
          ))}
        </ul>
      )}
      <Timeline {...timeline} />
      <div className="mb-4 grid gap-3 sm:grid-cols-3">
        <Top title="Top scoring rules" rows={tops.rules} href={(k) => withFilter("rule", k)} />
        <Top title="Top client addresses" rows={tops.clients} href={(k) => `${base}${eventFilterQuery(filter, { client: k }, ["client"])}`} />
        <Top title="Top paths" rows={tops.paths} href={(k) => withFilter("path", k)} />
      </div>
      {list.rows.length === 0 ? (
        <div className="rounded-lg border border-dashed border-slate-300 bg-white p-10 text-center text-sm text-slate-600" data-testid="events-empty">
          {isEventFiltered(filter) ? "No event matches this filter." : paged ? "No more events in this direction." : "No WAF events in this time range."}
        </div>
      ) : (
        <div className="relative overflow-x-auto rounded-lg border border-slate-200 bg-white">
          <table className="w-full text-left text-sm">
            <thead className="border-b border-slate-200 bg-slate-50 text-xs uppercase text-slate-600">
              <tr>
                <th className="px-3 py-2">Time</th>
                <th className="px-3 py-2">Outcome</th>
                <th className="px-3 py-2">Host</th>
                <th className="hidden px-3 py-2 md:table-cell">Client</th>
                <th className="hidden px-3 py-2 sm:table-cell">Request</th>
                <th className="hidden px-3 py-2 lg:table-cell">Status</th>
                <th className="hidden px-3 py-2 lg:table-cell">Score</th>
                <th className="hidden px-3 py-2 lg:table-cell">Scoring rules</th>
              </tr>
            </thead>
            <tbody>
              {list.rows.map((e) => (
                <tr key={e.id} className="border-b border-slate-100 align-top last:border-0" data-testid="event-row">
                  <td className="whitespace-nowrap px-3 py-2 text-xs">
                    <Link href={`/events/${e.id}`} className="text-blue-700 hover:underline">
                      {fmtTime(e.occurredAt)}
                    </Link>
                  </td>
                  <td className="px-3 py-2">{e.outcome === "blocked" ? <Badge tone="red">blocked</Badge> : <Badge tone="amber">detected</Badge>}</td>
                  <td className="px-3 py-2 text-xs [overflow-wrap:anywhere]">
                    <DomainName {...domainForms(e.vhost)} />
                  </td>
                  <td className="hidden px-3 py-2 font-mono text-xs md:table-cell">{e.clientAddress}</td>
                  <td className="hidden max-w-md break-all px-3 py-2 font-mono text-xs sm:table-cell">
                    {e.method} {e.uri}
                  </td>
                  <td className="hidden px-3 py-2 lg:table-cell">{e.status}</td>
                  <td className="hidden px-3 py-2 lg:table-cell">{e.inboundScore ?? "–"}</td>
                  <td className="hidden px-3 py-2 font-mono text-xs lg:table-cell">{e.scoringRules.join(", ") || "–"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <nav className="mt-4 flex gap-4 text-sm" aria-label="Pages">
        {paged && (
          <Link href={`${base}${eventFilterQuery(filter)}`} className="text-blue-700 hover:underline">
            ↑ Newest
          </Link>
        )}
        {list.newer && (
          <Link href={`${base}${eventFilterQuery(filter, { after: formatCursor(list.newer) })}`} className="text-blue-700 hover:underline">
            ← Newer
          </Link>
        )}
        {list.older && (
          <Link href={`${base}${eventFilterQuery(filter, { before: formatCursor(list.older) })}`} className="text-blue-700 hover:underline">
            Older →
          </Link>
        )}
      </nav>
    </>
  );
}
