// `npm run bench [-- --only a,b,c,d,e,f] [--runs 200] [--warmup 200] [--app-dir DIR] [--base-url URL] [--label before]`
// Measures the panel on the database in DATABASE_URL (fill it with `npm run seed:scale` first) and writes
// each part's table into BENCHMARKS.md:
//   a  audit log list: the panel's query function against the same page as one bare SQL statement
//   b  audited policy update against the same update without audit; 8 concurrent writers
//   c  config compiler at 1,000 / 10,000 / 20,000 vhosts
//   d  node pull API (304 and 200) over HTTP      } against `next start` of the production build in
//   e  server rendering of /vhosts and /audit     } --app-dir (default: this checkout), started here
//   f  first-load JavaScript per route, from that build's manifests
//   g  WAF event ingestion: events/s through POST /api/v1/nodes/events (HTTP to that server, and the handler in-process)
//   h  impact preview: a 5,000-request replay through two revisions in the real engine (no database involved)
//   i  long poll: a publish (from another process) reaching 1,000 nodes waiting on that server (PostgreSQL)
//   j  WAF event ingestion next to the panel: /vhosts SSR while 4 nodes ingest, ingestion during a purge of a day of 1 M old events
//   k  two panel instances on one database: the 304 path split across both, and audited REST writes through both with the
//      chain check after each run, each against one instance alone (PostgreSQL; starts its own two `next start` of --app-dir)
//   l  /events at scale (fill with `npm run seed:scale -- --waf-events N`): list pages against one bare statement, tops and timeline, the SSR pages if a server runs
import os from "node:os";
import path from "node:path";
import { databaseUrl, dialectOf, disconnectDb } from "@/lib/db";
import { auditLogPart } from "./audit-log";
import { bundleSizePart } from "./bundle-size";
import { compilePart } from "./compile";
import { eventListPart } from "./event-list";
import { ingestPart } from "./ingest";
import { ingestLoadPart } from "./ingest-load";
import { longPollPart } from "./long-poll";
import { replayPart } from "./replay";
import { type BenchContext, type BenchOptions, type Part } from "./context";
import { nodeApiPart, renderPart, startServer, type Server } from "./http";
import { assertMigrated as assertDbMigrated } from "@/lib/db/ready";
import { assertMigrated, openRaw, redactUrl } from "@/lib/db/raw";
import { writeSection } from "./report";
import { machine } from "./stats";
import { twoInstancesPart } from "./two-instances";
import { writesPart } from "./writes";

const ALL = ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l"] as const;
type PartName = (typeof ALL)[number];

const USAGE = "usage: npm run bench -- [--only a,b,c,d,e,f,g,h,i,j,k,l] [--runs 200] [--warmup 200] [--app-dir DIR] [--base-url URL] [--label NAME] [--out FILE]";

function parseArgs(argv: string[]) {
  const opts: BenchOptions & { only: PartName[]; out: string } = {
    only: [...ALL],
    runs: 200,
    warmup: 200,
    appDir: process.cwd(),
    baseUrl: null,
    label: null,
    out: path.join(process.cwd(), "BENCHMARKS.md"),
  };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i]!.split("=", 2) as [string, string | undefined];
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value. ${USAGE}`);
      return v;
    };
    const count = (v: string) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} needs a whole number of at least 1, got ${JSON.stringify(v)}`);
      return n;
    };
    if (flag === "--only") {
      const parts = value().split(",").map((s) => s.trim().toLowerCase()).filter(Boolean);
      const bad = parts.filter((p) => !(ALL as readonly string[]).includes(p));
      if (bad.length || parts.length === 0) throw new Error(`--only takes parts among ${ALL.join(",")}; got ${JSON.stringify(bad.join(","))}`);
      opts.only = parts as PartName[];
    } else if (flag === "--runs") opts.runs = count(value());
    else if (flag === "--warmup") opts.warmup = count(value());
    else if (flag === "--app-dir") opts.appDir = path.resolve(value());
    else if (flag === "--base-url") opts.baseUrl = value().replace(/\/$/, "");
    else if (flag === "--label") opts.label = value().replace(/[^\w-]/g, "");
    else if (flag === "--out") opts.out = path.resolve(value());
    else throw new Error(`Unknown argument ${JSON.stringify(argv[i])}. ${USAGE}`);
  }
  return opts;
}

async function main() {
  let opts;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (err) {
    console.error((err as Error).message);
    process.exitCode = 2;
    return;
  }
  const url = databaseUrl();
  const dialect = dialectOf(url);
  const { kind } = dialect;
  // Before opening it: opening a SQLite file that does not exist would create an empty one.
  try {
    await assertDbMigrated(url);
  } catch (err) {
    console.error(`bench cannot run: ${(err as Error).message}`);
    process.exitCode = 2;
    return;
  }
  const raw = await openRaw(url);
  let server: Server | null = null;
  try {
    await assertMigrated(raw, url);
    const dbVersion = await raw.version();
    const [v] = await raw.query<{ n: number }>(`SELECT COUNT(*) AS n FROM "VirtualHost"`);
    const [e] = await raw.query<{ n: number }>(`SELECT COUNT(*) AS n FROM "AuditEvent"`);
    const counts = { vhosts: Number(v!.n), events: Number(e!.n) };
    const ctx: BenchContext = {
      url,
      kind,
      dialect,
      raw,
      options: opts,
      dbVersion,
      counts,
      header: (extra) =>
        [
          `${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC · ${machine()} · ${dbVersion}` +
            ` with ${counts.vhosts.toLocaleString("en")} vhosts and ${counts.events.toLocaleString("en")} audit events` +
            ` · load average at start ${os.loadavg().map((l) => l.toFixed(1)).join(" / ")} (1 / 5 / 15 min)`,
          extra ? `· ${extra}` : "",
        ]
          .filter(Boolean)
          .join(" "),
    };
    console.error(`bench on ${dialect.name} ${redactUrl(url)} (${counts.vhosts} vhosts, ${counts.events} events): parts ${opts.only.join(",")}`);
    const needServer = opts.only.includes("d") || opts.only.includes("e") || opts.only.includes("g") || opts.only.includes("i") || opts.only.includes("j") || opts.only.includes("l");
    const getServer = async (): Promise<Server> => {
      if (!server) {
        console.error(`starting next start in ${opts.appDir} …`);
        // The bench purges old events itself (part j): the server's hourly purge, a minute after its start, would run into it.
        server = await startServer(opts.appDir, url, { PALISADE_EVENT_PURGE: "off" });
      }
      return server;
    };
    const withServer = (part: (c: BenchContext, s: Server) => ReturnType<Part>): Part => async (c) => part(c, await getServer());
    if (opts.baseUrl && needServer) {
      const secret = process.env.BENCH_NEXTAUTH_SECRET;
      if (!secret) throw new Error("--base-url needs BENCH_NEXTAUTH_SECRET (the server's NEXTAUTH_SECRET) to sign a session");
      server = { baseUrl: opts.baseUrl, secret, stop: async () => {} };
    }
    const parts: Record<PartName, Part> = {
      a: auditLogPart,
      b: writesPart,
      c: compilePart,
      d: withServer(nodeApiPart),
      e: withServer(renderPart),
      // The HTML check needs the server; without one (it would not start) the manifests still answer.
      f: async (c) => {
        let s: Server | null = null;
        try {
          s = await getServer();
        } catch (err) {
          console.error(`part f: measuring from the manifests only (${(err as Error).message.split("\n")[0]})`);
        }
        return bundleSizePart(c, s);
      },
      // Without a server (it would not start), the in-process rows still measure the handler.
      g: async (c) => {
        let s: Server | null = null;
        try {
          s = await getServer();
        } catch (err) {
          console.error(`part g: in-process only (${(err as Error).message.split("\n")[0]})`);
        }
        return ingestPart(c, s);
      },
      h: replayPart,
      i: withServer(longPollPart),
      j: withServer(ingestLoadPart),
      k: twoInstancesPart,
      // Without a server (no production build), the in-process rows still measure the queries.
      l: async (c) => {
        let s: Server | null = null;
        try {
          s = await getServer();
        } catch (err) {
          console.error(`part l: in-process only (${(err as Error).message.split("\n")[0]})`);
        }
        return eventListPart(c, s);
      },
    };
    for (const name of opts.only) {
      const started = performance.now();
      console.error(`part ${name} …`);
      try {
        for (const s of await parts[name](ctx)) {
          const key = opts.label ? `${s.key}:${opts.label}` : s.key;
          writeSection(opts.out, { key, title: opts.label ? `${s.title} (${opts.label})` : s.title, body: s.body });
        }
        console.error(`part ${name} done in ${((performance.now() - started) / 1000).toFixed(1)} s → ${path.relative(process.cwd(), opts.out)}`);
      } catch (err) {
        console.error(`part ${name} failed: ${(err as Error).stack ?? err}`);
        process.exitCode = 1;
      }
    }
  } catch (err) {
    console.error(`bench failed: ${(err as Error).message}`);
    process.exitCode = 1;
  } finally {
    await (server as Server | null)?.stop();
    await raw.close();
    await disconnectDb();
  }
}

void main();
