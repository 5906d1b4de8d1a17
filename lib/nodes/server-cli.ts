// node-api — the node API on a port of its own, apart from the panel's UI (lib/nodes/server.ts).
//
//   npm run node-api -- [--port 3001] [--host 0.0.0.0]
//
// Serves GET /api/v1/nodes/config (long poll included), POST /api/v1/nodes/status and POST /api/v1/nodes/events
// with the panel's own handlers, on the database in DATABASE_URL (PostgreSQL only). Run it next to the panel
// instances and send /api/v1/nodes/ to it from the load balancer (deploy/nginx-lb.conf); any number of them may
// run. Honours PALISADE_TRUSTED_PROXIES and LOG_LEVEL as the panel does.
// SIGTERM / SIGINT: stop accepting, end held long polls, close the database connections, exit 0.
import { disconnectDb } from "@/lib/db";
import { assertMigrated } from "@/lib/db/ready";
import { closeSignals } from "@/lib/db/signal";
import { NodeApiServerRefused, parseNodeApiArgs, startNodeApiServer } from "./server";

async function main(): Promise<void> {
  let options: { port: number; hostname: string };
  try {
    options = parseNodeApiArgs(process.argv.slice(2));
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
  console.log(JSON.stringify({ level: "info", msg: "node API listening", url: server.url }));
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
