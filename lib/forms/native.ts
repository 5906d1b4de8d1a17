// A form submitted by the browser itself (before the page's scripts have run, or without them) reaches its
// server action as FormData: every value a string, a ticked checkbox as "on", an unticked one absent. The
// form also sends the shape of its values (which leaf is a number, a boolean, a string, a list) and the
// values it started from, as hidden fields, so the action can rebuild the very object the hydrated form would
// have sent: a field the form did not render (a choice that only shows for another option) keeps its start
// value, as it does in the hydrated form. The shape only says how to read the strings; the action's zod
// schema still decides what is valid.

/** A leaf's kind: s = string, n = number, b = boolean; a list is an array holding its items' shape. */
export type Shape = "s" | "n" | "b" | Shape[] | { [key: string]: Shape };

/** The names of the hidden fields that carry the shape and the start values. */
export const SHAPE_FIELD = "$shape";
export const START_FIELD = "$start";

export function shapeOf(value: unknown): Shape {
  if (typeof value === "number") return "n";
  if (typeof value === "boolean") return "b";
  if (Array.isArray(value)) return value.length ? [shapeOf(value[0])] : ["s"];
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, shapeOf(v)]));
  return "s";
}

const text = (v: FormDataEntryValue | null) => (typeof v === "string" ? v : "");

const child = (start: unknown, key: string | number): unknown => (start && typeof start === "object" ? (start as Record<string, unknown>)[key] : undefined);

function read(fd: FormData, path: string, shape: Shape, start: unknown): unknown {
  if (shape === "b") return fd.has(path) && text(fd.get(path)) !== "false";
  if (shape === "n") {
    if (!fd.has(path)) return typeof start === "number" ? start : Number.NaN;
    const s = text(fd.get(path)).trim();
    return s === "" ? Number.NaN : Number(s);
  }
  if (shape === "s") return fd.has(path) ? text(fd.get(path)) : typeof start === "string" ? start : "";
  if (Array.isArray(shape)) {
    // Rows are named path.0.field, path.1.field…; only the rows the browser sent exist.
    const prefix = `${path}.`;
    const indexes = new Set<number>();
    for (const key of fd.keys()) {
      if (!key.startsWith(prefix)) continue;
      const i = Number(key.slice(prefix.length).split(".")[0]);
      if (Number.isInteger(i) && i >= 0 && i < 1000) indexes.add(i);
    }
    return [...indexes].sort((a, b) => a - b).map((i) => read(fd, `${path}.${i}`, shape[0] ?? "s", child(start, i)));
  }
  return Object.fromEntries(Object.entries(shape).map(([k, s]) => [k, read(fd, path ? `${path}.${k}` : k, s, child(start, k))]));
}

function isShape(x: unknown, depth = 0): x is Shape {
  if (depth > 8) return false;
  if (x === "s" || x === "n" || x === "b") return true;
  if (Array.isArray(x)) return x.length === 1 && isShape(x[0], depth + 1);
  return !!x && typeof x === "object" && Object.values(x).every((v) => isShape(v, depth + 1));
}

/** The form's values as the hydrated form would send them, or null when the shape field is missing or bad. */
export function valuesFromFormData(fd: unknown): Record<string, unknown> | null {
  if (!(fd instanceof FormData)) return null;
  let shape: unknown;
  try {
    shape = JSON.parse(text(fd.get(SHAPE_FIELD)));
  } catch {
    return null;
  }
  if (!isShape(shape) || typeof shape !== "object" || Array.isArray(shape)) return null;
  let start: unknown = null;
  try {
    start = JSON.parse(text(fd.get(START_FIELD)) || "null");
  } catch {
    start = null;
  }
  return read(fd, "", shape, start) as Record<string, unknown>;
}
