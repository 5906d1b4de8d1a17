// waf:build — the bundle of the database at DATABASE_URL, written to a folder anyone can point nginx at.
//
//   npm run waf:build -- --out DIR [--check]
//
// Settings come from the environment (lib/config/settings.ts). DIR must be empty, missing, or a bundle
// written here before (its generated files are replaced, so a removed vhost leaves nothing behind).
// Exit codes: 0 written, 1 refused (compiler, or nginx -t with --check), 2 --check without an engine,
// 3 the database is missing or not migrated (the message names the command to run), 64 usage.
//
// Certificates: the bundle names <certDir>/<certificateRef>/fullchain.pem and privkey.pem for each TLS vhost
// but holds no certificate or key (the panel never has private keys). The output lists those files and
// whether they are there; --check runs nginx -t with throwaway self-signed placeholders in their place.
import { existsSync } from "node:fs";
import { readdir, readFile, rm } from "node:fs/promises";
import path from "node:path";
import { disconnectDb } from "@/lib/db";
import { assertMigrated, DatabaseNotMigratedError } from "@/lib/db/ready";
import { AppError } from "@/lib/errors";
import { GENERATED_HEADER } from "@/lib/waf/compile";
import { writeBundle } from "@/lib/waf/engine";
import { CompileError } from "@/lib/waf/types";
import { certificateFiles, checkWithEngine, describeCheckError, placeholderCertificatePaths } from "./check";
import { compilerSettingsFromEnv } from "./settings";
import { compileCurrent } from "./service";
import { plural } from "@/lib/format/plural";

const USAGE = "Usage: npm run waf:build -- --out DIR [--check]";

type Out = { log: (s: string) => void; error: (s: string) => void };

export async function main(argv: string[], out: Out = console): Promise<number> {
  const args = argv[0] === "build" ? argv.slice(1) : argv;
  const outIndex = args.indexOf("--out");
  const outDir = outIndex >= 0 ? args[outIndex + 1] : undefined;
  const unknown = args.filter((a, i) => a !== "--out" && a !== "--check" && i !== outIndex + 1);
  if (!outDir || outDir.startsWith("--") || unknown.length > 0) {
    out.error(USAGE);
    return 64;
  }
  const dir = path.resolve(outDir);
  const refusal = await refuseForeignDir(dir);
  if (refusal) {
    out.error(refusal);
    return 64;
  }

  try {
    await assertMigrated();
  } catch (err) {
    if (!(err instanceof DatabaseNotMigratedError)) throw err;
    out.error(err.message);
    return 3;
  }

  let compiled;
  try {
    const settings = compilerSettingsFromEnv();
    compiled = { ...(await compileCurrent(settings)), settings };
  } catch (err) {
    if (err instanceof CompileError || err instanceof AppError) {
      out.error(`Refused by the compiler: ${err.message}`);
      return 1;
    }
    throw err;
  }

  if (args.includes("--check")) {
    const check = await checkWithEngine(compiled.bundle, compiled.settings);
    if (!check.checked) {
      out.error(check.reason);
      return 2;
    }
    if (!check.ok) {
      for (const e of check.errors) out.error(`nginx -t: ${describeCheckError(e)}`);
      return 1;
    }
    const placeholders = placeholderCertificatePaths(compiled.bundle).length;
    out.log(
      placeholders === 0
        ? "nginx -t: OK"
        : `nginx -t: OK, with self-signed placeholders in place of the ${plural(placeholders, "certificate file")} listed below: your real certificates and keys were not checked.`,
    );
  }

  for (const generated of ["nginx.conf", "modsecurity", "vhosts", "rules"]) await rm(path.join(dir, generated), { recursive: true, force: true });
  await writeBundle(compiled.bundle, { dir });
  out.log(`Wrote ${plural(compiled.vhostCount, "virtual host")}, ${plural(Object.keys(compiled.bundle.files).length, "file")} (content hash ${compiled.hash.slice(0, 12)}) to ${dir}`);
  for (const line of certificateLines(dir, compiled.bundle)) out.log(line);
  out.log(`Run it there: cd ${dir} && nginx -p ${dir}/ -c nginx.conf -e ${dir}/logs/error.log`);
  return 0;
}

/** Which certificate files nginx will load, where, for which vhost, and whether they are there yet. */
function certificateLines(dir: string, bundle: Parameters<typeof certificateFiles>[0]): string[] {
  const files = certificateFiles(bundle);
  if (files.length === 0) return ["Certificates: none needed (no virtual host serves HTTPS)."];
  const rows = files.map((f) => {
    const where = path.resolve(dir, f.path);
    const what = `${f.kind === "chain" ? "certificate + chain" : "private key"} for ${f.domains.join(", ")}`;
    return { where, text: `${what}${existsSync(where) ? "" : " (missing)"}` };
  });
  const width = Math.max(...rows.map((r) => r.where.length));
  return [
    `Certificates: nginx loads ${plural(files.length, "file")} the bundle does not contain (PEM; the panel holds no private keys). Put yours there before nginx starts:`,
    ...rows.map((r) => `  ${r.where.padEnd(width)}  ${r.text}`),
  ];
}

async function refuseForeignDir(dir: string): Promise<string | null> {
  if (!existsSync(dir)) return null;
  const entries = await readdir(dir).catch(() => null);
  if (entries === null) return `${dir} is not a directory.`;
  if (entries.length === 0) return null;
  const nginxConf = await readFile(path.join(dir, "nginx.conf"), "utf8").catch(() => "");
  if (nginxConf.includes(GENERATED_HEADER)) return null;
  return `${dir} is not empty and holds no bundle written by Palisade: choose an empty or new folder.`;
}

if (process.argv[1] && /lib[\\/]config[\\/]cli\.[cm]?[jt]s$/.test(process.argv[1])) {
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
