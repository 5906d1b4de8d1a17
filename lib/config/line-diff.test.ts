import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { diffBundles, diffLines, formatUnified, MAX_EDIT_LENGTH, splitLines, toHunks, unifiedBundlePatch, unifiedPatch } from "./line-diff";

/** The LCS length by plain recursion with memo: the reference the diff's "same" lines must reach. */
function lcsLength(a: string[], b: string[]): number {
  const memo = new Map<string, number>();
  const go = (i: number, j: number): number => {
    if (i === a.length || j === b.length) return 0;
    const key = `${i},${j}`;
    if (!memo.has(key)) memo.set(key, a[i] === b[j] ? go(i + 1, j + 1) + 1 : Math.max(go(i + 1, j), go(i, j + 1)));
    return memo.get(key)!;
  };
  return go(0, 0);
}

const text = fc.array(fc.constantFrom("a", "b", "c", "d", "", "x y"), { maxLength: 14 }).map((l) => (l.length ? `${l.join("\n")}\n` : ""));

describe("diffLines", () => {
  it("shows a changed line as removed then added, with line numbers on each side", () => {
    expect(diffLines("a\nb\nc\n", "a\nB\nc\n")).toEqual([
      { kind: "same", text: "a", oldLine: 1, newLine: 1 },
      { kind: "del", text: "b", oldLine: 2, newLine: null },
      { kind: "add", text: "B", oldLine: null, newLine: 2 },
      { kind: "same", text: "c", oldLine: 3, newLine: 3 },
    ]);
  });

  it("handles empty texts and a missing final newline", () => {
    expect(diffLines("", "")).toEqual([]);
    expect(diffLines("", "a\n").map((l) => l.kind)).toEqual(["add"]);
    expect(diffLines("a\n", "").map((l) => l.kind)).toEqual(["del"]);
    expect(splitLines("a\nb")).toEqual(["a", "b"]);
    expect(splitLines("a\n\n")).toEqual(["a", ""]);
  });

  it("rebuilds both texts and keeps a longest common subsequence (property)", () => {
    fc.assert(
      fc.property(text, text, (before, after) => {
        const lines = diffLines(before, after);
        expect(lines.filter((l) => l.kind !== "add").map((l) => l.text)).toEqual(splitLines(before));
        expect(lines.filter((l) => l.kind !== "del").map((l) => l.text)).toEqual(splitLines(after));
        expect(lines.filter((l) => l.kind === "same").length).toBe(lcsLength(splitLines(before), splitLines(after)));
        // Line numbers count up on each side without gaps.
        expect(lines.flatMap((l) => (l.oldLine === null ? [] : [l.oldLine]))).toEqual(splitLines(before).map((_, i) => i + 1));
        expect(lines.flatMap((l) => (l.newLine === null ? [] : [l.newLine]))).toEqual(splitLines(after).map((_, i) => i + 1));
      }),
      { numRuns: 500 },
    );
  });

  it("falls back to removed-then-added when the edit script would be too long, and stays correct", () => {
    const size = Math.ceil(MAX_EDIT_LENGTH / 2) + 10;
    const before = `head\n${Array.from({ length: size }, (_, i) => `old ${i}`).join("\n")}\ntail\n`;
    const after = `head\n${Array.from({ length: size }, (_, i) => `new ${i}`).join("\n")}\ntail\n`;
    const lines = diffLines(before, after);
    expect(lines[0]).toMatchObject({ kind: "same", text: "head" });
    expect(lines[lines.length - 1]).toMatchObject({ kind: "same", text: "tail" });
    expect(lines.filter((l) => l.kind === "del").length).toBe(size);
    expect(lines.filter((l) => l.kind === "add").length).toBe(size);
  });
});

describe("toHunks and formatUnified", () => {
  const before = Array.from({ length: 20 }, (_, i) => `line ${i + 1}`).join("\n") + "\n";
  const after = before.replace("line 3\n", "line three\n").replace("line 18\n", "").replace("line 20\n", "line 20\nline 21\n");

  it("groups changes with three lines of context, merging groups that touch", () => {
    const hunks = toHunks(diffLines(before, after));
    expect(hunks.map((h) => [h.oldStart, h.oldLines, h.newStart, h.newLines])).toEqual([
      [1, 6, 1, 6],
      [15, 6, 15, 6],
    ]);
  });

  it("writes a unified diff like diff -u", () => {
    const [file] = diffBundles({ "rules/a.conf": before }, { "rules/a.conf": after });
    expect(formatUnified(file!)).toBe(
      [
        "--- a/rules/a.conf",
        "+++ b/rules/a.conf",
        "@@ -1,6 +1,6 @@",
        " line 1",
        " line 2",
        "-line 3",
        "+line three",
        " line 4",
        " line 5",
        " line 6",
        "@@ -15,6 +15,6 @@",
        " line 15",
        " line 16",
        " line 17",
        "-line 18",
        " line 19",
        " line 20",
        "+line 21",
        "",
      ].join("\n"),
    );
  });

  it("marks added, removed, changed and unchanged files", () => {
    const diffs = diffBundles({ "a.conf": "x\n", "b.conf": "y\n", "c.conf": "z\n" }, { "b.conf": "y\n", "c.conf": "Z\n", "d.conf": "new\n" });
    expect(diffs.map((d) => [d.path, d.status, d.added, d.removed])).toEqual([
      ["a.conf", "removed", 0, 1],
      ["b.conf", "unchanged", 0, 0],
      ["c.conf", "changed", 1, 1],
      ["d.conf", "added", 1, 0],
    ]);
    expect(formatUnified(diffs[3]!)).toBe("--- /dev/null\n+++ b/d.conf\n@@ -0,0 +1,1 @@\n+new\n");
    expect(formatUnified(diffs[0]!)).toBe("--- a/a.conf\n+++ /dev/null\n@@ -1,1 +0,0 @@\n-x\n");
    expect(formatUnified(diffs[1]!)).toBe("");
  });

  it("gives the unified patch of one file or of whole bundles", () => {
    expect(unifiedPatch("x.conf", "a\nb\n", "a\nc\n")).toBe("--- a/x.conf\n+++ b/x.conf\n@@ -1,2 +1,2 @@\n a\n-b\n+c\n");
    expect(unifiedPatch("x.conf", "same\n", "same\n")).toBe("");
    // A missing final newline is not a change, and a carriage return stays part of its line.
    expect(unifiedPatch("x.conf", "a\nb", "a\nb\n")).toBe("");
    expect(unifiedPatch("x.conf", "a\r\nb\n", "a\nb\n")).toBe("--- a/x.conf\n+++ b/x.conf\n@@ -1,2 +1,2 @@\n-a\r\n+a\n b\n");
    expect(unifiedBundlePatch({ "a.conf": "x\n", "b.conf": "y\n" }, { "b.conf": "Y\n", "c.conf": "z\n" })).toBe(
      [
        "--- a/a.conf\n+++ /dev/null\n@@ -1,1 +0,0 @@\n-x\n",
        "--- a/b.conf\n+++ b/b.conf\n@@ -1,1 +1,1 @@\n-y\n+Y\n",
        "--- /dev/null\n+++ b/c.conf\n@@ -0,0 +1,1 @@\n+z\n",
      ].join(""),
    );
  });
});
