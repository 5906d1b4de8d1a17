// waf:check — compile a policy (a JSON file, or the built-in sample) and check it with the real engine.
//
//   npx tsx lib/waf/cli.ts check [input.json] [--json]     compile, then nginx -t
//   npx tsx lib/waf/cli.ts compile [input.json] --out DIR  compile and write the bundle
//
// input.json is a CompileInput; its settings may be partial (the rest defaults). Exit codes: 0 ok,
// 1 the configuration is refused (by the compiler or nginx), 2 the engine is not installed, 64 usage.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { compileBundle } from "./compile";
import { checkBundle, EngineMissingError, findEngine, writeBundle, type CheckResult } from "./engine";
import { SAMPLE_INPUT } from "./samples";
import type { CompileInput } from "./types";
import { CompileError, DEFAULT_COMPILER_SETTINGS } from "./types";
import { plural } from "@/lib/format/plural";

const USAGE = `Usage:
  waf:check [input.json] [--json]          compile input.json (or the built-in sample) and run nginx -t on it
  waf:compile [input.json] --out DIR       compile and write the bundle to DIR`;

type Out = { log: (s: string) => void; error: (s: string) => void };

export async function main(argv: string[], out: Out = console): Promise<number> {
  const [command = "check", ...rest] = argv;
  const json = rest.includes("--json");
  const outIndex = rest.indexOf("--out");
  const outDir = outIndex >= 0 ? rest[outIndex + 1] : undefined;
  const positional = rest.filter((a, i) => !a.startsWith("--") && rest[i - 1] !== "--out");
  if ((command !== "check" && command !== "compile") || positional.length > 1 || (command === "compile" && !outDir)) {
    out.error(USAGE);
    return 64;
  }

  let input: CompileInput;
  try {
    input = positional[0] ? await loadInput(positional[0]) : SAMPLE_INPUT;
  } catch (e) {
    out.error(`Cannot read ${positional[0]}: ${(e as Error).message}`);
    return 64;
  }

  let bundle;
  try {
    bundle = compileBundle(input);
  } catch (e) {
    if (!(e instanceof CompileError)) throw e;
    if (json) out.log(JSON.stringify({ ok: false, stage: "compile", vhost: e.vhost, field: e.field, message: e.message }));
    else out.error(`Refused by the compiler: ${e.message}`);
    return 1;
  }
  const source = positional[0] ?? "the built-in sample";

  if (command === "compile") {
    const dir = await writeBundle(bundle, { dir: path.resolve(outDir!) });
    out.log(`Wrote ${Object.keys(bundle.files).length} files for ${source} to ${dir}`);
    out.log(`Run it there: cd ${dir} && nginx -p ${dir}/ -c nginx.conf -e ${dir}/logs/error.log`);
    return 0;
  }

  const engine = findEngine(input.settings);
  if (!engine.available) {
    if (json) out.log(JSON.stringify({ ok: false, stage: "engine", message: engine.message }));
    else out.error(engine.message);
    return 2;
  }
  let result: CheckResult;
  try {
    result = await checkBundle(bundle, { settings: input.settings });
  } catch (e) {
    if (!(e instanceof EngineMissingError)) throw e;
    out.error(e.message);
    return 2;
  }
  if (json) {
    out.log(JSON.stringify({ ok: result.ok, stage: "engine", errors: result.errors, warnings: result.warnings, durationMs: result.durationMs }));
  } else {
    const vhosts = Object.keys(bundle.files).filter((f) => f.startsWith("vhosts/")).length;
    out.log(`Compiled ${source}: ${plural(vhosts, "vhost")}, ${plural(Object.keys(bundle.files).length, "file")}.`);
    for (const w of result.warnings) out.log(`warning: ${formatIssue(w)}`);
    if (result.ok) out.log(`nginx -t: OK (${result.durationMs} ms)`);
    else for (const e of result.errors) out.error(`error: ${formatIssue(e)}`);
  }
  return result.ok ? 0 : 1;
}

function formatIssue(e: { file: string | null; line: number | null; message: string; vhost?: string }): string {
  const where = e.file ? `${e.file}${e.line ? `:${e.line}` : ""}` : "";
  return [where, e.vhost ? `[${e.vhost}]` : "", e.message].filter(Boolean).join(" ");
}

async function loadInput(file: string): Promise<CompileInput> {
  const parsed = JSON.parse(await readFile(file, "utf8")) as Partial<CompileInput>;
  if (!parsed || !Array.isArray(parsed.vhosts)) throw new Error('expected {"vhosts": [...], "settings": {...}}');
  return { vhosts: parsed.vhosts, settings: { ...DEFAULT_COMPILER_SETTINGS, ...parsed.settings } };
}

if (process.argv[1] && /lib[\\/]waf[\\/]cli\.[cm]?[jt]s$/.test(process.argv[1])) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      console.error(e);
      process.exit(70);
    },
  );
}
