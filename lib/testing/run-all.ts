// `npm test`: the whole suite — unit, integration on SQLite and on PostgreSQL (vitest), and the
// Playwright e2e specs — then one summary line summed over every suite: "N passed, M failed, K skipped, F flaky"
// (lib/testing/summary.ts; "flaky": Playwright tests that passed only on a retry, not counted as passed).
// The summary is also written to test-results/summary.txt so CI can print it last.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { flakyTests, playwrightCounts, summaryLine, total, vitestCounts } from "./summary";
import { plural } from "@/lib/format/plural";

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

function readJson(file: string) {
  return fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, "utf8")) : null;
}

const vCode = run("npx", ["vitest", "run", "--reporter=default", "--reporter=json", `--outputFile.json=${vitestJson}`]);
const v = vitestCounts(readJson(vitestJson), vCode);
const pCode = run("npx", ["playwright", "test"], { PLAYWRIGHT_JSON_OUTPUT_NAME: playwrightJson });
const playwrightReport = readJson(playwrightJson);
const p = playwrightCounts(playwrightReport, pCode);

const all = total([v, p]);
if (v.crashed) console.error("vitest did not complete (see its output above)");
if (p.crashed) console.error("playwright did not complete (see its output above)");
const summary = summaryLine(all);
fs.writeFileSync(path.join(out, "summary.txt"), summary + "\n");
console.log(`\nvitest: ${summaryLine(v)} · playwright: ${summaryLine(p)}`);
if (p.flaky) {
  console.log(`\n${plural(p.flaky, "Playwright test")} passed only on a retry (find each one's cause and note it on the issue):`);
  for (const t of flakyTests(playwrightReport)) console.log(`  ${t}`);
}
console.log(summary);
process.exit(all.failed > 0 ? 1 : 0);
