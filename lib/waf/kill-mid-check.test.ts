// kill -9 of the panel in the middle of an engine check: the `nginx -t` child must die with it, and the
// bundle folder it leaves behind must be gone after the next start's cleanup. A child Node process
// starts the check (with a stand-in nginx that takes its time) and is SIGKILLed; both guards are measured.
import { spawn } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cleanStaleWork, processWorkDir } from "./work-dir";

let base = "";
beforeAll(async () => {
  base = await mkdtemp(path.join(os.tmpdir(), "palisade-kill-test-"));
  // A stand-in engine: "nginx" records its pid and sleeps; the module and CRS files only need to exist.
  mkdirSync(path.join(base, "bin"));
  mkdirSync(path.join(base, "crs"));
  writeFileSync(path.join(base, "bin", "nginx"), `#!/bin/sh\necho $$ > "$FAKE_NGINX_PID"\nexec sleep 60\n`);
  chmodSync(path.join(base, "bin", "nginx"), 0o755);
  for (const f of ["module.so", "crs-setup.conf", "unicode.mapping", "crs/REQUEST-901.conf"]) writeFileSync(path.join(base, f), "");
});
afterAll(() => rm(base, { recursive: true, force: true }));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return /State:\s+[^Z]/.test(readFileSync(`/proc/${pid}/status`, "utf8")); // a zombie is dead
  } catch {
    return false;
  }
}

async function until(what: string, check: () => boolean, timeoutMs = 15_000): Promise<number> {
  const started = performance.now();
  while (!check()) {
    if (performance.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
  return performance.now() - started;
}

describe.runIf(process.platform === "linux")("kill -9 of the panel during nginx -t", () => {
  for (const guard of ["setpriv", "shell"] as const) {
    it(`leaves no nginx process (${guard} guard) and no folder after the next start's cleanup`, async () => {
      const workDir = path.join(base, `work-${guard}`);
      const pidFile = path.join(base, `nginx-${guard}.pid`);
      const settings = {
        modsecModulePath: path.join(base, "module.so"),
        crsSetupPath: path.join(base, "crs-setup.conf"),
        crsRulesDir: path.join(base, "crs"),
        unicodeMappingPath: path.join(base, "unicode.mapping"),
      };
      const script = `
        const engine = await import("./lib/waf/engine.ts");
        const { checkBundle } = engine.checkBundle ? engine : engine.default;
        await checkBundle({ files: { "nginx.conf": "events {}\\n" } }, { settings: ${JSON.stringify(settings)} });
      `;
      const panel = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
        cwd: process.cwd(),
        env: { ...process.env, PATH: `${path.join(base, "bin")}:${process.env.PATH}`, PALISADE_WORK_DIR: workDir, PALISADE_CHILD_GUARD: guard, FAKE_NGINX_PID: pidFile },
        stdio: ["ignore", "ignore", "pipe"],
      });
      let stderr = "";
      panel.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
      await until("the check to start nginx", () => existsSync(pidFile) && readFileSync(pidFile, "utf8").trim() !== "").catch((e: Error) => {
        throw new Error(`${e.message}: ${stderr}`);
      });
      const nginxPid = Number(readFileSync(pidFile, "utf8").trim());
      expect(alive(nginxPid)).toBe(true);
      const [debris] = readdirSync(workDir);
      expect(debris).toMatch(new RegExp(`^${panel.pid}-`));
      expect(readdirSync(path.join(workDir, debris!))[0]).toMatch(/^palisade-waf-/);

      const exited = new Promise((resolve) => panel.once("exit", resolve));
      panel.kill("SIGKILL");
      const goneAfterMs = await until("nginx -t to die with the panel", () => !alive(nginxPid), 5000);
      console.log(`${guard}: nginx -t gone ${goneAfterMs.toFixed(0)} ms after kill -9 of the panel`);

      // Reaped first: until then the killed panel is a zombie, which still counts as a running process.
      await exited;
      // The folder stays until the next start cleans it; a running process's folder is left alone.
      expect(existsSync(path.join(workDir, debris!))).toBe(true);
      process.env.PALISADE_WORK_DIR = workDir;
      try {
        const own = await processWorkDir();
        const removed = await cleanStaleWork();
        expect(removed).toEqual([path.join(workDir, debris!)]);
        expect(readdirSync(workDir)).toEqual([path.basename(own)]);
      } finally {
        delete process.env.PALISADE_WORK_DIR;
      }
    }, 30_000);
  }

  it("a process that exits normally removes its own folder", async () => {
    const workDir = path.join(base, "work-exit");
    const script = `
      const wd = await import("./lib/waf/work-dir.ts");
      const { makeWorkDir } = wd.makeWorkDir ? wd : wd.default;
      console.log(await makeWorkDir("palisade-waf-"));
    `;
    const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      cwd: process.cwd(),
      env: { ...process.env, PALISADE_WORK_DIR: workDir },
      stdio: ["ignore", "pipe", "inherit"],
    });
    let made = "";
    child.stdout!.on("data", (d: Buffer) => (made += d.toString()));
    await new Promise((r) => child.once("exit", r));
    expect(made.trim().startsWith(workDir)).toBe(true);
    expect(readdirSync(workDir)).toEqual([]);
  });

  it("runs the cleanup when the server starts (instrumentation.ts)", async () => {
    const workDir = path.join(base, "work-start");
    mkdirSync(path.join(workDir, "999999999-0123abcd", "palisade-waf-x"), { recursive: true });
    process.env.PALISADE_WORK_DIR = workDir;
    const runtime = process.env.NEXT_RUNTIME;
    process.env.NEXT_RUNTIME = "nodejs";
    try {
      const { register } = await import("@/instrumentation");
      await register();
      expect(existsSync(path.join(workDir, "999999999-0123abcd"))).toBe(false);
    } finally {
      delete process.env.PALISADE_WORK_DIR;
      if (runtime === undefined) delete process.env.NEXT_RUNTIME;
      else process.env.NEXT_RUNTIME = runtime;
    }
  });
});
