// Runs a written bundle under the real nginx: for the impact preview's replay (lib/replay) and the engine
// tests. Started unprivileged in its folder, in the foreground, stopped by its own PID (its workers too),
// and killed with the process when that exits without stopping it. The agent never starts nginx: the node's
// service manager does (lib/agent).
import { spawn, type ChildProcess } from "node:child_process";
import { readFile } from "node:fs/promises";
import net from "node:net";
import path from "node:path";
import { childrenOf, diesWithParent, requireEngine, type EnginePaths } from "@/lib/waf/engine";

export type RunningNginx = {
  pid: number;
  dir: string;
  /** Stops nginx (SIGTERM, then SIGKILL for the master and its workers after `graceMs`). Idempotent. */
  stop(graceMs?: number): Promise<void>;
  errorLog(): Promise<string>;
  /** The JSON audit log (SecAuditLogFormat JSON), one transaction per entry. */
  auditLog(): Promise<AuditTransaction[]>;
};

export type AuditTransaction = {
  unique_id: string;
  client_ip: string;
  request: { method: string; uri: string; headers: Record<string, string> };
  response: { http_code: number };
  messages: { message: string; details: { ruleId: string; data: string; tags?: string[] } }[];
};

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

/**
 * Starts nginx on a written bundle in the foreground (daemon off) and waits until `port` on `host`
 * accepts connections. Rejects with nginx's output when it exits first (a port in use, say).
 */
export async function startNginx(
  dir: string,
  options: {
    port: number;
    host?: string;
    timeoutMs?: number;
    engine?: EnginePaths;
    /**
     * One process, no master and workers (`master_process off`), killed by the kernel when this process
     * goes (diesWithParent): nothing of it can outlive the caller, whatever way the caller ends.
     */
    singleProcess?: boolean;
  },
): Promise<RunningNginx> {
  const engine = options.engine ?? requireEngine();
  installExitHook();
  const args = ["-p", `${dir}/`, "-c", "nginx.conf", "-e", path.join(dir, "logs/error.log"), "-g", options.singleProcess ? "daemon off; master_process off;" : "daemon off;"];
  const [cmd, argv, stdin] = options.singleProcess ? diesWithParent(engine.nginx, args) : [engine.nginx, args, "ignore" as const];
  const child = spawn(/*turbopackIgnore: true*/ cmd, argv, {
    cwd: dir,
    stdio: [stdin, "pipe", "pipe"],
  });
  running.add(child);
  let output = "";
  child.stdout!.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (output += d.toString()));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.once("exit", () => running.delete(child));

  const stop = async (graceMs = 5000) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const workers = childrenOf(child.pid!);
    child.kill("SIGTERM");
    const timedOut = await Promise.race([exited.then(() => false), sleep(graceMs).then(() => true)]);
    if (timedOut) {
      for (const pid of [...workers, ...childrenOf(child.pid!)]) killQuietly(pid);
      child.kill("SIGKILL");
      await exited;
    }
  };

  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      const log = await readFile(path.join(dir, "logs/error.log"), "utf8").catch(() => "");
      throw new Error(`nginx exited during startup (${child.exitCode ?? child.signalCode}): ${(output + log).trim().slice(-2000)}`);
    }
    if (await canConnect(options.host ?? "127.0.0.1", options.port)) break;
    if (Date.now() > deadline) {
      await stop(1000);
      throw new Error(`nginx did not accept connections on port ${options.port} within ${options.timeoutMs ?? 30_000} ms: ${output.trim()}`);
    }
    await sleep(20);
  }

  return {
    pid: child.pid!,
    dir,
    stop,
    errorLog: () => readFile(path.join(dir, "logs/error.log"), "utf8"),
    auditLog: async () => {
      const text = await readFile(path.join(dir, "logs/modsec_audit.log"), "utf8").catch(() => "");
      return text
        .split("\n")
        .filter((l) => l.trim().startsWith("{"))
        .map((l) => (JSON.parse(l) as { transaction: AuditTransaction }).transaction);
    },
  };
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Last resort when a test run dies without its afterAll: never leave an nginx behind.
  process.once("exit", () => {
    for (const child of running) {
      for (const pid of childrenOf(child.pid!)) killQuietly(pid);
      child.kill("SIGKILL");
    }
  });
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    // already gone
  }
}

function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

/** A port that was free a moment ago (the kernel picks it); callers retry if nginx loses the race. */
export function freePort(host = "127.0.0.1"): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, host, () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
