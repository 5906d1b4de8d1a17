// The arithmetic of `npm test`'s summary line (lib/testing/run-all.ts), from the JSON reports of vitest
// and Playwright. Pure, so its unit test can feed it reports of every shape.

/** Tests that passed at the first try, failed, were skipped, and passed only on a retry. The four never overlap. */
export type Counts = { passed: number; failed: number; skipped: number; flaky: number; crashed: boolean };

type VitestReport = {
  numPassedTests?: number;
  numFailedTests?: number;
  numPendingTests?: number;
  numTodoTests?: number;
  testResults?: { status: string; assertionResults: unknown[] }[];
};

/** `report` is vitest's JSON report, or null when it wrote none; `code` its exit code. */
export function vitestCounts(report: VitestReport | null, code: number): Counts {
  if (!report) return { passed: 0, failed: 0, skipped: 0, flaky: 0, crashed: true };
  // A file that failed before any test ran (import error, failing beforeAll) has no results of its own.
  const failedSuites = (report.testResults ?? []).filter((s) => s.status === "failed" && s.assertionResults.length === 0).length;
  const failed = (report.numFailedTests ?? 0) + failedSuites;
  return {
    passed: report.numPassedTests ?? 0,
    failed,
    skipped: (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0),
    flaky: 0, // vitest runs without retries here
    crashed: code !== 0 && failed === 0,
  };
}

type PlaywrightReport = { stats?: { expected?: number; unexpected?: number; skipped?: number; flaky?: number } };

/** `report` is Playwright's JSON report, or null when it wrote none; `code` its exit code. */
export function playwrightCounts(report: PlaywrightReport | null, code: number): Counts {
  if (!report) return { passed: 0, failed: 0, skipped: 0, flaky: 0, crashed: true };
  const s = report.stats ?? {};
  const failed = s.unexpected ?? 0;
  // Playwright's "flaky": failed, then passed on a retry. Counted apart from the passes, never hidden in them.
  return { passed: s.expected ?? 0, failed, skipped: s.skipped ?? 0, flaky: s.flaky ?? 0, crashed: code !== 0 && failed === 0 };
}

/** The suites' counts summed; a suite that crashed before reporting counts as one failure, so a broken run is never green. */
export function total(suites: Counts[]): Omit<Counts, "crashed"> {
  const sum = (f: (c: Counts) => number) => suites.reduce((n, c) => n + f(c), 0);
  return {
    passed: sum((c) => c.passed),
    failed: sum((c) => c.failed + (c.crashed ? 1 : 0)),
    skipped: sum((c) => c.skipped),
    flaky: sum((c) => c.flaky),
  };
}

/** "N passed, M failed, K skipped, F flaky": all four always, so CI logs can be compared line by line. */
export function summaryLine(c: Pick<Counts, "passed" | "failed" | "skipped" | "flaky">): string {
  return `${c.passed} passed, ${c.failed} failed, ${c.skipped} skipped, ${c.flaky} flaky`;
}

type PlaywrightSuite = { title?: string; file?: string; suites?: PlaywrightSuite[]; specs?: { title: string; file?: string; line?: number; tests: { projectName?: string; status?: string }[] }[] };

/** "[project] file:line › title" of every test that passed only on a retry, to name in the log. */
export function flakyTests(report: { suites?: PlaywrightSuite[] } | null): string[] {
  const found: string[] = [];
  const walk = (s: PlaywrightSuite) => {
    for (const spec of s.specs ?? []) {
      for (const t of spec.tests) if (t.status === "flaky") found.push(`[${t.projectName ?? "?"}] ${spec.file ?? s.file ?? "?"}:${spec.line ?? 0} › ${spec.title}`);
    }
    for (const child of s.suites ?? []) walk(child);
  };
  for (const s of report?.suites ?? []) walk(s);
  return found;
}
