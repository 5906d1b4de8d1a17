import { describe, expect, it } from "vitest";
import { certificateExpiry, certificateWarningCutoff, formatDuration, nodeHealth, publishToApplied, type NodeHealthInput } from "./health";

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

describe("certificateExpiry", () => {
  const day = 86_400_000;
  const at = (ms: number) => new Date(now.getTime() + ms);

  it("flags certificates expiring within 21 days, and expired ones", () => {
    expect(certificateExpiry(at(90 * day), now)).toEqual({ daysLeft: 90, state: "ok", label: "90 days left" });
    expect(certificateExpiry(at(21 * day), now)).toMatchObject({ daysLeft: 21, state: "ok" });
    expect(certificateExpiry(at(21 * day - 1), now)).toMatchObject({ daysLeft: 20, state: "expiring", label: "20 days left" });
    expect(certificateExpiry(at(day + 5), now)).toMatchObject({ daysLeft: 1, state: "expiring", label: "1 day left" });
    expect(certificateExpiry(at(60_000), now)).toMatchObject({ daysLeft: 0, state: "expiring", label: "expires within a day" });
    expect(certificateExpiry(at(0), now)).toMatchObject({ state: "expired", label: "expired today" });
    expect(certificateExpiry(at(-3 * day - 5), now)).toMatchObject({ daysLeft: -4, state: "expired", label: "expired 3 days ago" });
    expect(certificateWarningCutoff(now)).toEqual(at(21 * day));
  });
});

describe("publishToApplied", () => {
  it("is the time from the revision's publish to the node's apply, or null when unknown", () => {
    const published = new Date("2026-01-01T12:00:00Z");
    expect(publishToApplied(published, new Date("2026-01-01T12:00:02.5Z"))).toBe(2500);
    expect(publishToApplied(published, published)).toBe(0);
    expect(publishToApplied(null, published)).toBeNull();
    expect(publishToApplied(published, null)).toBeNull();
    expect(publishToApplied(published, new Date("2026-01-01T11:59:59Z"))).toBeNull();
  });

  it("formats durations from milliseconds to days", () => {
    expect([850, 2500, 59_949, 185_000, 3_600_000, 7_800_000, 86_400_000, 3 * 86_400_000].map(formatDuration)).toEqual([
      "850 ms",
      "2.5 s",
      "59.9 s",
      "3 min 5 s",
      "1 h",
      "2 h 10 min",
      "1 day",
      "3 days",
    ]);
  });
});
