// A replay's findings (lib/replay/plan.ts ReplayReport): per virtual host the requests newly blocked, newly
// let through and unchanged, a red warning when an attack of the built-in corpus is newly let through, and
// each difference with the status and the rules that decided it under each revision. No hooks: the
// preview (client) and the revision page (server) both render it.
import type { ReplayItem, ReplayReport } from "@/lib/replay/plan";
import type { Decision } from "@/lib/replay/run";

const CHANGE: Record<ReplayItem["change"], { label: string; tone: string }> = {
  "newly-blocked": { label: "Newly blocked", tone: "bg-amber-100 text-amber-900" },
  "newly-allowed": { label: "Newly let through", tone: "bg-red-100 text-red-900" },
  unchanged: { label: "Unchanged", tone: "bg-slate-100 text-slate-800" },
  error: { label: "Not replayed", tone: "bg-slate-100 text-slate-800" },
};

const plural = (n: number, one: string, many: string) => `${n.toLocaleString("en-US")} ${n === 1 ? one : many}`;

function DecisionText({ d }: { d: Decision }) {
  if ("error" in d) return <span className="text-slate-700">{d.error}</span>;
  return (
    <span>
      <span className="font-mono">{d.status}</span> {d.blocked ? "blocked" : "passed"}
      {d.rules.length > 0 && <> · rules <span className="font-mono">{d.rules.join(", ")}</span></>}
    </span>
  );
}

export function ReplayReportView({ report, baseRevision }: { report: ReplayReport; baseRevision: number | null }) {
  const flagged = report.vhosts.reduce((n, v) => n + v.attacksLetThrough, 0);
  const live = baseRevision === null ? "No revision yet" : `Revision ${baseRevision}`;
  return (
    <div className="space-y-4" data-testid="replay-report">
      {flagged > 0 ? (
        <p role="alert" className="rounded-lg border border-red-300 bg-red-50 p-3 text-sm font-medium text-red-900" data-testid="replay-flagged">
          This change newly lets through {plural(flagged, "attack", "attacks")} of the built-in corpus. Review the exclusions and thresholds before publishing.
        </p>
      ) : (
        <p className="text-sm text-slate-700">No attack of the built-in corpus is newly let through.</p>
      )}
      <div className="overflow-x-auto">
        <table className="w-full text-left text-sm">
          <caption className="sr-only">Replay results per virtual host</caption>
          <thead className="text-xs uppercase text-slate-600">
            <tr>
              <th scope="col" className="py-2 pr-3">Virtual host</th>
              <th scope="col" className="py-2 pr-3 text-right">Requests</th>
              <th scope="col" className="py-2 pr-3 text-right">Newly blocked</th>
              <th scope="col" className="py-2 pr-3 text-right">Newly let through</th>
              <th scope="col" className="py-2 pr-3 text-right">Unchanged</th>
              <th scope="col" className="py-2 text-right">Not replayed</th>
            </tr>
          </thead>
          <tbody>
            {report.vhosts.map((v) => (
              <tr key={v.vhost} className="border-t border-slate-200" data-testid="replay-vhost">
                <td className="py-2 pr-3 font-medium">{v.vhost}</td>
                <td className="py-2 pr-3 text-right">{v.requests}</td>
                <td className="py-2 pr-3 text-right">{v.newlyBlocked}</td>
                <td className={`py-2 pr-3 text-right ${v.attacksLetThrough ? "font-semibold text-red-800" : ""}`}>{v.newlyAllowed}</td>
                <td className="py-2 pr-3 text-right">{v.unchanged}</td>
                <td className="py-2 text-right">{v.errors}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {report.skipped > 0 && <p className="text-sm text-slate-700">{plural(report.skipped, "stored request was", "stored requests were")} not replayed (another method than a plain HTTP one, or over the replay&apos;s request limit).</p>}
      {report.differences.length > 0 && (
        <ul className="space-y-2" aria-label="Requests whose outcome changes">
          {report.differences.map((d, i) => (
            <li key={i} className="rounded border border-slate-200" data-testid="replay-difference">
              <details>
                <summary className="cursor-pointer p-2 text-sm">
                  <span className={`mr-2 rounded px-1.5 py-0.5 text-xs font-medium ${CHANGE[d.change].tone}`}>{CHANGE[d.change].label}</span>
                  <span className="break-all font-mono">{d.method} {d.target}</span> <span className="text-slate-600">on {d.vhost}</span>
                  {d.source === "corpus" && <span className="text-slate-600"> · {d.attack ? "attack" : "benign"}: {d.label}</span>}
                  {d.source === "event" && <span className="text-slate-600"> · stored event</span>}
                </summary>
                <dl className="grid grid-cols-[max-content_1fr] gap-x-3 gap-y-1 border-t border-slate-200 p-2 text-sm">
                  <dt className="text-slate-600">{live}</dt>
                  <dd><DecisionText d={d.live} /></dd>
                  <dt className="text-slate-600">This change</dt>
                  <dd><DecisionText d={d.candidate} /></dd>
                  {d.source === "event" && (
                    <>
                      <dt className="text-slate-600">Event</dt>
                      <dd><a className="text-blue-800 underline" href={`/events/${d.ref}`}>Open the stored event</a></dd>
                    </>
                  )}
                </dl>
              </details>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
