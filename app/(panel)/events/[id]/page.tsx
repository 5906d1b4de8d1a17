import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { EventDenyButton } from "@/components/event-deny-button";
import { fmtTime } from "@/components/events-view";
import { Badge, PageHeader } from "@/components/ui";
import { requirePageAccess } from "@/lib/auth/page-access";
import { can } from "@/lib/auth/permissions";
import { getEvent } from "@/lib/events/queries";
import type { EventMatch } from "@/lib/events/schema";
import { suggestExclusions, type SuggestionScope } from "@/lib/events/suggest";
import type { RuleExclusion } from "@/lib/rules/exclusions";
import { DomainName } from "@/components/domain-name";
import { domainForms, domainLabel } from "@/lib/vhosts/display";

export const metadata: Metadata = { title: "WAF event" };

const SEVERITY = ["EMERGENCY", "ALERT", "CRITICAL", "ERROR", "WARNING", "NOTICE", "INFO", "DEBUG"];
/** CRS adds this much to the anomaly score per severity (crs-setup.conf defaults). */
const CRS_SCORE: Record<number, number> = { 2: 5, 3: 4, 4: 3, 5: 2 };
const SCOPE_LABEL: Record<SuggestionScope, string> = {
  "target-under-path": "Narrowest: this input, this rule, this path",
  "target-everywhere": "This input, this rule, everywhere",
  "rule-under-path": "Broader: the whole rule on this path",
  "rule-everywhere": "Broadest: the rule everywhere",
};

/** The exclusion form's query parameters for a suggestion (app/(panel)/vhosts/[id]/exclusions reads them). */
function exclusionHref(vhostId: string, eventId: string, e: RuleExclusion): string {
  const p = new URLSearchParams({ kind: e.kind });
  if ("ruleId" in e) p.set("ruleId", String(e.ruleId));
  if ("target" in e) p.set("target", e.target);
  if ("tag" in e) p.set("tag", e.tag);
  if (e.pathPrefix) p.set("pathPrefix", e.pathPrefix);
  p.set("fromEvent", eventId);
  return `/vhosts/${vhostId}/exclusions?${p.toString()}#add-exclusion-heading`;
}

function MatchRows({ matches, scoring }: { matches: EventMatch[]; scoring: boolean }) {
  return (
    <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white">
      <table className="w-full text-left text-sm">
        <thead className="border-b border-slate-200 bg-slate-50 text-xs uppercase text-slate-600">
          <tr>
            <th className="px-3 py-2">Rule</th>
            <th className="px-3 py-2">Message</th>
            {scoring && <th className="px-3 py-2">Severity (score)</th>}
            {scoring && <th className="px-3 py-2">Paranoia level</th>}
            {scoring && <th className="px-3 py-2">Variable</th>}
            {scoring && <th className="px-3 py-2">Matched data</th>}
          </tr>
        </thead>
        <tbody>
          {matches.map((m, i) => (
            <tr key={`${m.ruleId}-${i}`} className="border-b border-slate-100 align-top last:border-0" data-testid={scoring ? "scoring-rule" : "bookkeeping-rule"}>
              <td className="px-3 py-2 font-mono">
                <Link href={`/events?rule=${m.ruleId}`} className="text-blue-700 hover:underline">
                  {m.ruleId}
                </Link>
              </td>
              <td className="px-3 py-2">
                {m.message}
                {m.tags.length > 0 && <div className="mt-0.5 text-xs text-slate-500">{m.tags.join(" · ")}</div>}
              </td>
              {scoring && (
                <td className="px-3 py-2 text-xs">
                  {m.severity === null ? "–" : SEVERITY[m.severity]}
                  {m.severity !== null && CRS_SCORE[m.severity] !== undefined && <span className="text-slate-500"> (+{CRS_SCORE[m.severity]})</span>}
                </td>
              )}
              {scoring && <td className="px-3 py-2 text-xs">{m.paranoiaLevel === null ? "not tagged" : `PL${m.paranoiaLevel}`}</td>}
              {scoring && <td className="px-3 py-2 font-mono text-xs" data-testid="match-variable">{m.variable ?? "–"}</td>}
              {scoring && (
                <td className="max-w-xs break-all px-3 py-2 font-mono text-xs">
                  {m.data ?? "–"}
                  {m.value && m.value !== m.data && <div className="text-slate-500">in: {m.value}</div>}
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export default async function EventPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const user = await requirePageAccess(`/events/${encodeURIComponent(id)}`);
  const data = await getEvent(id);
  if (!data) notFound();
  const { event, vhost, scoring, bookkeeping } = data;
  const canTune = can(user.role, "policy.write") && vhost !== null;
  const suggestions = canTune ? suggestExclusions({ path: event.path, matches: scoring }) : [];
  return (
    <div className="max-w-5xl space-y-6">
      <PageHeader title={`${event.method} ${event.path}`}>
        <span className="flex flex-wrap items-center gap-2">
          {event.outcome === "blocked" ? <Badge tone="red">blocked</Badge> : <Badge tone="amber">detected only</Badge>}
          <span>{fmtTime(event.occurredAt)}</span>·<span>{domainLabel(event.vhost)}</span>·<span className="font-mono">{event.clientAddress}</span>·<span>status {event.status}</span>
        </span>
      </PageHeader>
      <dl className="grid gap-x-6 gap-y-2 rounded-lg border border-slate-200 bg-white p-4 text-sm sm:grid-cols-3">
        <div>
          <dt className="text-xs text-slate-500">Inbound anomaly score</dt>
          <dd data-testid="inbound-score">{event.inboundScore ?? "–"}</dd>
        </div>
        <div>
          <dt className="text-xs text-slate-500">Outbound anomaly score</dt>
          <dd>{event.outboundScore ?? "–"}</dd>
        </div>
        <div>
          <dt className="text-xs text-slate-500">Config revision in force</dt>
          <dd data-testid="event-revision">{event.revision === null ? "unknown" : <Link href="/config" className="text-blue-700 hover:underline">revision {event.revision}</Link>}</dd>
        </div>
        <div className="sm:col-span-3">
          <dt className="text-xs text-slate-500">Request</dt>
          <dd className="break-all font-mono text-xs">
            {event.method} {event.uri}
          </dd>
        </div>
        <div>
          <dt className="text-xs text-slate-500">Virtual host</dt>
          <dd>{vhost ? <Link href={`/vhosts/${vhost.id}/events`} className="text-blue-700 hover:underline"><DomainName {...domainForms(vhost.domain)} /></Link> : `${domainLabel(event.vhost)} (no longer configured)`}</dd>
        </div>
        <div>
          <dt className="text-xs text-slate-500">Transaction</dt>
          <dd className="font-mono text-xs">{event.transactionId}</dd>
        </div>
      </dl>

      <section aria-labelledby="scoring-heading" className="space-y-2">
        <h2 id="scoring-heading" className="font-semibold">
          Why: the rules that scored
        </h2>
        <p className="text-sm text-slate-600">
          Each of these rules found something in the request and added to the anomaly score; the request is blocked once the score reaches the policy&apos;s threshold. These are the rules to tune.
        </p>
        {scoring.length === 0 ? <p className="text-sm text-slate-500">No scoring rule was logged for this event.</p> : <MatchRows matches={scoring} scoring />}
      </section>

      {bookkeeping.length > 0 && (
        <section aria-labelledby="bookkeeping-heading" className="space-y-2" data-testid="bookkeeping">
          <h2 id="bookkeeping-heading" className="font-semibold text-slate-700">
            Bookkeeping rules (not the cause)
          </h2>
          <p className="text-sm text-slate-600">
            These ride along on every block: they add up the score (949110 &quot;Inbound Anomaly Score Exceeded&quot;), set up or report. Excluding them changes nothing about the false positive.
          </p>
          <MatchRows matches={bookkeeping} scoring={false} />
        </section>
      )}

      {canTune && vhost && (
        <section aria-labelledby="tune-heading" className="space-y-3 rounded-lg border border-slate-200 bg-white p-4" data-testid="tune">
          <h2 id="tune-heading" className="font-semibold">
            Tune from this event
          </h2>
          {suggestions.length === 0 ? (
            <p className="text-sm text-slate-600">No CRS rule scored on this request, so no exclusion can be suggested.</p>
          ) : (
            <ul className="space-y-2">
              {suggestions.map((s) => (
                <li key={s.description} className="flex flex-wrap items-center justify-between gap-2 text-sm" data-testid="suggestion">
                  <span>
                    <span className="block text-xs text-slate-500">{SCOPE_LABEL[s.scope]}</span>
                    {s.description}
                  </span>
                  <Link href={exclusionHref(vhost.id, event.id, s.exclusion)} className="rounded-md border border-slate-300 px-3 py-1.5 text-sm font-medium text-blue-800 hover:bg-slate-100">
                    Exclude this
                  </Link>
                </li>
              ))}
            </ul>
          )}
          <div className="border-t border-slate-100 pt-3">
            <EventDenyButton vhostId={vhost.id} address={event.clientAddress} eventId={event.id} domain={domainLabel(vhost.domain)} />
          </div>
        </section>
      )}
    </div>
  );
}
