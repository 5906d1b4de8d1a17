// Events per day as plain CSS bars (no chart library): one bar per UTC day, height relative to the
// busiest day, each labelled for screen readers and on hover.
import type { AuditOverview } from "@/lib/audit/queries";

export function AuditActivityChart({ days }: { days: AuditOverview["days"] }) {
  const max = Math.max(1, ...days.map((d) => d.count));
  const every = Math.max(1, Math.ceil(days.length / 10));
  return (
    <figure className="rounded-lg border border-slate-200 bg-white p-4">
      <figcaption className="mb-3 text-sm font-medium text-slate-700">Changes per day (UTC) · busiest day {max === 1 && days.every((d) => d.count === 0) ? 0 : max}</figcaption>
      <ol className="flex h-40 items-end gap-px" aria-label="Changes per day" data-testid="activity-chart">
        {days.map((d) => (
          <li key={d.day} className="group relative flex h-full flex-1 flex-col justify-end" title={`${d.day}: ${d.count}`} aria-label={`${d.day}: ${d.count} event${d.count === 1 ? "" : "s"}`} data-day={d.day} data-count={d.count}>
            <div className={d.count ? "rounded-t bg-blue-600 group-hover:bg-blue-800" : "bg-slate-200"} style={{ height: d.count ? `${Math.max(2, (d.count / max) * 100)}%` : "1px" }} />
          </li>
        ))}
      </ol>
      <div className="mt-1 flex gap-px text-[10px] text-slate-500" aria-hidden>
        {days.map((d, i) => (
          <span key={d.day} className="flex-1 overflow-visible whitespace-nowrap">
            {i % every === 0 ? d.day.slice(5) : ""}
          </span>
        ))}
      </div>
    </figure>
  );
}

export function AuditTopList({ title, rows }: { title: string; rows: { key: string; label: React.ReactNode; count: number }[] }) {
  const max = Math.max(1, ...rows.map((r) => r.count));
  return (
    <section className="rounded-lg border border-slate-200 bg-white p-4" aria-label={title}>
      <h2 className="mb-2 text-sm font-medium text-slate-700">{title}</h2>
      {rows.length === 0 ? (
        <p className="text-sm text-slate-500">None in this range.</p>
      ) : (
        <ol className="space-y-2 text-sm">
          {rows.map((r) => (
            <li key={r.key}>
              <div className="flex justify-between gap-2">
                <span className="truncate">{r.label}</span>
                <span className="tabular-nums text-slate-600">{r.count}</span>
              </div>
              <div className="mt-0.5 h-1.5 rounded bg-slate-100">
                <div className="h-1.5 rounded bg-blue-600" style={{ width: `${(r.count / max) * 100}%` }} />
              </div>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
