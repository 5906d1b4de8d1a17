// Test-only fault injection for the Playwright specs: with PALISADE_TEST_FAULTS=1 (set only by
// playwright.config.ts for its own servers), POST /api/test-faults makes the dashboard fail to render
// until it is cleared. Without the variable the route answers 404 and nothing here does anything.
const state = globalThis as unknown as { palisadeRenderFault?: boolean };

export function testFaultsEnabled(): boolean {
  return process.env.PALISADE_TEST_FAULTS === "1";
}

export function setRenderFault(on: boolean): void {
  state.palisadeRenderFault = on;
}

/** Throws while a test has switched the render fault on (never without PALISADE_TEST_FAULTS=1). */
export function throwIfRenderFault(where: string): void {
  if (testFaultsEnabled() && state.palisadeRenderFault) throw new Error(`Injected render fault (test only): ${where}`);
}
