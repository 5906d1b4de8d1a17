import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { diffJson, formatPath, type DiffChange } from "./diff";

const show = (changes: DiffChange[]) =>
  changes.map((c) =>
    c.kind === "changed"
      ? `~ ${formatPath(c.path)}: ${JSON.stringify(c.before)} → ${JSON.stringify(c.after)}${c.reordered ? " (reordered)" : ""}`
      : `${c.kind === "added" ? "+" : "-"} ${formatPath(c.path)}${c.item ? "[]" : ""}: ${JSON.stringify(c.value)}`,
  );

describe("diffJson", () => {
  it("finds nothing between equal values, whatever the key order", () => {
    expect(diffJson({ a: 1, b: { c: [1, 2] } }, { b: { c: [1, 2] }, a: 1 })).toEqual([]);
    expect(diffJson(null, null)).toEqual([]);
    expect(diffJson(undefined, null)).toEqual([]);
  });

  it("reports changed, added and removed fields", () => {
    expect(show(diffJson({ backendUrl: "http://a", hsts: false, note: "x" }, { backendUrl: "https://b", hsts: false, enabled: true }))).toEqual([
      `~ backendUrl: "http://a" → "https://b"`,
      `- note: "x"`,
      `+ enabled: true`,
    ]);
  });

  it("follows nested objects to the changed leaf", () => {
    const before = { vhost: { domain: "a.test", tls: { mode: "NONE", min: "TLS1_2" } }, policy: { engineMode: "BLOCKING" } };
    const after = { vhost: { domain: "a.test", tls: { mode: "TERMINATE", min: "TLS1_2" } }, policy: { engineMode: "DETECTION_ONLY" } };
    expect(show(diffJson(before, after))).toEqual([`~ vhost.tls.mode: "NONE" → "TERMINATE"`, `~ policy.engineMode: "BLOCKING" → "DETECTION_ONLY"`]);
  });

  it("lists every field of a created entity as added, and of a deleted one as removed", () => {
    expect(show(diffJson(null, { domain: "a.test", aliases: ["www.a.test"], policy: { mode: "BLOCKING" } }))).toEqual([
      `+ domain: "a.test"`,
      `+ aliases[]: "www.a.test"`,
      `+ policy.mode: "BLOCKING"`,
    ]);
    expect(show(diffJson({ kind: "DENY", cidr: "10.0.0.0/8", note: null }, undefined))).toEqual([`- kind: "DENY"`, `- cidr: "10.0.0.0/8"`, `- note: null`]);
  });

  it("shows list items added and removed, not positions", () => {
    expect(show(diffJson({ aliases: ["a.test", "b.test", "c.test"] }, { aliases: ["c.test", "a.test", "d.test"] }))).toEqual([
      `- aliases[]: "b.test"`,
      `+ aliases[]: "d.test"`,
    ]);
  });

  it("matches IP entries without ids by value: a changed note is one removed and one added item", () => {
    const before = { entries: [{ kind: "DENY", cidr: "10.0.0.0/8", note: null }, { kind: "DENY", cidr: "192.0.2.1/32", note: "scanner" }] };
    const after = { entries: [{ kind: "DENY", cidr: "192.0.2.1/32", note: "scanner" }, { kind: "DENY", cidr: "10.0.0.0/8", note: "office" }, { kind: "ALLOW", cidr: "2001:db8::/32", note: null }] };
    expect(show(diffJson(before, after))).toEqual([
      `- entries[]: {"kind":"DENY","cidr":"10.0.0.0/8","note":null}`,
      `+ entries[]: {"kind":"DENY","cidr":"10.0.0.0/8","note":"office"}`,
      `+ entries[]: {"kind":"ALLOW","cidr":"2001:db8::/32","note":null}`,
    ]);
  });

  it("matches items with ids by id and diffs their fields", () => {
    const before = { exclusions: [{ id: "e1", kind: "REMOVE_BY_ID", ruleId: 942100 }, { id: "e2", kind: "REMOVE_BY_TAG", tag: "attack-sqli" }] };
    const after = { exclusions: [{ id: "e1", kind: "REMOVE_BY_ID", ruleId: 942200 }, { id: "e3", kind: "REMOVE_BY_ID", ruleId: 920350 }] };
    expect(show(diffJson(before, after))).toEqual([
      `~ exclusions[id=e1].ruleId: 942100 → 942200`,
      `- exclusions[]: {"id":"e2","kind":"REMOVE_BY_TAG","tag":"attack-sqli"}`,
      `+ exclusions[]: {"id":"e3","kind":"REMOVE_BY_ID","ruleId":920350}`,
    ]);
  });

  it("counts repeated items (a list is a multiset)", () => {
    expect(show(diffJson(["a", "a", "b"], ["a", "b", "b"]))).toEqual([`- (value)[]: "a"`, `+ (value)[]: "b"`]);
  });

  it("reports a list that only changed order as one change of the whole list", () => {
    expect(show(diffJson({ order: [1, 2, 3] }, { order: [3, 2, 1] }))).toEqual([`~ order: [1,2,3] → [3,2,1] (reordered)`]);
    expect(show(diffJson([{ id: 1, x: 1 }, { id: 2 }], [{ id: 2 }, { id: 1, x: 1 }]))).toEqual([`~ (value): [{"id":1,"x":1},{"id":2}] → [{"id":2},{"id":1,"x":1}] (reordered)`]);
  });

  it("reports a change of type as a change of the whole value", () => {
    expect(show(diffJson({ a: [1] }, { a: { x: 1 } }))).toEqual([`~ a: [1] → {"x":1}`]);
    expect(show(diffJson({ a: "1" }, { a: 1 }))).toEqual([`~ a: "1" → 1`]);
    expect(show(diffJson({ a: null }, { a: "x" }))).toEqual([`~ a: null → "x"`]);
  });

  it("compares values as the database stores them (dates as ISO strings)", () => {
    const t = new Date("2026-01-02T03:04:05.000Z");
    expect(diffJson({ at: t }, { at: "2026-01-02T03:04:05.000Z" })).toEqual([]);
  });

  it("diffs a 5,000-item IP list quickly", () => {
    const list = Array.from({ length: 5000 }, (_, i) => ({ kind: "DENY", cidr: `10.${i >> 8}.${i & 255}.0/24`, note: null }));
    const started = performance.now();
    const changes = diffJson({ entries: list }, { entries: [...list.slice(1), { kind: "DENY", cidr: "192.0.2.0/24", note: null }] });
    expect(changes).toHaveLength(2);
    expect(performance.now() - started).toBeLessThan(2000);
  });

  // Property: applying the reported field changes to `before` rebuilds `after` (for objects of primitives).
  it("reports exactly the keys that differ (property)", () => {
    const flat = fc.dictionary(fc.constantFrom("a", "b", "c", "d", "e"), fc.oneof(fc.integer({ min: 0, max: 3 }), fc.boolean(), fc.constant(null)));
    fc.assert(
      fc.property(flat, flat, (before, after) => {
        const rebuilt: Record<string, unknown> = { ...before };
        for (const c of diffJson(before, after)) {
          const k = c.path[0] as string;
          if (c.kind === "removed") delete rebuilt[k];
          else if (c.kind === "added") rebuilt[k] = c.value;
          else rebuilt[k] = c.after;
        }
        expect(rebuilt).toEqual(after);
      }),
    );
  });
});

describe("formatPath", () => {
  it("writes keys with dots, odd keys in brackets and matched items by id", () => {
    expect(formatPath(["policy", "engineMode"])).toBe("policy.engineMode");
    expect(formatPath(["rules", { id: "r1" }, "enabled"])).toBe("rules[id=r1].enabled");
    expect(formatPath(["headers", "X-Forwarded-For"])).toBe(`headers["X-Forwarded-For"]`);
    expect(formatPath([])).toBe("(value)");
  });
});
