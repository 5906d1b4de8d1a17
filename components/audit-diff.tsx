// A field-level diff of an audit event (lib/audit/diff.ts): one row per added, removed or changed field
// or list item, nested paths written out.
import { formatPath, type DiffChange } from "@/lib/audit/diff";
import { Badge } from "./ui";

function Value({ v }: { v: unknown }) {
  if (v === undefined) return null;
  const text = typeof v === "string" ? v : JSON.stringify(v, null, 2);
  return <pre className="whitespace-pre-wrap break-all font-mono text-xs">{text === "" ? "(empty)" : text}</pre>;
}

const KIND = {
  added: { tone: "green", label: "added" },
  removed: { tone: "red", label: "removed" },
  changed: { tone: "amber", label: "changed" },
} as const;

export function AuditDiff({ changes }: { changes: DiffChange[] }) {
  if (changes.length === 0) {
    return <p className="text-sm italic text-slate-600">No field changed: before and after are the same, or the event records no values.</p>;
  }
  return (
    <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white" tabIndex={0} role="region" aria-label="Changes (scrolls sideways on narrow screens)">
      <table className="w-full text-left text-sm" aria-label="Changes">
        <thead className="border-b border-slate-200 bg-slate-50 text-xs uppercase text-slate-600">
          <tr>
            <th className="px-4 py-2">Field</th>
            <th className="px-4 py-2">Change</th>
            <th className="px-4 py-2">Before</th>
            <th className="px-4 py-2">After</th>
          </tr>
        </thead>
        <tbody>
          {changes.map((c, i) => (
            <tr key={i} className="border-b border-slate-100 align-top last:border-0" data-testid="diff-row" data-kind={c.kind}>
              <td className="px-4 py-2 font-mono text-xs">{formatPath(c.path)}</td>
              <td className="px-4 py-2">
                <Badge tone={KIND[c.kind].tone}>
                  {c.kind === "changed" && c.reordered ? "reordered" : `${"item" in c && c.item ? "item " : ""}${KIND[c.kind].label}`}
                </Badge>
              </td>
              <td className="px-4 py-2 text-red-800">{c.kind === "changed" ? <Value v={c.before} /> : c.kind === "removed" ? <Value v={c.value} /> : null}</td>
              <td className="px-4 py-2 text-green-800">{c.kind === "changed" ? <Value v={c.after} /> : c.kind === "added" ? <Value v={c.value} /> : null}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
