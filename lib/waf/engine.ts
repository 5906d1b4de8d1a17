// The real engine (nginx + the ModSecurity v3 connector + the OWASP CRS): find it, syntax-check a
// bundle with `nginx -t`. Everything nginx starts here is stopped by its own PID. Running a bundle under
// nginx, for the tests, is lib/testing/nginx.ts.
//
// Working directory: the connector hands `modsecurity_rules_file` paths to libmodsecurity as they are,
// and libmodsecurity resolves relative paths (rules files, SecAuditLog, SecTmpDir) against the
// process's working directory, not nginx's prefix (measured). Every nginx here runs with cwd = bundle dir.
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { chmod, mkdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { BUNDLE_DIRECTORIES } from "./compile";
import type { Bundle, CompilerSettings } from "./types";
import { makeWorkDir } from "./work-dir";
import { DEFAULT_COMPILER_SETTINGS } from "./types";

export const ENGINE_INSTALL_COMMAND =
  "DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends nginx libnginx-mod-http-modsecurity modsecurity-crs";

export type EnginePaths = {
  nginx: string;
  modsecModule: string;
  crsSetup: string;
  crsRulesDir: string;
  unicodeMapping: string;
};

export type EngineStatus =
  | { available: true; paths: EnginePaths }
  | { available: false; missing: string[]; message: string };

export class EngineMissingError extends Error {
  constructor(public readonly missing: string[]) {
    super(engineMissingMessage(missing));
    this.name = "EngineMissingError";
  }
}

function engineMissingMessage(missing: string[]): string {
  return `WAF engine not found: missing ${missing.join(", ")}. Install it with: ${ENGINE_INSTALL_COMMAND}`;
}

/** Looks for nginx, the ModSecurity connector and the CRS where the settings (or Debian) put them. */
export function findEngine(settings: Pick<CompilerSettings, "modsecModulePath" | "crsSetupPath" | "crsRulesDir" | "unicodeMappingPath"> = DEFAULT_COMPILER_SETTINGS): EngineStatus {
  const missing: string[] = [];
  const nginx = findExecutable("nginx", ["/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/local/nginx/sbin/nginx"]);
  if (nginx === null) missing.push("nginx (package nginx)");
  const check = (file: string, what: string) => {
    if (!existsSync(file)) missing.push(`${what} (${file})`);
  };
  check(settings.modsecModulePath, "the ModSecurity nginx connector, package libnginx-mod-http-modsecurity");
  check(settings.crsSetupPath, "the CRS setup file, package modsecurity-crs");
  check(settings.unicodeMappingPath, "nginx's unicode.mapping, package nginx-common");
  if (!existsSync(settings.crsRulesDir) || !readdirSync(settings.crsRulesDir).some((f) => f.endsWith(".conf"))) {
    missing.push(`the CRS rules (${settings.crsRulesDir}/*.conf), package modsecurity-crs`);
  }
  if (missing.length > 0 || nginx === null) return { available: false, missing, message: engineMissingMessage(missing) };
  return {
    available: true,
    paths: {
      nginx,
      modsecModule: settings.modsecModulePath,
      crsSetup: settings.crsSetupPath,
      crsRulesDir: settings.crsRulesDir,
      unicodeMapping: settings.unicodeMappingPath,
    },
  };
}

function findExecutable(name: string, fallbacks: string[]): string | null {
  const dirs = (process.env.PATH ?? "").split(path.delimiter).filter(Boolean);
  for (const candidate of [...dirs.map((d) => path.join(d, name)), ...fallbacks]) {
    if (existsSync(candidate)) return candidate;
  }
  return null;
}

export function requireEngine(settings?: Parameters<typeof findEngine>[0]): EnginePaths {
  const status = findEngine(settings);
  if (!status.available) throw new EngineMissingError(status.missing);
  return status.paths;
}

// ---------------------------------------------------------------------------------------------------
// Writing a bundle

/**
 * Writes the bundle (plus extra files such as test certificates) into `dir`, or a new temp dir, and
 * creates the log and temp directories. Returns the absolute directory.
 */
export async function writeBundle(bundle: Bundle, options: { dir?: string; extraFiles?: Record<string, string> } = {}): Promise<string> {
  let dir: string;
  if (options.dir === undefined) {
    dir = await makeWorkDir("palisade-waf-");
    // mkdtemp makes it 0700; run as root, nginx's workers become "nobody" and must reach tmp/ inside.
    await chmod(dir, 0o755);
  } else {
    dir = path.resolve(/*turbopackIgnore: true*/ options.dir);
    await mkdir(dir, { recursive: true });
  }
  for (const sub of BUNDLE_DIRECTORIES) await mkdir(path.join(/*turbopackIgnore: true*/ dir, sub), { recursive: true });
  for (const [rel, text] of Object.entries({ ...bundle.files, ...options.extraFiles })) {
    const target = path.resolve(dir, rel);
    if (!target.startsWith(`${dir}${path.sep}`)) throw new Error(`bundle path escapes the bundle directory: ${rel}`);
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, text);
  }
  return dir;
}

// ---------------------------------------------------------------------------------------------------
// Syntax check

export type CheckError = {
  /** Relative to the bundle directory when inside it, absolute otherwise (a CRS file, say). */
  file: string | null;
  line: number | null;
  message: string;
  /** The vhost's domain, when the error is in (or loaded from) one of its files. */
  vhost?: string;
};

export type CheckResult = {
  ok: boolean;
  errors: CheckError[];
  warnings: CheckError[];
  /** nginx's own output, for logs. */
  output: string;
  durationMs: number;
};

/** Writes the bundle to a temp dir, runs `nginx -t` on it and removes the dir again. */
export async function checkBundle(
  bundle: Bundle,
  options: { extraFiles?: Record<string, string>; settings?: Parameters<typeof findEngine>[0] } = {},
): Promise<CheckResult> {
  const engine = requireEngine(options.settings);
  const dir = await writeBundle(bundle, { extraFiles: options.extraFiles });
  try {
    return await checkDir(dir, engine);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Runs `nginx -t` on a bundle already written to `dir` (cwd = dir, see the top of this file). */
export async function checkDir(dir: string, engine: EnginePaths = requireEngine()): Promise<CheckResult> {
  const started = performance.now();
  const { code, output } = await run(engine.nginx, ["-t", "-p", `${dir}/`, "-c", "nginx.conf", "-e", path.join(dir, "logs/error.log")], dir);
  const { errors, warnings } = parseNginxTestOutput(output, dir);
  if (code !== 0 && errors.length === 0) errors.push({ file: null, line: null, message: output.trim() || `nginx -t exited with ${code}` });
  return { ok: code === 0, errors, warnings, output, durationMs: Math.round(performance.now() - started) };
}

function run(cmd: string, args: string[], cwd: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const [file, argv, stdin] = diesWithParent(cmd, args);
    const child = spawn(file, argv, { cwd, stdio: [stdin, "pipe", "pipe"] });
    let output = "";
    child.stdout!.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr!.on("data", (d: Buffer) => (output += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? 1, output }));
  });
}

/**
 * The command line that starts `cmd` so that it dies with this process, even on SIGKILL (kill -9 of the
 * panel mid-publish must not leave an `nginx -t` behind). On Linux, util-linux's setpriv sets the
 * parent-death signal (prctl PR_SET_PDEATHSIG) and execs the command: the kernel kills it when the panel
 * goes. Without setpriv, a small sh wrapper runs the command in the background and kills it when its
 * stdin — a pipe only the panel holds open — reaches end of file. PALISADE_CHILD_GUARD=shell|setpriv|none
 * picks one (tests measure both).
 */
export function diesWithParent(cmd: string, args: string[]): [string, string[], "ignore" | "pipe"] {
  const guard = process.env.PALISADE_CHILD_GUARD ?? (process.platform === "linux" && SETPRIV ? "setpriv" : process.platform === "win32" ? "none" : "shell");
  if (guard === "setpriv" && SETPRIV) return [SETPRIV, ["--pdeathsig", "KILL", "--", cmd, ...args], "ignore"];
  if (guard === "shell") return ["/bin/sh", ["-c", SHELL_GUARD, "palisade-child-guard", cmd, ...args], "pipe"];
  return [cmd, args, "ignore"];
}

const SETPRIV = ["/usr/bin/setpriv", "/bin/setpriv"].find((p) => existsSync(p)) ?? null;
// $@ runs in the background; a watcher reads the wrapper's stdin (the panel's pipe, kept as fd 3: sh
// gives background jobs /dev/null as stdin) and kills it at end of file; the wrapper exits with its status.
const SHELL_GUARD = `exec 3<&0
"$@" </dev/null 3<&- & c=$!
( while read -r _ <&3; do :; done; kill -KILL $c 2>/dev/null ) & w=$!
wait $c; s=$?; kill $w 2>/dev/null; exit $s`;

/**
 * Turns `nginx -t` output into errors with file and line. nginx reports where the directive is
 * (" in /dir/vhosts/x.conf:14"); for a rules file libmodsecurity adds its own position
 * ("Rules error. File: rules/x.conf. Line: 3. Column: 40. ...") — that one is preferred.
 */
export function parseNginxTestOutput(output: string, dir: string): { errors: CheckError[]; warnings: CheckError[] } {
  const errors: CheckError[] = [];
  const warnings: CheckError[] = [];
  // One entry per "nginx: " line; a message may continue on the following lines.
  const entries = output.split(/^nginx: /m).filter((e) => /^\[[a-z]+\] /.test(e));
  for (const entry of entries) {
    const m = /^\[([a-z]+)\] ([\s\S]*)$/.exec(entry.trimEnd());
    if (!m) continue;
    const level = m[1]!;
    let message = m[2]!;
    let file: string | null = null;
    let line: number | null = null;
    const where = /\s+in (\S+):(\d+)$/.exec(message);
    if (where) {
      file = relativeTo(dir, where[1]!);
      line = Number(where[2]);
      message = message.slice(0, where.index);
    }
    let vhost = vhostOf(file);
    const modsec = /File: (.+?)\. Line: (\d+)\.(?: Column: \d+\.)?\s*/.exec(message);
    if (modsec) {
      const modsecFile = relativeTo(dir, path.resolve(dir, modsec[1]!));
      vhost = vhostOf(modsecFile) ?? vhost;
      file = modsecFile;
      line = Number(modsec[2]);
      message = message.replace(modsec[0], "");
    }
    message = message.replace(/\s+/g, " ").trim();
    const item: CheckError = { file, line, message, ...(vhost ? { vhost } : {}) };
    if (level === "warn" || level === "notice" || level === "info") warnings.push(item);
    else errors.push(item);
  }
  return { errors, warnings };
}

function relativeTo(dir: string, file: string): string {
  const abs = path.resolve(dir, file);
  return abs.startsWith(`${dir}${path.sep}`) ? abs.slice(dir.length + 1) : abs;
}

function vhostOf(file: string | null): string | undefined {
  const m = file === null ? null : /^(?:vhosts|rules)\/(.+)\.conf$/.exec(file);
  return m?.[1];
}

/** The PIDs of a process's direct children (nginx's workers), from /proc. */
export function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}
