import { describe, expect, it } from "vitest";
import { findEngine, type EngineStatus } from "@/lib/waf/engine";
import { ciIsSet, engineGate } from "./real-engine";

const missing: EngineStatus = { available: false, missing: ["nginx (package nginx)"], message: "WAF engine not found: missing nginx (package nginx)." };
const present: EngineStatus = { available: true, paths: { nginx: "/usr/sbin/nginx", modsecModule: "m.so", crsSetup: "s.conf", crsRulesDir: "rules", unicodeMapping: "u" } };

describe("engineGate", () => {
  it("runs where the engine is installed, with or without CI", () => {
    expect(engineGate(present, false)).toEqual({ run: true });
    expect(engineGate(present, true)).toEqual({ run: true });
  });

  it("skips a missing engine off CI, saying what is missing", () => {
    expect(engineGate(missing, false)).toEqual({ run: false, fail: false, reason: missing.message });
  });

  it("fails a missing engine on CI instead of skipping", () => {
    const gate = engineGate(missing, true);
    expect(gate).toMatchObject({ run: false, fail: true });
    expect(gate.run === false && gate.reason).toContain("missing nginx (package nginx)");
  });

  it("reads CI as CI services set it", () => {
    expect(ciIsSet({ CI: "1" })).toBe(true);
    expect(ciIsSet({ CI: "true" })).toBe(true);
    expect(ciIsSet({})).toBe(false);
    expect(ciIsSet({ CI: "" })).toBe(false);
    expect(ciIsSet({ CI: "false" })).toBe(false);
    expect(ciIsSet({ CI: "0" })).toBe(false);
  });
});

// lib/waf's own real-engine tests decide with findEngine() too; this one test makes CI fail when they
// would all skip.
describe.runIf(ciIsSet())("on CI", () => {
  it("the real WAF engine (nginx, ModSecurity, CRS) is installed, so no real-engine test skips", () => {
    const engine = findEngine();
    expect(engine.available, engine.available ? "" : engine.message).toBe(true);
  });
});
