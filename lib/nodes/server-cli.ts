// node-api — the node API on a port of its own, apart from the panel's UI (lib/nodes/server.ts).
//
//   npm run node-api -- [--port 3001] [--host 0.0.0.0] [--nice 0-19] [--events-only]
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
// SIGTERM / SIGINT: stop accepting, end held long polls, close the database connections, exit 0.
import os from "node:os";
import { disconnectDb } from "@/lib/db";
import { assertMigrated } from "@/lib/db/ready";
import { closeSignals } from "@/lib/db/signal";
import { eventStoreConcurrency } from "@/lib/events/ingest";
import { eventPurgeDuty, eventPurgeEnabled, eventRetentionDays, startEventPruning } from "@/lib/events/retention";
import { NodeApiServerRefused, parseNodeApiArgs, startNodeApiServer, type NodeApiOptions } from "./server";

async function main(): Promise<void> {
  let options: NodeApiOptions;
  try {
    options = parseNodeApiArgs(process.argv.slice(2));
    if (options.nice > 0) os.setPriority(0, options.nice);
    eventStoreConcurrency(); // a value that does not parse stops the start, not the first batch
    eventRetentionDays();
    eventPurgeDuty();
    eventPurgeEnabled();
    await assertMigrated();
  } catch (err) {
    console.error(`node-api cannot start: ${(err as Error).message}`);
    await disconnectDb();
    process.exit(64);
  }
  let server;
  try {
    server = await startNodeApiServer(options);
  } catch (err) {
    console.error(`node-api cannot start: ${(err as Error).message}`);
    await disconnectDb();
    process.exit(err instanceof NodeApiServerRefused ? 64 : 1);
  }
  // The process that stores events purges them too (hourly, unless PALISADE_EVENT_PURGE is off), taking turns
  // with its own ingestion on SQLite (lib/events/retention.ts).
  startEventPruning();
  console.log(JSON.stringify({ level: "info", msg: "node API listening", url: server.url, nice: os.getPriority(0), eventsOnly: options.eventsOnly, purge: eventPurgeEnabled() }));
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
}

void main();
