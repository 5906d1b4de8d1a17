// How a test that needs the real WAF engine (nginx + ModSecurity + CRS) decides whether to run. On a
// developer's machine without the engine it skips and says what is missing; with CI set a missing engine
// is a failure, so CI can never be green because the tests that matter most did not run.
import { describe, it } from "vitest";
import { findEngine, type EngineStatus } from "@/lib/waf/engine";

/** True when the CI environment variable is set to anything but "", "0" or "false" (as CI services set it). */
export function ciIsSet(env: Record<string, string | undefined> = process.env): boolean {
  const v = env.CI?.trim().toLowerCase();
  return !!v && v !== "0" && v !== "false";
}

export type EngineGate = { run: true } | { run: false; fail: boolean; reason: string };

/** Run, skip (engine missing, not CI) or fail (engine missing, CI set). */
export function engineGate(engine: EngineStatus, ci: boolean): EngineGate {
  if (engine.available) return { run: true };
  if (ci) return { run: false, fail: true, reason: `CI is set, so the real-engine tests must run, but: ${engine.message}` };
  return { run: false, fail: false, reason: engine.message };
}

/**
 * `describe` for tests that need the real engine: runs them where it is installed; elsewhere skips them,
 * or, with CI set, replaces them with one failing test that names what is missing.
 */
export function describeWithEngine(name: string, options: { timeout?: number }, fn: () => void, engine: EngineStatus = findEngine()) {
  const gate = engineGate(engine, ciIsSet());
  if (gate.run) return describe(name, options, fn);
  if (gate.fail) {
    return describe(name, () => {
      it("needs the real WAF engine", () => {
        throw new Error(gate.reason);
      });
    });
  }
  return describe.skip(`${name} (skipped: ${gate.reason})`, options, fn);
}
