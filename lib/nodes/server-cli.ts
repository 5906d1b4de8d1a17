// node-api — the node API on a port of its own, apart from the panel's UI (lib/nodes/server.ts).
//
//   npm run node-api -- [--port 3001] [--host 0.0.0.0] [--nice 0-19] [--events-only] [--workers 1-64]
//
// Serves GET /api/v1/nodes/config (long poll included), POST /api/v1/nodes/status and POST /api/v1/nodes/events
// with the panel's own handlers, on the database in DATABASE_URL (PostgreSQL only). --events-only serves
// POST /api/v1/nodes/events alone, on PostgreSQL or on the panel's SQLite file (lib/nodes/server.ts says why). Run it next to the panel
// instances and send /api/v1/nodes/ to it from the load balancer (deploy/nginx-lb.conf); any number of them may
// run. Honours PALISADE_TRUSTED_PROXIES, PALISADE_EVENT_STORE_CONCURRENCY (event batches stored at once, default 1)
// and LOG_LEVEL as the panel does. Like the panel, it purges WAF events older than the retention hourly
// (PALISADE_EVENT_PURGE=off turns that off; on SQLite, set it on the panel instead, so that the purge takes turns
// with this process's ingestion rather than holding the one write lock from another process).
// --nice N lowers this process's CPU priority (setpriority; lowering needs no privilege): where it shares
// cores with a panel, the panel's pages are scheduled first and the nodes' event batches take what is left
// (BENCHMARKS.md, section j). Its database work is done by PostgreSQL's processes, which it cannot renice.
// --workers N (PostgreSQL only) runs N processes on the one port (node:cluster: the first process accepts each
// connection and hands it to the next worker in turn). One process parses, validates and formats a batch on one
// thread, so on its own it keeps one core busy at most; N of them use N cores. Each worker has its own database
// pool, its own store turn (PALISADE_EVENT_STORE_CONCURRENCY counts per worker) and its own per-node limit of
// batches in flight, as N separate node-API processes would; only the first worker purges. A worker that dies
// is replaced; one that cannot start stops them all (exit as it did). SQLite refuses it: the file takes one
// writer at a time, so more processes only wait on each other's lock (BENCHMARKS.md g).
// SIGTERM / SIGINT: stop accepting, end held long polls, close the database connections, exit 0 (the first
// process passes the signal to its workers and exits when they have).
import cluster, { type Worker } from "node:cluster";
import net from "node:net";
import os from "node:os";
import { disconnectDb } from "@/lib/db";
import { assertMigrated } from "@/lib/db/ready";
import { closeSignals, signalsReachOtherProcesses } from "@/lib/db/signal";
import { eventStoreConcurrency } from "@/lib/events/ingest";
import { eventPurgeDuty, eventPurgeEnabled, eventRetentionDays, startEventPruning } from "@/lib/events/retention";
import { NodeApiServerRefused, parseNodeApiArgs, startNodeApiServer, type NodeApiOptions } from "./server";

/** Set by the first process in each worker it forks: whether this worker runs the hourly purge. */
const PURGING_WORKER_ENV = "PALISADE_NODE_API_PURGES";

type WorkerMessage = { listening: string } | { failed: number };

async function main(): Promise<void> {
  let options: NodeApiOptions;
  try {
    options = parseNodeApiArgs(process.argv.slice(2));
    if (options.nice > 0) os.setPriority(0, options.nice);
    eventStoreConcurrency(); // a value that does not parse stops the start, not the first batch
    eventRetentionDays();
    eventPurgeDuty();
    eventPurgeEnabled();
    if (options.workers > 1 && !signalsReachOtherProcesses()) {
      throw new NodeApiServerRefused(
        "--workers needs PostgreSQL: a SQLite file takes one writer at a time, so more processes would only wait on each other's lock. Run one (--workers 1).",
      );
    }
    if (cluster.isPrimary) await assertMigrated();
  } catch (err) {
    console.error(`node-api cannot start: ${(err as Error).message}`);
    await disconnectDb();
    process.exit(64);
  }
  if (options.workers > 1 && cluster.isPrimary) return runWorkers(options);
  let server;
  try {
    server = await startNodeApiServer(options);
  } catch (err) {
    console.error(`node-api cannot start: ${(err as Error).message}`);
    await disconnectDb();
    const code = err instanceof NodeApiServerRefused ? 64 : 1;
    if (cluster.isWorker) process.send?.({ failed: code } satisfies WorkerMessage);
    process.exit(code);
  }
  // The process that stores events purges them too (hourly, unless PALISADE_EVENT_PURGE is off), taking turns
  // with its own ingestion on SQLite (lib/events/retention.ts); of several workers, the first.
  const purges = cluster.isPrimary || process.env[PURGING_WORKER_ENV] === "1";
  if (purges) startEventPruning();
  if (cluster.isWorker) process.send?.({ listening: server.url } satisfies WorkerMessage);
  else console.log(JSON.stringify({ level: "info", msg: "node API listening", url: server.url, nice: os.getPriority(0), eventsOnly: options.eventsOnly, purge: eventPurgeEnabled(), workers: 1 }));
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await server.close();
    await closeSignals();
    await disconnectDb();
    process.exit(0);
  };
  process.on("SIGTERM", () => void stop());
  process.on("SIGINT", () => void stop());
  // A worker whose first process has gone (killed with SIGKILL) stops too, rather than serve on unsupervised.
  if (cluster.isWorker) process.on("disconnect", () => void stop());
}

function freePort(hostname: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once("error", reject);
    probe.listen(0, hostname, () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/** The first process of `--workers N`: forks the workers, says when all listen, replaces one that dies, passes SIGTERM on. */
async function runWorkers(options: NodeApiOptions): Promise<void> {
  await disconnectDb(); // assertMigrated's connection; the workers open their own
  // Port 0: one free port for all of them (workers that each asked for port 0 could each get their own).
  if (options.port === 0) options = { ...options, port: await freePort(options.hostname) };
  let stopping = false;
  let started = false;
  const fork = (purges: boolean): Worker => {
    const worker = cluster.fork({ [PURGING_WORKER_ENV]: purges ? "1" : "0" });
    worker.on("message", (m: WorkerMessage) => {
      if ("failed" in m && !started && !stopping) stopAll(m.failed);
    });
    worker.on("exit", (code, signal) => {
      if (stopping) {
        if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(exitCode);
        return;
      }
      if (!started) return stopAll(code || 1);
      console.error(JSON.stringify({ level: "error", msg: "node API worker exited; starting another", pid: worker.process.pid, code, signal }));
      fork(purges);
    });
    return worker;
  };
  let exitCode = 0;
  const stopAll = (code: number) => {
    if (stopping) return;
    stopping = true;
    exitCode = code;
    const workers = Object.values(cluster.workers ?? {});
    if (workers.length === 0) process.exit(exitCode);
    for (const w of workers) w?.process.kill("SIGTERM");
  };
  process.on("SIGTERM", () => stopAll(0));
  process.on("SIGINT", () => stopAll(0));
  cluster.setupPrimary({ args: [...process.argv.slice(2), "--port", String(options.port)] });
  const workers = Array.from({ length: options.workers }, (_, i) => fork(i === 0));
  const urls = await Promise.all(
    workers.map((w) => new Promise<string>((resolve) => w.on("message", (m: WorkerMessage) => "listening" in m && resolve(m.listening)))),
  );
  if (stopping) return;
  started = true;
  console.log(JSON.stringify({ level: "info", msg: "node API listening", url: urls[0], nice: os.getPriority(0), eventsOnly: options.eventsOnly, purge: eventPurgeEnabled(), workers: options.workers }));
}

void main();
