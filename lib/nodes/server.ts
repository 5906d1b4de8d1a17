// The node API on a port of its own (`npm run node-api`): the same route handlers as app/api/v1/nodes/*
// (lib/nodes/api.ts, lib/events/api.ts: web Request → Response functions), served by a plain Node HTTP
// server (srvx) instead of Next's request pipeline. Next's routing, rendering context and per-answer
// compression cost about 2 ms of CPU per request on this 2-core machine — the handler itself takes
// 0.03–0.2 ms for a 304 — so the thousands of nodes polling a deployment are better served apart from
// the admin UI (BENCHMARKS.md d). A load balancer sends /api/v1/nodes/ here (deploy/nginx-lb.conf).
//
// All three routes need PostgreSQL: a publish made by a panel process wakes this process's long polls and
// drops its kept revision head through NOTIFY (lib/db/signal.ts); on SQLite signals do not leave the process
// that committed, so nodes use the panel's own routes there. `--events-only` serves only POST /events, which
// needs no signal (each batch authenticates its token in the database, lib/nodes/api.ts nodeToken): on
// SQLite it takes the nodes' event batches off the panel's one thread (better-sqlite3 is synchronous, so a
// panel that stores batches renders its pages between them), on the same database file. SQLite allows one
// writer at a time across processes and no queue for its lock; each side waits for the other's on timers
// (lib/db/sqlite-lock.ts), and between two batches this process parses and validates the next, so the
// panel's writes find the lock free within a few tries (test: server.int.test.ts, 9–180 ms while 2 nodes
// send 2 batches each back to back).
import cluster from "node:cluster";
import { serve } from "srvx";
import { postNodeEvents } from "@/lib/events/api";
import { installPeerAddressStamp, trustedProxies } from "@/lib/http/client-address";
import { signalsReachOtherProcesses } from "@/lib/db/signal";
import { getNodeConfig, postNodeStatus } from "./api";

type Handler = (request: Request) => Promise<Response>;

/** The node API's routes; everything else on this port is a 404 that says what the port is for. */
export const NODE_API_ROUTES: Readonly<Record<string, Readonly<Partial<Record<string, Handler>>>>> = {
  "/api/v1/nodes/config": { GET: getNodeConfig },
  "/api/v1/nodes/status": { POST: postNodeStatus },
  "/api/v1/nodes/events": { POST: postNodeEvents },
};

/** `--events-only`: the event batches alone (the one route that needs no signal between processes). */
export const EVENTS_ONLY_ROUTES: typeof NODE_API_ROUTES = { "/api/v1/nodes/events": { POST: postNodeEvents } };

const JSON_HEADERS = { "content-type": "application/json", "cache-control": "no-store" };

/** Routes one request to its handler: the same answers as the panel's routes, 404/405 for anything else. */
export function nodeApiFetch(request: Request, routes: typeof NODE_API_ROUTES = NODE_API_ROUTES): Promise<Response> | Response {
  const { pathname } = new URL(request.url);
  // For a load balancer's or orchestrator's health check: the process answers (no database read).
  if (pathname === "/healthz" && request.method === "GET") return new Response("ok\n", { headers: { "content-type": "text/plain", "cache-control": "no-store" } });
  const route = routes[pathname.length > 1 ? pathname.replace(/\/$/, "") : pathname];
  if (!route) {
    const only = routes === NODE_API_ROUTES ? "the node API only" : "only";
    const error = `Not found. This port serves ${only}: ${Object.keys(routes).join(", ")}.`;
    return new Response(JSON.stringify({ error }), { status: 404, headers: JSON_HEADERS });
  }
  const handler = route[request.method];
  if (!handler) {
    const allow = Object.keys(route).join(", ");
    return new Response(JSON.stringify({ error: `${request.method} is not allowed here; use ${allow}.` }), { status: 405, headers: { ...JSON_HEADERS, allow } });
  }
  return handler(request);
}

export const NODE_API_USAGE = "Usage: npm run node-api -- [--port 3001] [--host 0.0.0.0] [--nice 0-19] [--events-only] [--workers 1-64]";

export const MAX_NODE_API_WORKERS = 64;

export type NodeApiOptions = { port: number; hostname: string; nice: number; eventsOnly: boolean; workers: number };

/**
 * The parsed command line; `nice` (0–19, default 0) is the process's scheduling niceness, `workers` (default 1)
 * how many processes share the port (see server-cli.ts).
 */
export function parseNodeApiArgs(argv: string[]): NodeApiOptions {
  const out = { port: 3001, hostname: "0.0.0.0", nice: 0, eventsOnly: false, workers: 1 };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[i + 1];
    if (flag === "--events-only") {
      out.eventsOnly = true;
    } else if (flag === "--port" && value !== undefined) {
      if (!/^\d{1,5}$/.test(value) || Number(value) > 65535) throw new Error(`--port takes a port number (0–65535), not '${value}'. ${NODE_API_USAGE}`);
      out.port = Number(value);
      i++;
    } else if (flag === "--nice" && value !== undefined) {
      if (!/^\d{1,2}$/.test(value) || Number(value) > 19) throw new Error(`--nice takes a niceness from 0 (as the panel) to 19 (only idle CPU), not '${value}'. ${NODE_API_USAGE}`);
      out.nice = Number(value);
      i++;
    } else if (flag === "--workers" && value !== undefined) {
      if (!/^\d{1,2}$/.test(value) || Number(value) < 1 || Number(value) > MAX_NODE_API_WORKERS) {
        throw new Error(`--workers takes a number of processes from 1 to ${MAX_NODE_API_WORKERS}, not '${value}'. ${NODE_API_USAGE}`);
      }
      out.workers = Number(value);
      i++;
    } else if (flag === "--host" && value !== undefined && value !== "") {
      out.hostname = value;
      i++;
    } else {
      throw new Error(`Unknown or incomplete option '${flag}'. ${NODE_API_USAGE}`);
    }
  }
  return out;
}

export class NodeApiServerRefused extends Error {}

export type RunningNodeApi = { url: string; port: number; close(): Promise<void> };

/**
 * Starts the node-API server. Refuses (NodeApiServerRefused) on a database whose signals stay in one process
 * (SQLite) unless it serves the events only, and on a PALISADE_TRUSTED_PROXIES that does not parse, as the
 * panel does at its start.
 */
export async function startNodeApiServer(options: { port: number; hostname: string; eventsOnly?: boolean }): Promise<RunningNodeApi> {
  if (!options.eventsOnly && !signalsReachOtherProcesses()) {
    throw new NodeApiServerRefused(
      "The separate node-API server needs PostgreSQL: on SQLite a publish signals only the panel process that made it, " +
        "so this process would hold long polls past a publish. With SQLite, nodes use the panel's own /api/v1/nodes routes; " +
        "`--events-only` serves their event batches (POST /api/v1/nodes/events) on SQLite too.",
    );
  }
  try {
    trustedProxies();
  } catch (err) {
    throw new NodeApiServerRefused((err as Error).message);
  }
  // The socket's address, as in the panel (instrumentation.ts): the failure limiter and the node's last address need it.
  installPeerAddressStamp();
  const routes = options.eventsOnly ? EVENTS_ONLY_ROUTES : NODE_API_ROUTES;
  // srvx listens exclusively unless told to share: in a node:cluster worker (--workers) the port is shared.
  const server = serve({ port: options.port, hostname: options.hostname, fetch: (request) => nodeApiFetch(request, routes), silent: true, gracefulShutdown: false, reusePort: cluster.isWorker });
  await server.ready();
  const address = server.node?.server?.address();
  const port = typeof address === "object" && address ? address.port : options.port;
  const host = options.hostname.includes(":") ? `[${options.hostname}]` : options.hostname;
  return {
    url: `http://${host}:${port}`,
    port,
    async close() {
      await server.close(true);
    },
  };
}
