// Temporary work (bundles written for `nginx -t`, placeholder certificates) lives in one folder the panel
// owns, one subfolder per process: <root>/<pid>-<random>/. A process killed with SIGKILL cannot clean up
// after itself, so each start removes the subfolders of processes that no longer run (instrumentation.ts).
//
//   root = PALISADE_WORK_DIR, else <os temp dir>/palisade-work-<uid>
//
// The root must be a real directory owned by this user (not a symlink someone else planted in /tmp).
// It is 0755, like the bundle folders: run as root, nginx's workers become "nobody" and must reach them.
import { randomBytes } from "node:crypto";
import { lstatSync, rmSync } from "node:fs";
import { mkdir, mkdtemp, readdir, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";

export function workRoot(): string {
  const configured = process.env.PALISADE_WORK_DIR?.trim();
  return path.resolve(/*turbopackIgnore: true*/ configured || path.join(os.tmpdir(), `palisade-work-${process.getuid?.() ?? "user"}`));
}

async function ownedRoot(): Promise<string> {
  const root = workRoot();
  await mkdir(root, { recursive: true, mode: 0o755 });
  const st = lstatSync(root);
  if (!st.isDirectory() || (process.getuid && st.uid !== process.getuid())) {
    throw new Error(`${root} must be a directory owned by this user (set PALISADE_WORK_DIR to another folder)`);
  }
  return root;
}

let mine: { root: string; dir: Promise<string> } | undefined;

/** This process's folder under the work root, made on first use. */
export function processWorkDir(): Promise<string> {
  const root = workRoot();
  if (mine?.root !== root) {
    const dir = ownedRoot().then(async (r) => {
      const d = path.join(r, `${process.pid}-${randomBytes(4).toString("hex")}`);
      await mkdir(d, { mode: 0o755 });
      // A process that ends normally takes its folder with it; a killed one leaves it to cleanStaleWork.
      process.once("exit", () => rmSync(d, { recursive: true, force: true }));
      return d;
    });
    dir.catch(() => (mine = undefined));
    mine = { root, dir };
  }
  return mine.dir;
}

/** A new empty folder for temporary work, under this process's folder. */
export async function makeWorkDir(prefix: string): Promise<string> {
  return mkdtemp(path.join(await processWorkDir(), prefix));
}

function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM"; // alive, someone else's
  }
}

/** Removes the folders of panel processes that no longer run; returns what it removed. */
export async function cleanStaleWork(): Promise<string[]> {
  const root = workRoot();
  const entries = await readdir(root).catch(() => [] as string[]);
  const removed: string[] = [];
  for (const name of entries) {
    const m = /^(\d+)-[0-9a-f]{8}$/.exec(name);
    if (!m) continue;
    const pid = Number(m[1]);
    if (pid === process.pid || running(pid)) continue;
    await rm(path.join(root, name), { recursive: true, force: true });
    removed.push(path.join(root, name));
  }
  return removed;
}
