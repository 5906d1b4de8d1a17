// node:agent — runs the node agent (lib/agent/agent.ts) on a WAF node.
//
//   npm run node:agent -- --panel URL --token-file FILE --dir DIR [--once] [--interval 10] [--long-poll 30] [--start-nginx] [--keep 3] [--insecure]
//                          [--no-events] [--events-to URL] [--secret-names password,token,...]
//
// --panel        the panel's base URL (https://panel.example.com). A plain http:// URL is refused unless
//                it is a loopback address (127.0.0.0/8, [::1], localhost: a panel on the same machine or
//                an SSH tunnel) or --insecure is given: the node's token and the whole bundle would cross
//                the network in clear, and anyone on the path could feed the node a configuration.
// --insecure     accept a plain http:// panel URL anyway (a lab, a trusted private link)
// --token-file   a file holding the node's token (chmod 600; read before every request, so a rotated
//                token is picked up without a restart)
// --dir          the node's directory (layout: lib/agent/agent.ts); nginx runs with it as prefix and
//                working directory: cd DIR && nginx -p DIR/ -c nginx.conf -e DIR/logs/error.log
// --once         one round, then exit: 0 applied or nothing new, 1 not applied, 3 token refused, 4 other error
// --interval     seconds between pulls when the long poll is off or cut (default 10)
// --long-poll    seconds the panel may hold each pull until a publish (default 30; 0: plain polling every
//                --interval). Falls back to --interval polling on its own where a proxy cuts long requests.
// --start-nginx  start nginx when it is not running
// --keep         releases kept on disk besides the live one and the one before it (default 3)
// --no-events    do not ship WAF events. By default the agent also tails DIR/logs/modsec_audit.log (it waits
//                for the file to appear) and ships each logged transaction, redacted, to the panel
//                (lib/agent/events.ts); with --once it ships what is logged so far, once (a failure there
//                is reported; the exit code stays the configuration round's)
// --events-to    base URL the WAF events go to instead of --panel (the same rules for plain http://): an
//                events-only node-API server (`npm run node-api -- --events-only`, README "Scaling out"), which
//                takes the batches off the panel's thread — on SQLite too — without a load balancer to split paths
// --secret-names comma-separated argument-name words whose values are redacted before events leave the
//                node; replaces the default list (lib/events/redact.ts DEFAULT_SECRET_NAMES)
//
// SIGTERM and SIGINT stop the loop after the current round (a round that is writing files finishes);
// nginx keeps running: the agent manages its configuration, not its lifetime.
import { statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { AgentAuthError, errorText, lockDir, NodeAgent } from "./agent";
import { EventShipper } from "./events";

const USAGE =
  "Usage: npm run node:agent -- --panel URL --token-file FILE --dir DIR [--once] [--interval 10] [--long-poll 30] [--start-nginx] [--keep 3] [--insecure] [--no-events] [--events-to URL] [--secret-names password,token]";

export const PLAIN_HTTP_REFUSED =
  "--panel is a plain http:// URL: the node's token and the configuration would cross the network unencrypted, " +
  "and anyone on the path could feed this node a configuration. Use https://, or add --insecure if you accept that " +
  "(loopback addresses such as http://127.0.0.1 are allowed without it).";

/** 127.0.0.0/8, ::1 and localhost: plain HTTP there never leaves the machine. */
function isLoopbackHost(hostname: string): boolean {
  const h = hostname.toLowerCase().replace(/^\[|\]$/g, "");
  return h === "localhost" || h.endsWith(".localhost") || h === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

type Parsed = {
  panel: string;
  tokenFile: string;
  dir: string;
  once: boolean;
  interval: number;
  longPoll: number;
  startNginx: boolean;
  keep: number;
  insecure: boolean;
  events: boolean;
  /** Where the events go: --events-to, else --panel. */
  eventsTo: string;
  /** null: the default list. */
  secretNames: string[] | null;
};

export function parseArgs(argv: string[]): Parsed | string {
  const values: Record<string, string> = {};
  const flags = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--once" || a === "--start-nginx" || a === "--insecure" || a === "--no-events") flags.add(a);
    else if (["--panel", "--token-file", "--dir", "--interval", "--long-poll", "--keep", "--secret-names", "--events-to"].includes(a)) {
      const v = argv[++i];
      if (v === undefined || v.startsWith("--")) return `${a} needs a value`;
      values[a] = v;
    } else return `unknown argument ${a}`;
  }
  for (const required of ["--panel", "--token-file", "--dir"]) if (!values[required]) return `${required} is required`;
  for (const option of ["--panel", "--events-to"] as const) {
    if (values[option] === undefined) continue;
    try {
      const u = new URL(values[option]!);
      if (u.protocol !== "https:" && u.protocol !== "http:") return `${option} must be an http(s) URL`;
      if (u.protocol === "http:" && !flags.has("--insecure") && !isLoopbackHost(u.hostname)) return option === "--panel" ? PLAIN_HTTP_REFUSED : PLAIN_HTTP_REFUSED.replace("--panel", "--events-to");
    } catch {
      return `${option} must be a URL such as https://panel.example.com`;
    }
  }
  if (flags.has("--insecure") && [values["--panel"], values["--events-to"]].some((v) => v !== undefined && new URL(v).protocol === "http:")) {
    console.warn("warning: --insecure: talking to the panel over plain HTTP; the token and the configuration are not protected in transit");
  }
  if (values["--events-to"] !== undefined && flags.has("--no-events")) return "--events-to and --no-events contradict each other";
  const interval = Number(values["--interval"] ?? 10);
  if (!Number.isFinite(interval) || interval < 1 || interval > 3600) return "--interval is in seconds, 1 to 3600";
  const longPoll = Number(values["--long-poll"] ?? 30);
  if (!Number.isInteger(longPoll) || longPoll < 0 || longPoll > 60) return "--long-poll is in whole seconds, 0 (off) to 60";
  const keep = Number(values["--keep"] ?? 3);
  if (!Number.isInteger(keep) || keep < 0 || keep > 100) return "--keep is a whole number, 0 to 100";
  let secretNames: string[] | null = null;
  if (values["--secret-names"] !== undefined) {
    secretNames = values["--secret-names"].split(",").map((n) => n.trim().toLowerCase()).filter(Boolean);
    if (secretNames.length === 0 || secretNames.some((n) => !/^[a-z0-9_-]{1,64}$/.test(n))) return "--secret-names is a comma-separated list of words (letters, digits, _ and -)";
  }
  return {
    panel: values["--panel"]!,
    tokenFile: path.resolve(values["--token-file"]!),
    dir: path.resolve(values["--dir"]!),
    once: flags.has("--once"),
    interval,
    longPoll,
    startNginx: flags.has("--start-nginx"),
    keep,
    insecure: flags.has("--insecure"),
    events: !flags.has("--no-events"),
    eventsTo: values["--events-to"] ?? values["--panel"]!,
    secretNames,
  };
}

export async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv);
  if (typeof args === "string") {
    console.error(`${args}\n${USAGE}`);
    return 64;
  }
  const readToken = async () => {
    const token = (await readFile(args.tokenFile, "utf8")).trim();
    if (!token) throw new Error(`${args.tokenFile} is empty`);
    return token;
  };
  try {
    await readToken();
    if (statSync(args.tokenFile).mode & 0o077) console.warn(`warning: ${args.tokenFile} is readable by other users: chmod 600 it`);
  } catch (err) {
    console.error(`Cannot read the token: ${(err as Error).message}`);
    return 64;
  }

  const unlock = await lockDir(args.dir);
  const agent = new NodeAgent({ panelUrl: args.panel, readToken, dir: args.dir, startNginx: args.startNginx, keepReleases: args.keep, longPollSeconds: args.longPoll });
  const shipper = args.events ? new EventShipper({ panelUrl: args.eventsTo, readToken, dir: args.dir, redact: args.secretNames ? { secretNames: args.secretNames } : {} }) : null;
  try {
    if (args.once) {
      let code: number;
      try {
        const r = await agent.runOnce();
        if (r.pulled === "none") console.log(r.message);
        code = r.ok || r.pulled !== "new" ? 0 : 1;
      } catch (err) {
        console.error(`error: ${errorText(err)}`);
        return err instanceof AgentAuthError ? 3 : 4;
      }
      if (shipper) {
        try {
          await shipper.drain();
          const c = shipper.counters;
          console.log(`events: ${c.shipped} shipped, ${c.refused} refused by the panel, ${c.malformed} malformed lines, ${c.skipped} skipped`);
        } catch (err) {
          console.error(`events: not shipped: ${errorText(err)} (they stay in the log and are sent next time)`);
        } finally {
          await shipper.close();
        }
      }
      return code;
    }
    const stop = new AbortController();
    for (const signal of ["SIGTERM", "SIGINT"] as const) {
      process.once(signal, () => {
        console.log(`${signal}: stopping after the current round`);
        stop.abort();
      });
    }
    console.log(`Pulling from ${args.panel} ${args.longPoll ? `with a ${args.longPoll} s long poll (else every ${args.interval} s)` : `every ${args.interval} s`} into ${args.dir}${shipper ? "; shipping WAF events from logs/modsec_audit.log" : ""}`);
    await Promise.all([agent.run(stop.signal, args.interval * 1000), shipper?.run(stop.signal)]);
    return 0;
  } finally {
    await unlock();
  }
}

if (process.argv[1] && /lib[\\/]agent[\\/]cli\.[cm]?[jt]s$/.test(process.argv[1])) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      console.error(e);
      process.exit(70);
    },
  );
}
