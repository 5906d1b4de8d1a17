// Audit diffs in the forms' words: "Blocking paranoia 1 → 2", not "blockingParanoia: 1 → 2". Each domain
// owns the labels of its entities (lib/policies/labels.ts, lib/vhosts/labels.ts…); this file only says
// what a label map is and how a diff is read through one. Pure: the audit page and tests use it alike.
import { formatPath, type DiffChange, type PathSegment } from "./diff";

export type FieldLabels = {
  /** Field name (at any depth) → the form's label. */
  fields: Record<string, string>;
  /** Field name → stored value → what the form shows ("DETECTION_ONLY" → "Detection only"). */
  values?: Record<string, Record<string, string>>;
};

/**
 * Bookkeeping every versioned row carries: the optimistic-locking counter and timestamps change with every
 * save, so listing them would make every change look like two. The raw values still show them.
 */
export const BOOKKEEPING_FIELDS: ReadonlySet<string> = new Set(["version", "createdAt", "updatedAt", "updatedByEmail"]);

export type LabelledChange = DiffChange & { label: string; display: { before?: unknown; after?: unknown; value?: unknown } };

function fieldOf(path: PathSegment[]): string | undefined {
  const last = [...path].reverse().find((s): s is string => typeof s === "string");
  return last;
}

/** "Blocking paranoia", "Policy › Engine mode", "Custom rules (id 7) › Enabled"; unknown fields keep their name. */
export function labelPath(path: PathSegment[], labels: FieldLabels | undefined): string {
  if (path.length === 0) return formatPath(path);
  if (!labels) return formatPath(path);
  const parts: string[] = [];
  for (const s of path) {
    if (typeof s === "string") parts.push(labels.fields[s] ?? s);
    else parts[parts.length - 1] = `${parts.at(-1) ?? "item"} (id ${s.id})`;
  }
  return parts.join(" › ");
}

function showValue(field: string | undefined, v: unknown, labels: FieldLabels | undefined): unknown {
  if (field === undefined || typeof v !== "string") return v;
  return labels?.values?.[field]?.[v] ?? v;
}

/** The changes a reviewer reads: bookkeeping left out, paths and enum values in the forms' words. */
export function labelChanges(changes: DiffChange[], labels: FieldLabels | undefined): LabelledChange[] {
  return changes
    .filter((c) => !c.path.some((s) => typeof s === "string" && BOOKKEEPING_FIELDS.has(s)))
    .map((c) => {
      const field = fieldOf(c.path);
      const label = labelPath(c.path, labels);
      if (c.kind === "changed") return { ...c, label, display: { before: showValue(field, c.before, labels), after: showValue(field, c.after, labels) } };
      return { ...c, label, display: { value: showValue(field, c.value, labels) } };
    });
}
