// Config as code on the database at DATABASE_URL:
//
//   npm run config:export -- --out palisade.yaml        (--out - writes to standard output)
//   npm run config:apply -- palisade.yaml --dry-run     prints the plan, changes nothing
//   npm run config:apply -- palisade.yaml --as admin@example.com
//
// Exit codes: 0 done (or nothing to do), 1 refused (a problem in the file, a change a service refused, the
// database changed since the plan, --as is not an enabled ADMIN), 3 the database is missing or not
// migrated, 64 usage.
import { readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { disconnectDb } from "@/lib/db";
import { assertMigrated, DatabaseNotMigratedError } from "@/lib/db/ready";
import { AppError } from "@/lib/errors";
import { plural } from "@/lib/format/plural";
import { describePlan } from "./plan";
import { applyConfig, ConfigApplyError, configActor, exportConfig, planConfig } from "./service";
import { parseConfigYaml, pathText } from "./yaml-file";

export const EXPORT_USAGE = "Usage: npm run config:export -- --out FILE (or --out - for standard output)";
export const APPLY_USAGE = "Usage: npm run config:apply -- FILE [--dry-run] [--as ADMIN_EMAIL] (--as is required without --dry-run)";

type Out = { log: (s: string) => void; error: (s: string) => void };

export async function main(argv: string[], out: Out = console): Promise<number> {
  const [command, ...args] = argv;
  if (command === "export") return exportCommand(args, out);
  if (command === "apply") return applyCommand(args, out);
  out.error(`${EXPORT_USAGE}\n${APPLY_USAGE}`);
  return 64;
}

async function migrated(out: Out): Promise<boolean> {
  try {
    await assertMigrated();
    return true;
  } catch (err) {
    if (!(err instanceof DatabaseNotMigratedError)) throw err;
    out.error(err.message);
    return false;
  }
}

async function exportCommand(args: string[], out: Out): Promise<number> {
  const target = args[0] === "--out" && args.length === 2 ? args[1]! : null;
  if (!target || (target.startsWith("-") && target !== "-")) {
    out.error(EXPORT_USAGE);
    return 64;
  }
  if (!(await migrated(out))) return 3;
  const text = await exportConfig();
  if (target === "-") {
    out.log(text.replace(/\n$/, ""));
    return 0;
  }
  const file = path.resolve(target);
  // Written beside the target and renamed over it: a reader never sees half a file.
  const partial = `${file}.${process.pid}.partial`;
  await writeFile(partial, text, "utf8");
  await rename(partial, file);
  const parsed = parseConfigYaml(text);
  const counts = parsed.ok ? `${plural(parsed.config.state.vhosts.length, "virtual host")} and ${plural(parsed.config.state.templates.length, "custom template")}` : "the configuration";
  out.log(`Wrote ${counts} to ${file}`);
  return 0;
}

function parseApplyArgs(args: string[]): { file: string; dryRun: boolean; as: string | null } | null {
  let file: string | null = null;
  let dryRun = false;
  let as: string | null = null;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === "--dry-run") dryRun = true;
    else if (a === "--as") {
      as = args[++i] ?? null;
      if (!as || as.startsWith("-")) return null;
    } else if (!a.startsWith("-") && file === null) file = a;
    else return null;
  }
  if (!file || (!dryRun && !as)) return null;
  return { file, dryRun, as };
}

async function applyCommand(args: string[], out: Out): Promise<number> {
  const opts = parseApplyArgs(args);
  if (!opts) {
    out.error(APPLY_USAGE);
    return 64;
  }
  let text: string;
  try {
    text = await readFile(opts.file, "utf8");
  } catch (err) {
    out.error(`Cannot read ${opts.file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    return 64;
  }
  const parsed = parseConfigYaml(text);
  if (!parsed.ok) {
    for (const p of parsed.problems) out.error(`${opts.file}:${p.line}:${p.col}: ${p.path}: ${p.message}`);
    out.error(`Nothing was applied: ${plural(parsed.problems.length, "problem")} in ${opts.file}.`);
    return 1;
  }
  if (!(await migrated(out))) return 3;
  const desired = parsed.config;
  try {
    const ctx = opts.as ? await configActor(opts.as) : null;
    const { plan, fingerprint } = await planConfig(desired);
    for (const line of describePlan(plan)) out.log(line);
    if (opts.dryRun) {
      if (plan.ops.length > 0) out.log("Dry run: nothing was applied.");
      return 0;
    }
    if (plan.ops.length === 0) return 0;
    const applied = await applyConfig(ctx!, desired, { fingerprint, source: path.basename(opts.file) });
    const { create, update, delete: del } = applied.counts;
    out.log(`Applied in one transaction as ${ctx!.actor.email}: ${create} created, ${update} updated, ${del} deleted.`);
    return 0;
  } catch (err) {
    if (err instanceof ConfigApplyError) {
      const at = err.path ? (() => {
        const fieldPath = err.problems.length === 1 && err.problems[0]!.field ? [...err.path, err.problems[0]!.field] : err.path;
        const pos = desired.locate(fieldPath);
        return `${opts.file}:${pos.line}:${pos.col}: ${pathText(err.path)}: `;
      })() : "";
      out.error(`${at}${err.message}`);
      out.error("Nothing was applied.");
      return 1;
    }
    if (err instanceof AppError) {
      out.error(err.message);
      return 1;
    }
    throw err;
  }
}

if (process.argv[1] && /lib[\\/]configcode[\\/]cli\.[cm]?[jt]s$/.test(process.argv[1])) {
  main(process.argv.slice(2))
    .then(
      (code) => (process.exitCode = code),
      (e: unknown) => {
        console.error(e);
        process.exitCode = 70;
      },
    )
    .finally(() => disconnectDb());
}
