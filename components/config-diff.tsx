// A file-by-file line diff of two bundles (presentational; the page computes it).
import type { FileDiff } from "@/lib/config/line-diff";
import { Badge, cx } from "./ui";

const STATUS = {
  added: { label: "added", tone: "green" },
  removed: { label: "removed", tone: "red" },
  changed: { label: "changed", tone: "amber" },
  unchanged: { label: "unchanged", tone: "slate" },
} as const;

/** At most `maxFiles` changed files are drawn (a first publish of thousands of vhosts would be megabytes of page). */
export function BundleDiff({ files, maxFiles = 500 }: { files: FileDiff[]; maxFiles?: number }) {
  const changed = files.filter((f) => f.status !== "unchanged");
  const unchanged = files.length - changed.length;
  if (changed.length === 0) {
    return <p className="rounded-lg border border-dashed border-slate-300 bg-white p-6 text-center text-sm text-slate-600">The two configurations are identical.</p>;
  }
  return (
    <div className="space-y-6">
      <p className="text-sm text-slate-600">
        {changed.length} file{changed.length === 1 ? "" : "s"} differ{changed.length === 1 ? "s" : ""}
        {unchanged ? `; ${unchanged} unchanged file${unchanged === 1 ? "" : "s"} not shown` : ""}.
      </p>
      {changed.slice(0, maxFiles).map((f) => (
        <FileDiffView key={f.path} diff={f} />
      ))}
      {changed.length > maxFiles && (
        <p className="text-sm text-slate-600">
          {changed.length - maxFiles} more changed file{changed.length - maxFiles === 1 ? "" : "s"} not shown.
        </p>
      )}
    </div>
  );
}

function FileDiffView({ diff }: { diff: FileDiff }) {
  const s = STATUS[diff.status];
  return (
    <section className="overflow-hidden rounded-lg border border-slate-200 bg-white" aria-label={`Changes in ${diff.path}`}>
      <header className="flex items-center gap-3 border-b border-slate-200 bg-slate-50 px-4 py-2 text-sm">
        <span className="font-mono font-medium">{diff.path}</span>
        <Badge tone={s.tone}>{s.label}</Badge>
        <span className="ml-auto text-xs text-slate-600">
          <span className="text-green-800">+{diff.added}</span> <span className="text-red-800">−{diff.removed}</span>
        </span>
      </header>
      <div className="overflow-x-auto">
        <table className="w-full font-mono text-xs">
          <tbody>
            {diff.hunks.map((h, i) => (
              <HunkRows key={i} hunk={h} />
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function HunkRows({ hunk }: { hunk: FileDiff["hunks"][number] }) {
  return (
    <>
      <tr className="bg-blue-50 text-blue-900">
        <td colSpan={3} className="px-3 py-1">
          @@ −{hunk.oldStart},{hunk.oldLines} +{hunk.newStart},{hunk.newLines} @@
        </td>
      </tr>
      {hunk.lines.map((l, i) => (
        <tr key={i} className={cx(l.kind === "add" && "bg-green-50", l.kind === "del" && "bg-red-50")}>
          <td className="w-12 select-none px-2 text-right text-slate-600">{l.oldLine ?? ""}</td>
          <td className="w-12 select-none px-2 text-right text-slate-600">{l.newLine ?? ""}</td>
          <td className="whitespace-pre px-2">
            <span className={cx("select-none", l.kind === "add" ? "text-green-800" : l.kind === "del" ? "text-red-800" : "text-slate-600")} aria-hidden>
              {l.kind === "add" ? "+" : l.kind === "del" ? "−" : " "}
            </span>
            <span className="sr-only">{l.kind === "add" ? "added: " : l.kind === "del" ? "removed: " : ""}</span>
            {l.text}
          </td>
        </tr>
      ))}
    </>
  );
}
