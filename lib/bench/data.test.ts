import { describe, expect, it } from "vitest";
import { compileBundle } from "@/lib/waf/compile";
import { sampleInput } from "@/lib/waf/samples";
import { compilerVhosts, makeEvent, makeVhost, rng } from "./data";

describe("benchmark data", () => {
  it("makes vhosts the compiler accepts, in every engine mode and with every kind of child", () => {
    const vhosts = compilerVhosts(300);
    const bundle = compileBundle(sampleInput(vhosts));
    const enabled = vhosts.filter((v) => v.enabled);
    expect(Object.keys(bundle.files).filter((f) => f.startsWith("rules/"))).toHaveLength(enabled.length);
    expect(new Set(vhosts.map((v) => v.policy.engineMode))).toEqual(new Set(["OFF", "DETECTION_ONLY", "BLOCKING"]));
    expect(new Set(vhosts.map((v) => v.tlsMode))).toEqual(new Set(["NONE", "TERMINATE", "REDIRECT"]));
    expect(vhosts.some((v) => v.ipEntries.some((e) => e.cidr.includes(":")))).toBe(true);
    expect(new Set(vhosts.flatMap((v) => v.exclusions.map((x) => x.kind))).size).toBe(4);
    expect(vhosts.some((v) => v.customRules.length > 0)).toBe(true);
    // Custom rule ids are unique installation-wide.
    const ids = vhosts.flatMap((v) => v.customRules.map((c) => c.ruleId));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("makes events shaped like the services' audit entries", () => {
    const r = rng(7);
    const vhost = makeVhost(r, 1, "t", new Date(0), "e@x", () => 1);
    const create = makeEvent(r, new Date(0), { id: null, email: "e@x", role: "EDITOR" }, vhost, true);
    expect(create).toMatchObject({ action: "vhost.create", entityId: vhost.id, vhostId: vhost.id });
    expect(create.summary).toContain(vhost.domain);
    const denied = makeEvent(r, new Date(0), { id: null, email: "a@x", role: "AUDITOR" }, vhost, false);
    expect(denied.action).toBe("security.denied");
  });
});
