// SQLite's WAL checkpoints on a thread of their own.
//
// In WAL mode a commit appends pages to the log; a checkpoint copies them back into the database file and
// syncs both (synchronous = NORMAL: the only fsyncs there are). SQLite runs it inside the commit that
// fills the log past wal_autocheckpoint — on the panel's one thread, since better-sqlite3 is synchronous —
// so every few thousand pages one commit (a WAF event batch, an admin's save) stalls the whole server for
// as long as the disk takes to sync tens of megabytes. Here the panel's connection checkpoints only as a
// safety net (a log of CHECKPOINT_SAFETY_PAGES), and a worker thread with its own connection runs a PASSIVE checkpoint
// every EVERY_MS: it never waits for readers or the writer, and the writer goes on appending meanwhile.
// Same syncs, same durability; they no longer hold the event loop.
import { createRequire } from "node:module";
import path from "node:path";
import { Worker } from "node:worker_threads";

/** How often the worker checkpoints. */
export const CHECKPOINT_EVERY_MS = 500;
/** The panel's own connection still checkpoints when the log reaches this many pages (the worker gone or behind). */
export const CHECKPOINT_SAFETY_PAGES = 50_000;

// Plain CommonJS, run by the worker as given (eval): no bundler sees it, and the driver is the app's own.
const WORKER = `
const { workerData, parentPort } = require("node:worker_threads");
const Database = require(workerData.driver);
const db = new Database(workerData.file, { fileMustExist: true });
db.pragma("busy_timeout = 0");
const timer = setInterval(() => {
  try { db.pragma("wal_checkpoint(PASSIVE)"); } catch {}
}, workerData.everyMs);
parentPort.once("message", () => { clearInterval(timer); db.close(); parentPort.close(); });
`;

export type Checkpointer = { stop(): Promise<void> };

/**
 * Starts the worker on `file` (the database file, WAL mode). Null when it cannot start; `lost` is called if
 * it stops on its own (an error): either way the caller's connection goes on checkpointing itself.
 */
export function startCheckpointer(file: string, lost: () => void): Checkpointer | null {
  let driver: string;
  try {
    driver = createRequire(path.join(process.cwd(), "package.json")).resolve("better-sqlite3");
  } catch {
    return null;
  }
  const worker = new Worker(WORKER, { eval: true, workerData: { driver, file, everyMs: CHECKPOINT_EVERY_MS } });
  worker.unref(); // never what keeps the process running
  let stopping = false;
  worker.on("error", () => {});
  worker.once("exit", () => {
    if (!stopping) lost();
  });
  return {
    async stop() {
      stopping = true;
      const exited = new Promise((resolve) => worker.once("exit", resolve));
      worker.postMessage("stop");
      await Promise.race([exited, new Promise((r) => setTimeout(r, 2000))]);
      await worker.terminate();
    },
  };
}
