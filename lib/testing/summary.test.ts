import { describe, expect, it } from "vitest";
import { flakyTests, playwrightCounts, summaryLine, total, vitestCounts } from "./summary";

describe("the summary line of npm test", () => {
  it("counts a Playwright test that passed only on a retry as flaky, not as passed", () => {
    const p = playwrightCounts({ stats: { expected: 40, unexpected: 0, skipped: 2, flaky: 3 } }, 0);
    expect(p).toEqual({ passed: 40, failed: 0, skipped: 2, flaky: 3, crashed: false });
    expect(summaryLine(total([p]))).toBe("40 passed, 0 failed, 2 skipped, 3 flaky");
  });

  it("sums vitest and Playwright, always printing all four counts", () => {
    const v = vitestCounts({ numPassedTests: 500, numFailedTests: 1, numPendingTests: 4, numTodoTests: 1, testResults: [] }, 1);
    const p = playwrightCounts({ stats: { expected: 60, unexpected: 2, skipped: 0, flaky: 1 } }, 1);
    expect(summaryLine(total([v, p]))).toBe("560 passed, 3 failed, 5 skipped, 1 flaky");
    expect(summaryLine(total([vitestCounts({ numPassedTests: 7 }, 0)]))).toBe("7 passed, 0 failed, 0 skipped, 0 flaky");
  });

  it("counts a vitest file that failed before any test ran as a failure", () => {
    const v = vitestCounts({ numPassedTests: 10, numFailedTests: 0, testResults: [{ status: "failed", assertionResults: [] }, { status: "passed", assertionResults: [{}] }] }, 1);
    expect(v).toMatchObject({ failed: 1, crashed: false });
  });

  it("never reports a run green when a suite crashed or wrote no report", () => {
    expect(total([vitestCounts(null, 1), playwrightCounts({ stats: { expected: 5 } }, 0)])).toEqual({ passed: 5, failed: 1, skipped: 0, flaky: 0 });
    // Exit code 1 with no failed test: the runner broke (e.g. a web server did not start).
    expect(total([playwrightCounts({ stats: { expected: 5, unexpected: 0 } }, 1)]).failed).toBe(1);
    expect(total([playwrightCounts(null, 0)]).failed).toBe(1);
  });

  it("names every flaky test with its project, file and line", () => {
    const report = {
      suites: [
        {
          file: "audit.spec.ts",
          specs: [{ title: "filters", file: "audit.spec.ts", line: 12, tests: [{ projectName: "chromium-sqlite", status: "expected" }, { projectName: "chromium-postgres", status: "flaky" }] }],
          suites: [{ specs: [{ title: "nested", file: "audit.spec.ts", line: 40, tests: [{ projectName: "chromium-sqlite", status: "flaky" }] }] }],
        },
      ],
    };
    expect(flakyTests(report)).toEqual(["[chromium-postgres] audit.spec.ts:12 › filters", "[chromium-sqlite] audit.spec.ts:40 › nested"]);
    expect(flakyTests(null)).toEqual([]);
  });
});
