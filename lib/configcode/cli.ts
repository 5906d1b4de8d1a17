// Config as code on the database at DATABASE_URL:
//
//   npm run config:export -- --out palisade.yaml        (--out - writes to standard output)
//   npm run config:apply -- palisade.yaml --dry-run     prints the plan, changes nothing
//   npm run config:apply -- palisade.yaml --as admin@example.com
//
// Or through the API of a running panel with a personal API token (--token, or PALISADE_API_TOKEN), no
// database URL needed; apply acts as the token's user (an ADMIN with a write token):
//
//   npm run config:export -- --url https://panel.example.com --token pal_… --out palisade.yaml
//   npm run config:apply -- palisade.yaml --url https://panel.example.com [--dry-run]
//
// Exit codes: 0 done (or nothing to do), 1 refused (a problem in the file, a change a service refused, the
// database changed since the plan, --as is not an enabled ADMIN; through the API: the token's user or
// scope may not, 412 or 422), 2 through the API: the panel cannot be reached or answered an HTTP error
// (401, 404, 5xx…), 3 the database is missing or not migrated, 64 usage.
import { readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { disconnectDb } from "@/lib/db";
import { assertMigrated, DatabaseNotMigratedError } from "@/lib/db/ready";
import { AppError } from "@/lib/errors";
import { plural } from "@/lib/format/plural";
import { describePlan } from "./plan";
import { isCleartextRemote, panelUrl, RemoteConfigClient, RemoteHttpError, RemoteRefusal, TOKEN_ENV } from "./remote";
import { applyConfig, ConfigApplyError, configActor, exportConfig, planConfig } from "./service";
import { parseConfigYaml, pathText } from "./yaml-file";

export const EXPORT_USAGE =
  "Usage: npm run config:export -- --out FILE (or --out - for standard output) [--url PANEL_URL [--token TOKEN]]";
export const APPLY_USAGE =
  "Usage: npm run config:apply -- FILE [--dry-run] [--as ADMIN_EMAIL] (--as is required without --dry-run)\n" +
  `   or: npm run config:apply -- FILE [--dry-run] --url PANEL_URL [--token TOKEN] (the token may come from ${TOKEN_ENV})`;

type Out = { log: (s: string) => void; error: (s: string) => void };

/** Where the commands work: the database at DATABASE_URL, or a panel's API with a token. */
type Remote = { client: RemoteConfigClient; url: URL } | null;

type Flags = { positional: string[]; out?: string; url?: string; token?: string; as?: string; dryRun: boolean };

/** --flag VALUE pairs and --dry-run; null when something is off (unknown flag, missing value, repeated flag). */
function parseFlags(args: string[]): Flags | null {
  const flags: Flags = { positional: [], dryRun: false };
  const valued = { "--out": "out", "--url": "url", "--token": "token", "--as": "as" } as const;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === "--dry-run") {
      if (flags.dryRun) return null;
      flags.dryRun = true;
    } else if (a in valued) {
      const key = valued[a as keyof typeof valued];
      const value = args[++i];
      // "--out -" is standard output; any other value starting with "-" is a forgotten value.
      if (value === undefined || flags[key] !== undefined || (value.startsWith("-") && !(key === "out" && value === "-"))) return null;
      flags[key] = value;
    } else if (a.startsWith("-")) return null;
    else flags.positional.push(a);
  }
  return flags;
}

/** The remote target of --url/--token (token also from PALISADE_API_TOKEN); an error text when they do not fit. */
function remoteOf(flags: Flags, out: Out): Remote | "usage" {
  if (flags.url === undefined) return flags.token === undefined ? null : "usage";
  const url = panelUrl(flags.url);
  if (!url) {
    out.error(`--url must be the panel's http(s) address, e.g. https://panel.example.com (without credentials).`);
    return "usage";
  }
  const token = flags.token ?? process.env[TOKEN_ENV];
  if (!token) {
    out.error(`--url needs a personal API token: --token TOKEN or ${TOKEN_ENV} (create one on your account page).`);
    return "usage";
  }
  if (isCleartextRemote(url)) out.error(`Warning: ${url.origin} is plain http: the token travels in clear. Use https.`);
  return { client: new RemoteConfigClient(url, token), url };
}

/** A refusal or an HTTP error of the panel, as local mode words a refusal: exit 1, or 2 when the panel failed. */
function remoteFailure(err: unknown, out: Out, file: string | null): number {
  if (err instanceof RemoteRefusal) {
    for (const p of err.problems) out.error(`${file ?? p.location ?? "file"}:${p.line}:${p.col}: ${p.path ? `${p.path}: ` : ""}${p.message}`);
    out.error(err.problems.length && file ? "Nothing was applied." : err.message);
    return 1;
  }
  if (err instanceof RemoteHttpError) {
    out.error(err.message);
    return 2;
  }
  throw err;
}

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
  const flags = parseFlags(args);
  const target = flags && flags.positional.length === 0 && !flags.dryRun && flags.as === undefined ? (flags.out ?? null) : null;
  const remote = flags && target ? remoteOf(flags, out) : "usage";
  if (!target || remote === "usage") {
    out.error(EXPORT_USAGE);
    return 64;
  }
  let text: string;
  if (remote) {
    try {
      text = (await remote.client.exportYaml()).text;
    } catch (err) {
      return remoteFailure(err, out, null);
    }
  } else {
    if (!(await migrated(out))) return 3;
    text = await exportConfig();
  }
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

function parseApplyArgs(args: string[], out: Out): { file: string; dryRun: boolean; as: string | null; remote: Remote } | null {
  const flags = parseFlags(args);
  if (!flags || flags.positional.length !== 1 || flags.out !== undefined) return null;
  const remote = remoteOf(flags, out);
  if (remote === "usage") return null;
  const as = flags.as ?? null;
  // Through the API the token names the user; locally --as does (not needed for a dry run).
  if (remote ? as !== null : !flags.dryRun && !as) return null;
  return { file: flags.positional[0]!, dryRun: flags.dryRun, as, remote };
}

async function applyCommand(args: string[], out: Out): Promise<number> {
  const opts = parseApplyArgs(args, out);
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
  if (opts.remote) return remoteApply(opts.remote.client, text, { file: opts.file, dryRun: opts.dryRun }, out);
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

/** Plan through the API, then apply with the plan's fingerprint as If-Match: the same output as local mode. */
async function remoteApply(client: RemoteConfigClient, text: string, opts: { file: string; dryRun: boolean }, out: Out): Promise<number> {
  const source = path.basename(opts.file);
  try {
    const plan = await client.plan(text, source);
    for (const line of plan.text) out.log(line);
    const nothing = plan.counts.create + plan.counts.update + plan.counts.delete === 0;
    if (opts.dryRun) {
      if (!nothing) out.log("Dry run: nothing was applied.");
      return 0;
    }
    if (nothing) return 0;
    const applied = await client.apply(text, source, plan.fingerprint);
    const { create, update, delete: del } = applied.counts;
    out.log(`Applied in one transaction as ${applied.appliedBy}: ${create} created, ${update} updated, ${del} deleted.`);
    return 0;
  } catch (err) {
    return remoteFailure(err, out, opts.file);
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
