// Field-level diff of an audit event's before and after values, for reviewers.
// Objects are compared key by key, to any depth. Lists are compared as collections of items, because a
// reviewer asks "which IP entries were added?", not "what is now at index 3": items carrying a unique
// `id` are matched by it (and their fields diffed); other items are matched by value, so a changed item
// shows as one removed and one added. A list holding the same items in another order is one change.
// When one side is missing (a create or a delete), its fields and list items are listed one by one.
import { toJsonValue } from "./chain";

/** An object key, or a list item matched by its `id`. */
export type PathSegment = string | { id: string };

export type DiffChange =
  | { kind: "added"; path: PathSegment[]; value: unknown; item?: true }
  | { kind: "removed"; path: PathSegment[]; value: unknown; item?: true }
  | { kind: "changed"; path: PathSegment[]; before: unknown; after: unknown; reordered?: true };

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const isObject = (v: Json): v is JsonObject => typeof v === "object" && v !== null && !Array.isArray(v);
const isContainer = (v: Json): v is JsonObject | Json[] => typeof v === "object" && v !== null;
/** A stable text for a value: equal values, whatever their key order, give the same key. */
function key(v: Json): string {
  if (Array.isArray(v)) return `[${v.map(key).join(",")}]`;
  if (isObject(v)) return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${key(v[k]!)}`).join(",")}}`;
  return JSON.stringify(v);
}

/** The changes that turn `before` into `after`, in the order of before's keys then after's new ones. */
export function diffJson(before: unknown, after: unknown): DiffChange[] {
  const out: DiffChange[] = [];
  walk([], toJsonValue(before) as Json, toJsonValue(after) as Json, out);
  return out;
}

function walk(path: PathSegment[], b: Json, a: Json, out: DiffChange[]): void {
  if (key(b) === key(a)) return;
  if (isObject(b) && isObject(a)) {
    for (const k of new Set([...Object.keys(b), ...Object.keys(a)])) {
      if (!(k in a)) each("removed", [...path, k], b[k]!, out);
      else if (!(k in b)) each("added", [...path, k], a[k]!, out);
      else walk([...path, k], b[k]!, a[k]!, out);
    }
  } else if (Array.isArray(b) && Array.isArray(a)) {
    diffList(path, b, a, out);
  } else if (b === null && isContainer(a)) {
    each("added", path, a, out);
  } else if (a === null && isContainer(b)) {
    each("removed", path, b, out);
  } else {
    out.push({ kind: "changed", path, before: b, after: a });
  }
}

/** Lists a whole value as added (or removed): an object field by field, a list item by item. */
function each(kind: "added" | "removed", path: PathSegment[], v: Json, out: DiffChange[]): void {
  if (isObject(v) && Object.keys(v).length > 0) {
    for (const [k, inner] of Object.entries(v)) each(kind, [...path, k], inner, out);
  } else if (Array.isArray(v) && v.length > 0) {
    for (const item of v) out.push({ kind, path, value: item, item: true });
  } else {
    out.push({ kind, path, value: v });
  }
}

function itemIds(list: Json[]): string[] | null {
  const ids = list.map((v) => (isObject(v) && (typeof v.id === "string" || typeof v.id === "number") ? String(v.id) : null));
  if (ids.some((id) => id === null) || new Set(ids).size !== ids.length) return null;
  return ids as string[];
}

function diffList(path: PathSegment[], b: Json[], a: Json[], out: DiffChange[]): void {
  const start = out.length;
  const bIds = itemIds(b);
  const aIds = itemIds(a);
  let order: [string[], string[]];
  if (bIds && aIds && (b.length > 0 || a.length > 0)) {
    const after = new Map(aIds.map((id, i) => [id, a[i]!]));
    const before = new Map(bIds.map((id, i) => [id, b[i]!]));
    for (const [id, item] of before) {
      if (!after.has(id)) out.push({ kind: "removed", path, value: item, item: true });
      else walk([...path, { id }], item, after.get(id)!, out);
    }
    for (const [id, item] of after) if (!before.has(id)) out.push({ kind: "added", path, value: item, item: true });
    order = [bIds.filter((id) => after.has(id)), aIds.filter((id) => before.has(id))];
  } else {
    // A multiset by value: each item of `before` is kept if an equal item of `after` is left for it.
    const bKeys = b.map(key);
    const aKeys = a.map(key);
    const unmatched = new Map<string, number>();
    for (const k of aKeys) unmatched.set(k, (unmatched.get(k) ?? 0) + 1);
    const keptCount = new Map<string, number>();
    const kept: string[] = [];
    b.forEach((item, i) => {
      const k = bKeys[i]!;
      const n = unmatched.get(k) ?? 0;
      if (n > 0) {
        unmatched.set(k, n - 1);
        keptCount.set(k, (keptCount.get(k) ?? 0) + 1);
        kept.push(k);
      } else {
        out.push({ kind: "removed", path, value: item, item: true });
      }
    });
    const keptAfter: string[] = [];
    a.forEach((item, i) => {
      const k = aKeys[i]!;
      const n = keptCount.get(k) ?? 0;
      if (n > 0) {
        keptCount.set(k, n - 1);
        keptAfter.push(k);
      } else {
        out.push({ kind: "added", path, value: item, item: true });
      }
    });
    order = [kept, keptAfter];
  }
  // Same items, other order: one change of the whole list.
  if (out.length === start && order[0].join("\u0000") !== order[1].join("\u0000")) {
    out.push({ kind: "changed", path, before: b, after: a, reordered: true });
  }
}

/** `vhost.aliases`, `rules[id=7].enabled`; the root is "(value)". */
export function formatPath(path: PathSegment[]): string {
  if (path.length === 0) return "(value)";
  return path
    .map((s, i) => {
      if (typeof s !== "string") return `[id=${s.id}]`;
      if (/^[A-Za-z_$][\w$]*$/.test(s)) return i === 0 ? s : `.${s}`;
      return `[${JSON.stringify(s)}]`;
    })
    .join("");
}
