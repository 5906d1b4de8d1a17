// A small line diff (longest common subsequence) for comparing revisions file by file. Pure.
// Common leading and trailing lines are matched first, so the table only covers the changed middle;
// a middle too large for the table is shown as removed-then-added, which is still a correct diff.
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

/** Above this many table cells (rows × columns of the changed middle) the LCS is not computed. */
export const MAX_TABLE_CELLS = 4_000_000;

export function splitLines(text: string): string[] {
  if (text === "") return [];
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  return lines;
}

export function diffLines(before: string, after: string): DiffLine[] {
  const a = splitLines(before);
  const b = splitLines(after);
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }

  const out: DiffLine[] = [];
  let oldNo = 0;
  let newNo = 0;
  const same = (text: string) => out.push({ kind: "same", text, oldLine: ++oldNo, newLine: ++newNo });
  const del = (text: string) => out.push({ kind: "del", text, oldLine: ++oldNo, newLine: null });
  const add = (text: string) => out.push({ kind: "add", text, oldLine: null, newLine: ++newNo });

  for (let i = 0; i < start; i++) same(a[i]!);
  const n = endA - start;
  const m = endB - start;
  if (n > 0 && m > 0 && (n + 1) * (m + 1) <= MAX_TABLE_CELLS) {
    // lcs[i * (m + 1) + j]: length of the LCS of a[start+i..endA) and b[start+j..endB).
    const w = m + 1;
    const lcs = new Uint32Array((n + 1) * w);
    for (let i = n - 1; i >= 0; i--) {
      for (let j = m - 1; j >= 0; j--) {
        lcs[i * w + j] = a[start + i] === b[start + j] ? lcs[(i + 1) * w + j + 1]! + 1 : Math.max(lcs[(i + 1) * w + j]!, lcs[i * w + j + 1]!);
      }
    }
    let i = 0;
    let j = 0;
    while (i < n && j < m) {
      if (a[start + i] === b[start + j]) {
        same(a[start + i]!);
        i++;
        j++;
      } else if (lcs[(i + 1) * w + j]! >= lcs[i * w + j + 1]!) {
        del(a[start + i++]!);
      } else {
        add(b[start + j++]!);
      }
    }
    while (i < n) del(a[start + i++]!);
    while (j < m) add(b[start + j++]!);
  } else {
    for (let i = start; i < endA; i++) del(a[i]!);
    for (let j = start; j < endB; j++) add(b[j]!);
  }
  for (let i = endA; i < a.length; i++) same(a[i]!);
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

/** Every file of either bundle, in path order, with its hunks. */
export function diffBundles(before: BundleFiles, after: BundleFiles, context = 3): FileDiff[] {
  const paths = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
  return paths.map((path) => {
    const old = before[path];
    const now = after[path];
    const status = old === undefined ? "added" : now === undefined ? "removed" : old === now ? "unchanged" : "changed";
    if (status === "unchanged") return { path, status, added: 0, removed: 0, hunks: [] };
    const lines = diffLines(old ?? "", now ?? "");
    return {
      path,
      status,
      added: lines.filter((l) => l.kind === "add").length,
      removed: lines.filter((l) => l.kind === "del").length,
      hunks: toHunks(lines, context),
    };
  });
}

/** The unified-diff text of one file (for the CLI and tests). */
export function formatUnified(diff: FileDiff): string {
  if (diff.hunks.length === 0) return "";
  const head = [`--- ${diff.status === "added" ? "/dev/null" : `a/${diff.path}`}`, `+++ ${diff.status === "removed" ? "/dev/null" : `b/${diff.path}`}`];
  const body = diff.hunks.flatMap((h) => [
    `@@ -${h.oldStart},${h.oldLines} +${h.newStart},${h.newLines} @@`,
    ...h.lines.map((l) => `${l.kind === "add" ? "+" : l.kind === "del" ? "-" : " "}${l.text}`),
  ]);
  return `${[...head, ...body].join("\n")}\n`;
}
