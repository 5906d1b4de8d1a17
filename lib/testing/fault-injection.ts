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

/** Where a publish can be made to stop for a kill test (lib/config/publish-kill.int.test.ts). */
export type PausePoint = "before-transaction" | "after-revision" | "before-commit" | "after-commit";

/**
 * Test only: with PALISADE_TEST_PAUSE_AT=<point> in the environment (set by the kill test for the child
 * process it starts, never by the panel), a publish reaching `point` prints `paused at <point>` and waits
 * there until the test kills the process (SIGKILL). Without the variable it returns at once.
 */
export async function pauseForKill(point: PausePoint): Promise<void> {
  if (process.env.PALISADE_TEST_PAUSE_AT !== point) return;
  process.stdout.write(`paused at ${point}\n`);
  await new Promise<void>(() => {
    setInterval(() => undefined, 60_000); // keeps the process alive until it is killed
  });
}
