import { describe, expect, it } from "vitest";
import { POLICY_LABELS } from "@/lib/policies/labels";
import { TEMPLATE_LABELS } from "@/lib/templates/labels";
import { VHOST_LABELS } from "@/lib/vhosts/labels";
import { diffJson } from "./diff";
import { labelChanges, labelPath } from "./field-labels";

const lines = (before: unknown, after: unknown, labels = POLICY_LABELS) =>
  labelChanges(diffJson(before, after), labels).map((c) =>
    c.kind === "changed" ? `${c.label} ${String(c.display.before)} → ${String(c.display.after)}` : `${c.label} ${c.kind}: ${JSON.stringify(c.display.value)}`,
  );

describe("labelChanges", () => {
  const policy = { engineMode: "BLOCKING", blockingParanoia: 1, detectionParanoia: 1, inboundThreshold: 5, outboundThreshold: 4, version: 3 };

  it("names a policy change with the form's labels and leaves the version bump out", () => {
    expect(lines(policy, { ...policy, blockingParanoia: 2, detectionParanoia: 2, version: 4 })).toEqual(["Blocking paranoia 1 → 2", "Detection paranoia 1 → 2"]);
  });

  it("shows enum values as the form does", () => {
    expect(lines(policy, { ...policy, engineMode: "DETECTION_ONLY", version: 4 })).toEqual(["Engine mode Blocking → Detection only"]);
    const vhost = { domain: "a.test", tlsMode: "NONE", minTlsVersion: "TLS1_2", version: 1, updatedAt: "2026-01-01" };
    expect(lines(vhost, { ...vhost, tlsMode: "TERMINATE", minTlsVersion: "TLS1_3", version: 2, updatedAt: "2026-01-02" }, VHOST_LABELS)).toEqual([
      "TLS mode No TLS (HTTP only) → Terminate TLS (HTTPS)",
      "Minimum TLS version TLS 1.2 → TLS 1.3",
    ]);
  });

  it("leaves nothing when only bookkeeping changed", () => {
    expect(lines(policy, { ...policy, version: 9 })).toEqual([]);
  });

  it("labels nested paths and list items, and keeps unknown fields by name", () => {
    expect(lines({ policy: { blockingParanoia: 1 }, color: "red" }, { policy: { blockingParanoia: 3 }, color: "blue" }, TEMPLATE_LABELS)).toEqual([
      "Policy › Blocking paranoia 1 → 3",
      "color red → blue",
    ]);
    expect(labelPath(["rules", { id: "7" }, "enabled"], { fields: { rules: "Custom rules", enabled: "Enabled" } })).toBe("Custom rules (id 7) › Enabled");
    expect(labelPath(["blockingParanoia"], undefined)).toBe("blockingParanoia");
  });
});
