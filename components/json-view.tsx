/** Pretty-printed JSON; values that differ from the other side are highlighted by the caller's `changed` keys. */
export function JsonView({ value, changed, label }: { value: unknown; changed: Set<string>; label: string }) {
  if (value === null || value === undefined) {
    return <p className="text-sm italic text-slate-500">Nothing ({label.toLowerCase()} this change the entity did not exist).</p>;
  }
  if (typeof value !== "object" || Array.isArray(value)) {
    return <pre className="overflow-x-auto text-xs">{JSON.stringify(value, null, 2)}</pre>;
  }
  return (
    <dl className="space-y-1 text-xs">
      {Object.entries(value as Record<string, unknown>).map(([k, v]) => (
        <div key={k} className={changed.has(k) ? "rounded bg-amber-100 px-1" : "px-1"} data-changed={changed.has(k) || undefined}>
          <dt className="inline font-semibold text-slate-700">{k}: </dt>
          <dd className="inline whitespace-pre-wrap break-all font-mono">{JSON.stringify(v, null, 2)}</dd>
        </div>
      ))}
    </dl>
  );
}
