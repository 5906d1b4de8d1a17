// The node agent: pulls the latest published revision from the panel, installs it atomically, checks it
// with `nginx -t`, reloads nginx only when the check passes (keeping the last good bundle otherwise),
// and reports what it applied, with the TLS certificates the live bundle serves (lib/agent/certificates.ts:
// public facts and expiry, never a key). It talks to the panel only through the node API and never touches
// its database.
//
// On-disk layout (DIR is --dir; nginx runs with DIR as both its prefix and its working directory):
//
//   DIR/releases/<rev>-<hash12>/      one complete bundle per applied revision (the newest few are kept)
//   DIR/current -> releases/<...>     symlink: the live release, swapped in one rename(2)
//   DIR/nginx.conf -> current/nginx.conf     one symlink per top-level entry of the bundle
//   DIR/modsecurity -> current/modsecurity   (made once; they follow `current`)
//   DIR/vhosts -> current/vhosts
//   DIR/rules  -> current/rules
//   DIR/logs/ DIR/tmp/                 real directories shared by every release (pid file, logs, temp files)
//   DIR/certs/                         the operator's certificates: <ref>/fullchain.pem and privkey.pem
//
// Why this shape: libmodsecurity resolves the bundle's relative paths (rules files, audit log, temp dir)
// against nginx's working directory, and a running master keeps the working directory it started in —
// an inode, not a path (lib/waf/README.md). So the working directory must never be swapped: it is DIR,
// which stays, and every path below it resolves through `current` at the moment nginx reads it. A reload
// therefore reads the new release's files, with the default compiler settings (installDir unset).
// A bundle compiled with absolute paths (PALISADE_INSTALL_DIR on the panel) is refused: its check
// would read the live files instead of the new ones.
//
// Applying a revision: write every file to DIR/.staging-<rev>-<random>/ and fsync it, run `nginx -t`
// there (with the operator's own entries such as certs/ linked in), rename the staging folder into
// releases/, point a fresh symlink at it and rename that over `current` (atomic), fsync DIR, then
// `nginx -s reload` and wait for a new generation of workers. If the check fails nothing is swapped;
// if the reload fails, `current` goes back to the previous release and nginx is reloaded again.
import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { lstat, mkdir, open, readdir, readFile, readlink, rename, rm, stat, symlink, unlink } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { gunzip } from "node:zlib";
import { z } from "zod";
import { bundleHash, CONTENT_HASH_PATTERN } from "@/lib/config/hash";
import { BUNDLE_DIRECTORIES } from "@/lib/waf/compile";
import { checkDir, childrenOf, findEngine, type CheckError, type CheckResult, type EnginePaths } from "@/lib/waf/engine";
import { scanCertificates } from "./certificates";

export const RELEASE_META = ".palisade-release.json";
/** Top-level names in DIR that belong to the agent or are shared by releases: never a bundle entry. */
const RESERVED = new Set(["current", "releases", "logs", "tmp"]);
const MAX_MESSAGE = 1900;

// ---------------------------------------------------------------------------------------------------
// What the panel sends

const RevisionSchema = z.object({
  revision: z.number().int().min(1),
  contentHash: z.string().regex(CONTENT_HASH_PATTERN),
  files: z.record(z.string(), z.string()),
});
export type PulledRevision = z.infer<typeof RevisionSchema>;

/** A bundle path is relative, has no `.`/`..`/empty segment, no control character or backslash, and its top-level name is not the agent's. */
export function unsafeBundlePath(p: string): string | null {
  if (p.length === 0 || p.length > 1024) return "empty or too long";
  if (/[\u0000-\u001f\u007f\\]/.test(p)) return "contains a control character or backslash";
  if (p.startsWith("/")) return "is absolute";
  const segments = p.split("/");
  if (segments.some((s) => s === "" || s === "." || s === "..")) return "has an empty, . or .. segment";
  if (segments[0]!.startsWith(".") || RESERVED.has(segments[0]!)) return `uses the reserved name ${segments[0]}`;
  return null;
}

/** The bundle's ModSecurity paths must be relative for this layout (see the top of this file). */
export function absoluteInstallDir(files: Record<string, string>): string | null {
  const m = /^\s*modsecurity_rules_file\s+(\/\S*)modsecurity\/main\.conf;/m.exec(files["nginx.conf"] ?? "");
  return m ? m[1]!.replace(/\/$/, "") : null;
}

// ---------------------------------------------------------------------------------------------------
// Controlling nginx

export type EngineControl = {
  /** `nginx -t` on a bundle folder (prefix and working directory = that folder). */
  check(dir: string): Promise<CheckResult>;
  /** The master's PID when nginx runs on DIR, else null. */
  masterPid(dir: string): Promise<number | null>;
  /** Reloads and waits for new workers; ok false with nginx's complaint when it keeps the old config. */
  reload(dir: string, masterPid: number): Promise<{ ok: boolean; message: string }>;
  /** Starts nginx on DIR as a daemon. */
  start(dir: string): Promise<{ ok: boolean; message: string }>;
};

export function nginxControl(engine: EnginePaths, options: { reloadTimeoutMs?: number } = {}): EngineControl {
  const args = (dir: string) => ["-p", `${dir}/`, "-c", "nginx.conf", "-e", path.join(dir, "logs/error.log")];
  return {
    check: (dir) => checkDir(dir, engine),
    async masterPid(dir) {
      const text = await readFile(path.join(dir, "logs/nginx.pid"), "utf8").catch(() => "");
      const pid = Number(text.trim());
      if (!Number.isInteger(pid) || pid <= 0) return null;
      try {
        process.kill(pid, 0);
      } catch {
        return null;
      }
      // A stale pid file can name an unrelated process that reused the PID.
      const cmdline = (() => {
        try {
          return readFileSync(`/proc/${pid}/cmdline`, "utf8");
        } catch {
          return null;
        }
      })();
      return cmdline === null || cmdline.includes("nginx") ? pid : null;
    },
    async reload(dir, masterPid) {
      const before = new Set(childrenOf(masterPid));
      const logSize = await stat(path.join(dir, "logs/error.log")).then((s) => s.size).catch(() => 0);
      const r = await run(engine.nginx, [...args(dir), "-s", "reload"], dir);
      if (r.code !== 0) return { ok: false, message: `nginx -s reload failed: ${r.output.trim()}` };
      // The master answers the signal by starting new workers with the new configuration; if it cannot
      // load it, it logs why and keeps the old workers.
      const deadline = Date.now() + (options.reloadTimeoutMs ?? 15_000);
      while (Date.now() < deadline) {
        if (childrenOf(masterPid).some((pid) => !before.has(pid))) return { ok: true, message: "nginx reloaded" };
        if (before.size === 0) return { ok: true, message: "nginx reloaded (its workers could not be observed)" };
        await abortableSleep(50);
      }
      const log = await readFile(path.join(dir, "logs/error.log"), "utf8").then((t) => t.slice(logSize)).catch(() => "");
      const complaint = log.split("\n").filter((l) => /\[(emerg|alert|crit|error)\]/.test(l)).slice(-3).join(" ");
      return { ok: false, message: `nginx did not start new workers after the reload${complaint ? `: ${complaint}` : ""}` };
    },
    async start(dir) {
      const r = await run(engine.nginx, args(dir), dir);
      if (r.code !== 0) return { ok: false, message: `nginx did not start: ${r.output.trim()}` };
      for (let i = 0; i < 100; i++) {
        if ((await this.masterPid(dir)) !== null) return { ok: true, message: "nginx started" };
        await abortableSleep(50);
      }
      return { ok: false, message: "nginx started but wrote no pid file" };
    },
  };
}

function run(cmd: string, args: string[], cwd: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    child.on("error", (e) => resolve({ code: 127, output: String(e) }));
    child.on("close", (code) => resolve({ code: code ?? 1, output }));
  });
}

// ---------------------------------------------------------------------------------------------------
// Files

async function writeSynced(file: string, text: string): Promise<void> {
  const handle = await open(file, "w", 0o644);
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function isSymlink(p: string): Promise<boolean> {
  return lstat(p).then((s) => s.isSymbolicLink()).catch(() => false);
}

/** Points `link` at `target` atomically: a new symlink renamed over the old one. */
async function swapSymlink(dir: string, link: string, target: string): Promise<void> {
  const temp = path.join(dir, `.link-${randomBytes(6).toString("hex")}`);
  await symlink(target, temp);
  await rename(temp, path.join(dir, link));
  await syncDir(dir);
}

export type InstalledRelease = { revision: number; contentHash: string; release: string };

// ---------------------------------------------------------------------------------------------------
// The agent

export type AgentOptions = {
  panelUrl: string;
  /** Read before every request, so a rotated token in the token file is picked up without a restart. */
  readToken: () => Promise<string>;
  dir: string;
  /** Defaults to nginx as found on this machine (lib/waf/engine.ts). */
  engine?: EngineControl;
  /** Start nginx when it is not running (otherwise the agent reports that it is not). */
  startNginx?: boolean;
  /** How many releases to keep on disk besides the live one. */
  keepReleases?: number;
  fetch?: typeof fetch;
  log?: (line: string) => void;
  /** Longest wait between rounds while the panel fails (default 5 minutes). */
  maxBackoffMs?: number;
  /**
   * Long poll (run loop only): each pull asks the panel to hold it up to this many seconds until a publish
   * (`?wait=`), and the next pull follows at once. 0 turns it off (plain polling every interval).
   */
  longPollSeconds?: number;
  /** For tests: the loop's clock and its jitter. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  random?: () => number;
  /**
   * How often the served certificates are read again while nothing else changes (default 5 minutes): a
   * renewed certificate reaches the panel within that time. They are always read for a new outcome.
   */
  certificateRescanMs?: number;
  now?: () => number;
};

export type CycleOutcome = {
  /** new: a revision was applied or refused; same: nothing new; none: nothing published yet. */
  pulled: "new" | "same" | "none";
  revision: number | null;
  ok: boolean;
  message: string;
  /** True when a status report was sent in this cycle. */
  reported: boolean;
};

export class AgentAuthError extends Error {}
/** The panel answered with a status the agent cannot use (a 5xx while it restarts or its database is down). */
export class PanelHttpError extends Error {
  constructor(
    public readonly status: number,
    public readonly detail: string,
    public readonly retryAfterSeconds: number | null,
  ) {
    super(`the panel answered ${status}: ${detail}`);
  }
}
export class RateLimitedError extends Error {
  constructor(public readonly retryAfterSeconds: number) {
    super(`the panel rate-limits this address; retrying in ${retryAfterSeconds} s`);
  }
}

export class NodeAgent {
  private readonly dir: string;
  private readonly fetch: typeof fetch;
  private readonly log: (line: string) => void;
  private engineControl: EngineControl | null;
  private installed: InstalledRelease | null | undefined = undefined;
  /** The content hash of the last revision tried (applied or refused), sent as If-None-Match. */
  private lastAttempt: string | null = null;
  private lastReport: { revision: number; ok: boolean; certificates: string } | null = null;
  /** When the served certificates were last read (ms); they are read again after certificateRescanMs. */
  private certificatesReadAt = -Infinity;
  private loggedCertificateProblems = "";
  /** The state last written to the log: a line is written only when it changes. */
  private loggedState: string | null = null;

  constructor(private readonly options: AgentOptions) {
    this.dir = path.resolve(options.dir);
    this.fetch = options.fetch ?? globalThis.fetch;
    this.log = options.log ?? ((line) => console.log(`${new Date().toISOString()} ${line}`));
    this.engineControl = options.engine ?? null;
  }

  private engine(): EngineControl | string {
    if (this.engineControl) return this.engineControl;
    const found = findEngine();
    if (!found.available) return found.message;
    this.engineControl = nginxControl(found.paths);
    return this.engineControl;
  }

  /** The release `current` points at, from its metadata file. */
  async readInstalled(): Promise<InstalledRelease | null> {
    const link = await readlink(path.join(this.dir, "current")).catch(() => null);
    if (link === null) return null;
    try {
      const meta = JSON.parse(await readFile(path.join(this.dir, "current", RELEASE_META), "utf8")) as { revision: number; contentHash: string };
      return { revision: meta.revision, contentHash: meta.contentHash, release: path.basename(link) };
    } catch {
      return null;
    }
  }

  private async panel(pathname: string, init: RequestInit = {}, signal?: AbortSignal, holdSeconds = 0): Promise<Response> {
    const token = (await this.options.readToken()).trim();
    const headers = new Headers(init.headers);
    headers.set("authorization", `Bearer ${token}`);
    headers.set("user-agent", "palisade-node-agent");
    const timeout = AbortSignal.timeout(30_000 + holdSeconds * 1000);
    const res = await this.fetch(new URL(pathname, this.options.panelUrl), { ...init, headers, signal: signal ? AbortSignal.any([signal, timeout]) : timeout });
    if (res.status === 401) throw new AgentAuthError("the panel refused the node token (401): check the token file, or rotate the token in the panel");
    if (res.status === 429) throw new RateLimitedError(Number(res.headers.get("retry-after")) || 60);
    return res;
  }

  /**
   * One pull → apply → report round. Throws AgentAuthError, RateLimitedError or a network error. With
   * `waitSeconds` the panel holds the pull until a publish or that many seconds (the long poll).
   */
  async runOnce(signal?: AbortSignal, waitSeconds = 0): Promise<CycleOutcome> {
    if (this.installed === undefined) this.installed = await this.readInstalled();
    const known = this.lastAttempt ?? this.installed?.contentHash ?? null;
    const target = waitSeconds > 0 ? `/api/v1/nodes/config?wait=${waitSeconds}` : "/api/v1/nodes/config";
    // The revision as one gzip file (a 21 MB bundle is 1.6 MB gzipped), compressed once per revision by the
    // panel (lib/nodes/api.ts); a panel that does not offer it answers JSON, which next start gzips per answer
    // (Accept-Encoding; fetch decompresses that itself). Asked for explicitly, so a fetch passed in sends it too.
    const accept = { accept: "application/gzip, application/json;q=0.5", "accept-encoding": "gzip" };
    const res = await this.panel(target, { headers: { ...accept, ...(known ? { "if-none-match": `"${known}"` } : {}) } }, signal, waitSeconds);

    let outcome: Omit<CycleOutcome, "reported">;
    if (res.status === 404) {
      await res.body?.cancel();
      return { pulled: "none", revision: null, ok: true, message: "Nothing has been published yet.", reported: false };
    } else if (res.status === 304) {
      const failedLast = this.lastAttempt !== null && this.lastAttempt !== this.installed?.contentHash;
      if (failedLast || !this.installed) return { pulled: "same", revision: this.lastReport?.revision ?? null, ok: false, message: "Nothing new to apply.", reported: false };
      // Same content; after a rollback to identical content the panel's revision number moved on.
      const revision = Number(res.headers.get("x-palisade-revision")) || this.installed.revision;
      outcome = { pulled: "same", ...(await this.adopt(revision)) };
    } else if (res.status === 200) {
      const parsed = RevisionSchema.safeParse(await readRevisionBody(res));
      if (!parsed.success) throw new Error(`the panel sent a revision this agent cannot read: ${parsed.error.issues[0]?.message}`);
      const pulled = parsed.data;
      if (bundleHash(pulled.files) !== pulled.contentHash) throw new Error(`revision ${pulled.revision} arrived damaged: its files do not match its content hash`);
      this.lastAttempt = pulled.contentHash;
      outcome =
        this.installed && this.installed.contentHash === pulled.contentHash
          ? { pulled: "same", ...(await this.adopt(pulled.revision)) }
          : { pulled: "new", ...(await this.apply(pulled)) };
    } else {
      throw await panelHttpError(res);
    }
    this.logChange(`${outcome.ok ? "ok" : "FAILED"}: ${outcome.message}`);
    const reported = await this.report(outcome, signal);
    return { ...outcome, reported };
  }

  /**
   * Sends the outcome, with the certificates the live release serves, when either differs from what was
   * last sent (the pull itself keeps "last contact" fresh). The certificates are read for every new
   * outcome, and again every certificateRescanMs so that a renewal on disk is reported too.
   */
  private async report(outcome: { revision: number | null; ok: boolean; message: string }, signal?: AbortSignal): Promise<boolean> {
    if (outcome.revision === null) return false;
    const now = (this.options.now ?? Date.now)();
    const sameOutcome = this.lastReport !== null && this.lastReport.revision === outcome.revision && this.lastReport.ok === outcome.ok;
    if (sameOutcome && now - this.certificatesReadAt < (this.options.certificateRescanMs ?? 5 * 60_000)) return false;
    this.certificatesReadAt = now;
    const { certificates, problems } = await scanCertificates(this.dir);
    const problemText = problems.join("; ");
    if (problemText !== this.loggedCertificateProblems) {
      this.loggedCertificateProblems = problemText;
      if (problemText) this.log(`certificates not reported: ${problemText}`);
    }
    const digest = createHash("sha256").update(JSON.stringify(certificates)).digest("hex");
    if (sameOutcome && this.lastReport!.certificates === digest) return false;
    const body = { revision: outcome.revision, ok: outcome.ok, message: outcome.message.slice(0, MAX_MESSAGE), certificates };
    const res = await this.panel("/api/v1/nodes/status", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) }, signal);
    if (!res.ok) {
      this.log(`the panel did not take the status report (${res.status}): ${(await res.text()).slice(0, 300)}`);
      return false;
    }
    await res.body?.cancel();
    this.lastReport = { revision: outcome.revision, ok: outcome.ok, certificates: digest };
    return true;
  }

  /** The installed content is the panel's latest: take its revision number and say whether nginx serves it. */
  private async adopt(revision: number): Promise<{ revision: number; ok: boolean; message: string }> {
    const installed = this.installed!;
    if (installed.revision !== revision) {
      const metaFile = path.join(this.dir, "releases", installed.release, RELEASE_META);
      await writeSynced(`${metaFile}.tmp`, JSON.stringify({ revision, contentHash: installed.contentHash }));
      await rename(`${metaFile}.tmp`, metaFile);
      this.installed = { ...installed, revision };
    }
    const engine = this.engine();
    if (typeof engine === "string") return { revision, ok: false, message: engine };
    const served = await this.ensureRunning(engine);
    return { revision, ok: served.ok, message: served.ok ? `Revision ${revision} is live (${served.message}).` : served.message };
  }

  private async ensureRunning(engine: EngineControl): Promise<{ ok: boolean; message: string }> {
    if ((await engine.masterPid(this.dir)) !== null) return { ok: true, message: "nginx is running" };
    if (this.options.startNginx) return engine.start(this.dir);
    return { ok: false, message: `The bundle is in place, but nginx is not running: start it with cd ${this.dir} && nginx -p ${this.dir}/ -c nginx.conf -e ${this.dir}/logs/error.log` };
  }

  /** Installs a new revision; keeps the live one whenever anything fails. */
  async apply(pulled: PulledRevision): Promise<{ revision: number; ok: boolean; message: string }> {
    const rev = pulled.revision;
    const keep = this.installed ? ` Still serving revision ${this.installed.revision}.` : "";
    const refuse = (why: string) => ({ revision: rev, ok: false, message: `Revision ${rev} was not applied: ${why}.${keep}` });

    for (const p of Object.keys(pulled.files)) {
      const why = unsafeBundlePath(p);
      if (why) return refuse(`the bundle path ${JSON.stringify(p.slice(0, 100))} ${why}`);
    }
    const absolute = absoluteInstallDir(pulled.files);
    if (absolute !== null) {
      return refuse(`it was compiled with absolute ModSecurity paths (${absolute}); agent-managed nodes need relative ones: unset PALISADE_INSTALL_DIR on the panel and publish again`);
    }
    const engine = this.engine();
    if (typeof engine === "string") return refuse(engine);

    await this.prepareDir();
    const topLevel = [...new Set(Object.keys(pulled.files).map((p) => p.split("/")[0]!))].sort();
    const clash = await this.foreignEntry(topLevel);
    if (clash) return refuse(`${path.join(this.dir, clash)} exists and is not a link into current/: move it away`);

    const staging = path.join(this.dir, `.staging-${rev}-${randomBytes(4).toString("hex")}`);
    try {
      await this.writeStaging(staging, pulled, topLevel);
      const check = await engine.check(staging);
      if (!check.ok) return refuse(`nginx -t failed: ${check.errors.map(describe).join("; ") || check.output.trim()}`);

      const release = `${rev}-${pulled.contentHash.slice(0, 12)}`;
      const releaseDir = path.join(this.dir, "releases", release);
      await rm(releaseDir, { recursive: true, force: true });
      await rename(staging, releaseDir);
      await syncDir(path.join(this.dir, "releases"));
      for (const name of topLevel) {
        if (!(await isSymlink(path.join(this.dir, name)))) await swapSymlink(this.dir, name, `current/${name}`);
      }

      const previous = this.installed;
      await swapSymlink(this.dir, "current", `releases/${release}`);
      this.installed = { revision: rev, contentHash: pulled.contentHash, release };

      const master = await engine.masterPid(this.dir);
      let result: { ok: boolean; message: string };
      if (master !== null) {
        const reload = await engine.reload(this.dir, master);
        if (!reload.ok) {
          if (previous) {
            await swapSymlink(this.dir, "current", `releases/${previous.release}`);
            this.installed = previous;
            const back = await engine.reload(this.dir, master);
            return refuse(`${reload.message}; went back to revision ${previous.revision}${back.ok ? "" : ` (and that reload failed too: ${back.message})`}`);
          }
          return { revision: rev, ok: false, message: `Revision ${rev} is in place, but ${reload.message}` };
        }
        result = { ok: true, message: `Revision ${rev} applied: nginx -t passed, nginx reloaded.` };
      } else {
        const started = await this.ensureRunning(engine);
        result = started.ok ? { ok: true, message: `Revision ${rev} applied: nginx -t passed, ${started.message}.` } : { ok: false, message: `Revision ${rev}: ${started.message}` };
      }
      await this.pruneReleases(previous?.release ?? null);
      return { revision: rev, ...result };
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
  }

  private async prepareDir(): Promise<void> {
    for (const sub of ["releases", "certs", ...BUNDLE_DIRECTORIES]) await mkdir(path.join(this.dir, sub), { recursive: true });
  }

  /** A top-level bundle name already taken in DIR by something other than our link into current/. */
  private async foreignEntry(names: string[]): Promise<string | null> {
    for (const name of names) {
      const p = path.join(this.dir, name);
      if (!existsSync(p) && !(await isSymlink(p))) continue;
      const target = await readlink(p).catch(() => null);
      if (target !== `current/${name}`) return name;
    }
    return null;
  }

  private async writeStaging(staging: string, pulled: PulledRevision, topLevel: string[]): Promise<void> {
    await mkdir(staging, { recursive: true });
    const dirs = new Set<string>();
    for (const [rel, text] of Object.entries(pulled.files)) {
      const target = path.join(staging, rel);
      await mkdir(path.dirname(target), { recursive: true });
      dirs.add(path.dirname(target));
      await writeSynced(target, text);
    }
    await writeSynced(path.join(staging, RELEASE_META), JSON.stringify({ revision: pulled.revision, contentHash: pulled.contentHash }));
    for (const sub of BUNDLE_DIRECTORIES) await mkdir(path.join(staging, sub), { recursive: true });
    // The operator's own entries (certs/, say) take part in the check under the same relative names.
    for (const entry of await readdir(this.dir)) {
      if (entry.startsWith(".") || RESERVED.has(entry) || topLevel.includes(entry)) continue;
      const target = await readlink(path.join(this.dir, entry)).catch(() => null);
      if (target?.startsWith("current/")) continue;
      await symlink(path.join(this.dir, entry), path.join(staging, entry));
    }
    for (const d of [...dirs].sort((a, b) => b.length - a.length)) await syncDir(d);
    await syncDir(staging);
  }

  /** Keeps the live release, the one before it, and the newest `keepReleases` others. */
  private async pruneReleases(previous: string | null): Promise<void> {
    const releasesDir = path.join(this.dir, "releases");
    const live = this.installed?.release;
    const entries = await readdir(releasesDir);
    const dated = await Promise.all(entries.map(async (name) => ({ name, mtime: (await stat(path.join(releasesDir, name))).mtimeMs })));
    const others = dated.filter((e) => e.name !== live && e.name !== previous).sort((a, b) => b.mtime - a.mtime);
    for (const old of others.slice(this.options.keepReleases ?? 3)) await rm(path.join(releasesDir, old.name), { recursive: true, force: true });
  }

  /** Writes `line` unless it repeats the state logged last (`key`, when the line carries a changing detail). */
  private logChange(line: string, key: string = line): void {
    if (key === this.loggedState) return;
    this.loggedState = key;
    this.log(line);
  }

  /**
   * Pulls until `signal` aborts; a cycle that has started writing always finishes. With the long poll
   * (longPollSeconds, default off here, 30 s from the CLI) each pull waits at the panel for a publish and
   * the next one follows at once, so a publish reaches the node within moments. When the panel answers a
   * held pull at once without anything new (a panel without the long poll), or a pull fails after being
   * held for a while (a proxy that cuts long requests), the agent falls back to polling every `intervalMs`
   * for the next 10 rounds, then tries the long poll again.
   * While the panel fails, the waits grow exponentially with jitter up to `maxBackoffMs` (a 429's or
   * 503's Retry-After is a minimum); the log gets one line per change of state, not one per round.
   */
  async run(signal: AbortSignal, intervalMs: number): Promise<void> {
    const sleepFor = this.options.sleep ?? abortableSleep;
    const longPoll = this.options.longPollSeconds ?? 0;
    let plainRounds = 0;
    let failures = 0;
    while (!signal.aborted) {
      let wait = intervalMs;
      const hold = longPoll > 0 && plainRounds === 0 ? longPoll : 0;
      if (plainRounds > 0) plainRounds--;
      const started = Date.now();
      try {
        const outcome = await this.runOnce(signal, hold);
        if (failures > 0) this.log(`panel reachable again after ${failures} failed round${failures === 1 ? "" : "s"}`);
        failures = 0;
        if (outcome.pulled === "none") this.logChange(`ok: ${outcome.message}`);
        if (hold > 0) {
          const heldMs = Date.now() - started;
          if (outcome.pulled === "same" && heldMs < Math.min(1000, hold * 500)) {
            plainRounds = 10;
            this.logChange(`the panel answered the long poll at once: polling every ${Math.round(intervalMs / 1000)} s instead`, "long-poll-off");
          } else wait = 0;
        }
      } catch (err) {
        if (signal.aborted) break;
        if (hold > 0 && Date.now() - started > 2000 && !(err instanceof AgentAuthError) && !(err instanceof RateLimitedError)) {
          plainRounds = 10; // held, then cut: something between the node and the panel ends long requests
        }
        failures++;
        wait = nextDelay({ failures, intervalMs, maxMs: this.options.maxBackoffMs ?? 300_000, random: this.options.random ?? Math.random });
        const retryAfter = err instanceof RateLimitedError || err instanceof PanelHttpError ? err.retryAfterSeconds : null;
        if (retryAfter) wait = Math.max(wait, retryAfter * 1000);
        const failure = describeFailure(err, this.options.panelUrl);
        // A failure logged once; the same failure again (only the wait changed) is not repeated.
        this.logChange(`${failure.line}; retrying with backoff, next try in ${Math.round(wait / 100) / 10} s`, failure.key);
      }
      if (wait > 0) await sleepFor(wait, signal);
    }
  }
}

/** The wait after `failures` failed rounds in a row: the interval doubled per failure, capped, with "equal jitter" (half fixed, half random). */
export function nextDelay(o: { failures: number; intervalMs: number; maxMs: number; random: () => number }): number {
  const step = Math.min(o.maxMs, o.intervalMs * 2 ** Math.min(o.failures, 30));
  return Math.round(step / 2 + o.random() * (step / 2));
}

const NETWORK_CODES: Record<string, string> = {
  ECONNREFUSED: "cannot connect to",
  ECONNRESET: "the connection was reset by",
  ETIMEDOUT: "timed out connecting to",
  ENOTFOUND: "cannot resolve the name of",
  EAI_AGAIN: "cannot resolve the name of",
  UND_ERR_SOCKET: "the connection was closed by",
  UND_ERR_CONNECT_TIMEOUT: "timed out connecting to",
};

/** A log line for a failed round, and what identifies that kind of failure (for logging changes only). */
export function describeFailure(err: unknown, panelUrl: string): { line: string; key: string } {
  const url = new URL(panelUrl).toString();
  if (err instanceof PanelHttpError) return { line: `panel error: it answered ${err.status}: ${err.detail}`, key: `http:${err.status}` };
  const cause = (err as { cause?: { code?: string } })?.cause;
  const code = cause?.code;
  if (code && NETWORK_CODES[code]) {
    const what = code === "ECONNRESET" ? `the connection to ${url} was reset` : `${NETWORK_CODES[code]} ${url}`;
    return { line: `panel unreachable: ${what} (${code})`, key: `net:${code}` };
  }
  if ((err as Error)?.name === "TimeoutError") return { line: `panel unreachable: no answer from ${url} within 30 s`, key: "net:timeout" };
  const text = errorText(err);
  return { line: `error: ${text}`, key: `error:${text}` };
}

/** The panel's answer as an error, with its JSON `error` text when it sent one. */
async function panelHttpError(res: Response): Promise<PanelHttpError> {
  const text = (await res.text().catch(() => "")).slice(0, 300);
  let detail = text;
  try {
    detail = (JSON.parse(text) as { error?: string }).error ?? text;
  } catch {
    // not JSON: keep the text
  }
  const retryAfter = Number(res.headers.get("retry-after"));
  return new PanelHttpError(res.status, detail, Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : null);
}

/** fetch's "fetch failed" hides the reason (ECONNREFUSED, a certificate error) in `cause`. */
export function errorText(err: unknown): string {
  const e = err as Error & { cause?: { message?: string; code?: string } };
  const cause = e?.cause?.code ?? e?.cause?.message;
  return `${e?.message ?? String(err)}${cause ? ` (${cause})` : ""}`;
}

function describe(e: CheckError): string {
  const where = [e.file && `${e.file}${e.line ? `:${e.line}` : ""}`, e.vhost && `[${e.vhost}]`].filter(Boolean).join(" ");
  return where ? `${where} ${e.message}` : e.message;
}

/** Waits `ms`, or less when `signal` aborts (the agent stopping). */
export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}

/** One agent per DIR: a pid file made with O_EXCL (a stale one, whose process is gone, is replaced). */
export async function lockDir(dir: string): Promise<() => Promise<void>> {
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, ".agent.pid");
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(file, "wx", 0o644);
      await handle.writeFile(String(process.pid));
      await handle.close();
      return () => unlink(file).catch(() => undefined);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const other = Number((await readFile(file, "utf8").catch(() => "")).trim());
      let alive = false;
      try {
        if (other > 0) {
          process.kill(other, 0);
          alive = true;
        }
      } catch {
        alive = false;
      }
      if (alive) throw new Error(`another agent (pid ${other}) manages ${dir}`);
      await unlink(file).catch(() => undefined);
    }
  }
  throw new Error(`could not lock ${dir}`);
}

const gunzipAsync = promisify(gunzip);

/** A 200 config answer's JSON: a gzip file (Content-Type: application/gzip) or JSON; null when unreadable. */
export async function readRevisionBody(res: Response): Promise<unknown> {
  try {
    if ((res.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase() === "application/gzip") {
      return JSON.parse((await gunzipAsync(Buffer.from(await res.arrayBuffer()))).toString("utf8"));
    }
    return await res.json();
  } catch {
    return null;
  }
}
