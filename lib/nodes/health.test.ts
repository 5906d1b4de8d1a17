import { describe, expect, it } from "vitest";
import { nodeHealth, type NodeHealthInput } from "./health";

const now = new Date("2026-01-01T12:00:00Z");
const latest = { number: 5, contentHash: "h5" };
const node = (patch: Partial<NodeHealthInput> = {}): NodeHealthInput => ({
  revokedAt: null,
  lastSeenAt: new Date(now.getTime() - 30_000),
  appliedRevision: 5,
  appliedHash: "h5",
  lastStatus: "ok",
  ...patch,
});

describe("nodeHealth", () => {
  it("is ok when recently seen, on the latest content, and not failing", () => {
    expect(nodeHealth(node(), latest, now)).toMatchObject({ state: "ok", silent: false, behind: false, failing: false, reasons: [] });
  });

  it("is stale after five minutes without contact, or when never seen", () => {
    expect(nodeHealth(node({ lastSeenAt: new Date(now.getTime() - 5 * 60_000 - 1) }), latest, now)).toMatchObject({ state: "stale", silent: true });
    expect(nodeHealth(node({ lastSeenAt: new Date(now.getTime() - 5 * 60_000) }), latest, now).state).toBe("ok");
    expect(nodeHealth(node({ lastSeenAt: null, appliedRevision: null, appliedHash: null, lastStatus: null }), latest, now)).toMatchObject({
      state: "stale",
      silent: true,
      behind: true,
      reasons: ["It has never contacted the panel.", "It has applied no revision; the latest is 5."],
    });
  });

  it("is stale when behind the latest content, but not after a rollback to the same content", () => {
    expect(nodeHealth(node({ appliedRevision: 4, appliedHash: "h4" }), latest, now)).toMatchObject({ state: "stale", behind: true });
    expect(nodeHealth(node({ appliedRevision: 3, appliedHash: "h5" }), latest, now)).toMatchObject({ state: "ok", behind: false });
    expect(nodeHealth(node({ appliedRevision: 4, appliedHash: null }), latest, now).behind).toBe(true);
    expect(nodeHealth(node({ appliedRevision: null, appliedHash: null }), null, now).behind).toBe(false);
  });

  it("is failing when the last apply failed, and revoked wins over everything", () => {
    expect(nodeHealth(node({ lastStatus: "failed" }), latest, now)).toMatchObject({ state: "failing", failing: true });
    expect(nodeHealth(node({ lastStatus: "failed", revokedAt: now }), latest, now).state).toBe("revoked");
  });
});
