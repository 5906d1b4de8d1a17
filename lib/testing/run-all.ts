// `npm test`: the whole suite — unit, integration on SQLite and on PostgreSQL (vitest), and the
// Playwright e2e specs — then one summary line summed over every suite: "N passed, M failed, K skipped".
// The summary is also written to test-results/summary.txt so CI can print it last.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

const root = process.cwd();
const out = path.join(root, "test-results");
fs.mkdirSync(out, { recursive: true });
const vitestJson = path.join(out, "vitest.json");
const playwrightJson = path.join(out, "playwright.json");
for (const f of [vitestJson, playwrightJson]) fs.rmSync(f, { force: true });

function run(cmd: string, args: string[], env: Record<string, string> = {}) {
  console.log(`\n$ ${cmd} ${args.join(" ")}`);
  const r = spawnSync(cmd, args, { stdio: "inherit", env: { ...process.env, ...env } });
  return r.status ?? 1;
}

type Counts = { passed: number; failed: number; skipped: number; crashed: boolean };

function vitestCounts(code: number): Counts {
  if (!fs.existsSync(vitestJson)) return { passed: 0, failed: 0, skipped: 0, crashed: true };
  const j = JSON.parse(fs.readFileSync(vitestJson, "utf8"));
  const failedSuites = (j.testResults ?? []).filter((s: { status: string; assertionResults: unknown[] }) => s.status === "failed" && s.assertionResults.length === 0).length;
  return {
    passed: j.numPassedTests ?? 0,
    failed: (j.numFailedTests ?? 0) + failedSuites,
    skipped: (j.numPendingTests ?? 0) + (j.numTodoTests ?? 0),
    crashed: code !== 0 && (j.numFailedTests ?? 0) === 0 && failedSuites === 0,
  };
}

function playwrightCounts(code: number): Counts {
  if (!fs.existsSync(playwrightJson)) return { passed: 0, failed: 0, skipped: 0, crashed: true };
  const s = JSON.parse(fs.readFileSync(playwrightJson, "utf8")).stats ?? {};
  const failed = s.unexpected ?? 0;
  return { passed: (s.expected ?? 0) + (s.flaky ?? 0), failed, skipped: s.skipped ?? 0, crashed: code !== 0 && failed === 0 };
}

const vCode = run("npx", ["vitest", "run", "--reporter=default", "--reporter=json", `--outputFile.json=${vitestJson}`]);
const v = vitestCounts(vCode);
const pCode = run("npx", ["playwright", "test"], { PLAYWRIGHT_JSON_OUTPUT_NAME: playwrightJson });
const p = playwrightCounts(pCode);

const passed = v.passed + p.passed;
// A suite that crashed before reporting counts as one failure, so a broken run is never green.
const failed = v.failed + p.failed + (v.crashed ? 1 : 0) + (p.crashed ? 1 : 0);
const skipped = v.skipped + p.skipped;
if (v.crashed) console.error("vitest did not complete (see its output above)");
if (p.crashed) console.error("playwright did not complete (see its output above)");
const summary = `${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`;
fs.writeFileSync(path.join(out, "summary.txt"), summary + "\n");
console.log(`\nvitest: ${v.passed} passed, ${v.failed} failed, ${v.skipped} skipped · playwright: ${p.passed} passed, ${p.failed} failed, ${p.skipped} skipped`);
console.log(summary);
process.exit(failed > 0 ? 1 : 0);
