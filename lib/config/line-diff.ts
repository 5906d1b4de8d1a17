// A line diff for comparing revisions file by file, and its unified-patch text. Pure.
// The diff itself is jsdiff's (Myers, minimal): `diffArrays` over the lines as `splitLines` cuts them, so
// a missing final newline and a carriage return inside a line mean what they always meant here (jsdiff's
// own `diffLines` treats "\r\n" as a line end and reports a missing final newline as a change). Grouping
// into hunks stays here because the panel shows numbered lines, which jsdiff's `structuredPatch` does
// not give; the unified text is jsdiff's `formatPatch` of those hunks.
// A diff whose edit script would be longer than MAX_EDIT_LENGTH lines is not searched for (Myers costs
// about (N+M)·D: 2,000 fully different lines took ~1 s, capped at 1,000 edits ~0.1 s on this machine kind);
// the changed middle is then shown as removed-then-added, which is still a correct diff.
import { diffArrays, FILE_HEADERS_ONLY, formatPatch, type StructuredPatch } from "diff";
import type { BundleFiles } from "./hash";

export type DiffLine = {
  kind: "same" | "add" | "del";
  text: string;
  /** 1-based line number in the old text (null for an added line). */
  oldLine: number | null;
  /** 1-based line number in the new text (null for a removed line). */
  newLine: number | null;
};

export type Hunk = { oldStart: number; oldLines: number; newStart: number; newLines: number; lines: DiffLine[] };

/** Above this many added + removed lines the minimal diff is not searched for (see the top of the file). */
export const MAX_EDIT_LENGTH = 1_000;

export function splitLines(text: string): string[] {
  if (text === "") return [];
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  return lines;
}

export function diffLines(before: string, after: string): DiffLine[] {
  const a = splitLines(before);
  const b = splitLines(after);
  const out: DiffLine[] = [];
  let oldNo = 0;
  let newNo = 0;
  const same = (text: string) => out.push({ kind: "same", text, oldLine: ++oldNo, newLine: ++newNo });
  const del = (text: string) => out.push({ kind: "del", text, oldLine: ++oldNo, newLine: null });
  const add = (text: string) => out.push({ kind: "add", text, oldLine: null, newLine: ++newNo });

  const changes = diffArrays(a, b, { maxEditLength: MAX_EDIT_LENGTH });
  if (changes) {
    for (const c of changes) for (const text of c.value) (c.added ? add : c.removed ? del : same)(text);
    return out;
  }
  // Too many edits: keep the common head and tail, and show the middle as removed then added.
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  a.slice(0, start).forEach(same);
  a.slice(start, endA).forEach(del);
  b.slice(start, endB).forEach(add);
  a.slice(endA).forEach(same);
  return out;
}

/** Groups changed lines with `context` unchanged lines around them; nearby groups merge. */
export function toHunks(lines: DiffLine[], context = 3): Hunk[] {
  const changed = lines.flatMap((l, i) => (l.kind === "same" ? [] : [i]));
  if (changed.length === 0) return [];
  const ranges: [number, number][] = [];
  for (const i of changed) {
    const from = Math.max(0, i - context);
    const to = Math.min(lines.length - 1, i + context);
    const last = ranges[ranges.length - 1];
    if (last && from <= last[1] + 1) last[1] = Math.max(last[1], to);
    else ranges.push([from, to]);
  }
  return ranges.map(([from, to]) => {
    const slice = lines.slice(from, to + 1);
    // Start numbers as in unified diffs: the first line of the hunk on each side (for an empty side,
    // the line before it).
    const firstOld = slice.find((l) => l.oldLine !== null)?.oldLine;
    const firstNew = slice.find((l) => l.newLine !== null)?.newLine;
    const oldLines = slice.filter((l) => l.kind !== "add").length;
    const newLines = slice.filter((l) => l.kind !== "del").length;
    return {
      oldStart: firstOld ?? lineBefore(lines, from, "oldLine"),
      oldLines,
      newStart: firstNew ?? lineBefore(lines, from, "newLine"),
      newLines,
      lines: slice,
    };
  });
}

function lineBefore(lines: DiffLine[], index: number, key: "oldLine" | "newLine"): number {
  for (let i = index - 1; i >= 0; i--) if (lines[i]![key] !== null) return lines[i]![key]!;
  return 0;
}

export type FileDiff = {
  path: string;
  status: "added" | "removed" | "changed" | "unchanged";
  added: number;
  removed: number;
  hunks: Hunk[];
};

/** One file's diff (`before`/`after` undefined: the file is absent on that side). */
export function diffFile(path: string, before: string | undefined, after: string | undefined, context = 3): FileDiff {
  const status = before === undefined ? "added" : after === undefined ? "removed" : before === after ? "unchanged" : "changed";
  if (status === "unchanged") return { path, status, added: 0, removed: 0, hunks: [] };
  const lines = diffLines(before ?? "", after ?? "");
  return {
    path,
    status,
    added: lines.filter((l) => l.kind === "add").length,
    removed: lines.filter((l) => l.kind === "del").length,
    hunks: toHunks(lines, context),
  };
}

/** Every file of either bundle, in path order, with its hunks. */
export function diffBundles(before: BundleFiles, after: BundleFiles, context = 3): FileDiff[] {
  const paths = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
  return paths.map((path) => diffFile(path, before[path], after[path], context));
}

/** The diff as jsdiff's structured patch (its convention: an empty side starts at the line after). */
export function toStructuredPatch(diff: FileDiff): StructuredPatch {
  return {
    oldFileName: diff.status === "added" ? "/dev/null" : `a/${diff.path}`,
    newFileName: diff.status === "removed" ? "/dev/null" : `b/${diff.path}`,
    oldHeader: undefined,
    newHeader: undefined,
    hunks: diff.hunks.map((h) => ({
      oldStart: h.oldLines === 0 ? h.oldStart + 1 : h.oldStart,
      oldLines: h.oldLines,
      newStart: h.newLines === 0 ? h.newStart + 1 : h.newStart,
      newLines: h.newLines,
      lines: h.lines.map((l) => `${l.kind === "add" ? "+" : l.kind === "del" ? "-" : " "}${l.text}`),
    })),
  };
}

/** The unified-diff text of one file, like `diff -u` (empty when nothing changed). */
export function formatUnified(diff: FileDiff): string {
  if (diff.hunks.length === 0) return "";
  return formatPatch(toStructuredPatch(diff), FILE_HEADERS_ONLY);
}

/** The unified patch between two versions of one file (undefined: absent on that side), e.g. for a publish preview. */
export function unifiedPatch(path: string, before: string | undefined, after: string | undefined, context = 3): string {
  return formatUnified(diffFile(path, before, after, context));
}

/** The unified patch of every changed file between two bundles, in path order. */
export function unifiedBundlePatch(before: BundleFiles, after: BundleFiles, context = 3): string {
  return diffBundles(before, after, context).map(formatUnified).join("");
}
