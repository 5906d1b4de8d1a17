// Signals between panel processes: a publish wakes every instance's waiting node requests (the config
// long poll, lib/nodes/api.ts).
//
// PostgreSQL: `pg_notify` inside the change's own transaction, so it is delivered at commit and never for
// a change that rolled back; each process keeps one LISTEN connection, opened when the first waiter
// subscribes. When that connection drops (PostgreSQL restarted), it reconnects with backoff, and every
// subscriber is woken once it is back ("resync"): a notification sent while it was away is lost, so the
// waiters read the state again and answer from it — nothing is missed, at worst a node is woken once too
// often. SQLite: the panel on SQLite is one process, so an in-process signal is the whole story.
// The publishing process is also signalled in-process right after its commit (signalLocally), so its own
// waiters never depend on the round trip.
import { EventEmitter } from "node:events";
import pg from "pg";
import { databaseUrl, dbKind, type Tx } from "./index";

/** palisade_revision: a revision was published (payload: its number). palisade_node: a node token was revoked or rotated (payload: the node id). */
export type SignalChannel = "palisade_revision" | "palisade_node";
export const RESYNC = "resync";

const local = new EventEmitter();
local.setMaxListeners(0);

type Listener = {
  client: pg.Client | null;
  channels: Set<SignalChannel>;
  /** The channels the current connection has LISTENed to. */
  listening: Set<SignalChannel>;
  connecting: Promise<void> | null;
  retryMs: number;
  closed: boolean;
};
let listener: Listener | null = null;

/** Signals `channel` to every panel process when `tx` commits (PostgreSQL); nothing on SQLite (see signalLocally). */
export async function notifyOnCommit(tx: Tx, channel: SignalChannel, payload: string): Promise<void> {
  if (dbKind() !== "postgres") return;
  await tx.$executeRawUnsafe("SELECT pg_notify($1, $2)", channel, payload);
}

/** Signals `channel` to this process's subscribers, after a commit made here. */
export function signalLocally(channel: SignalChannel, payload: string): void {
  local.emit(channel, payload);
}

/** Calls `onSignal` for every signal on `channel` (and with RESYNC after a lost connection) until the returned function is called. */
export function subscribe(channel: SignalChannel, onSignal: (payload: string) => void): () => void {
  local.on(channel, onSignal);
  if (dbKind() === "postgres") void listen(channel);
  return () => {
    local.off(channel, onSignal);
  };
}

/**
 * True while this process receives every signal of `channel` from the other instances: on PostgreSQL its
 * LISTEN connection is up and listening to the channel (a signal sent while it was down is followed by
 * RESYNC when it is back); on SQLite always (one process, in-process signals). Caches that a signal
 * invalidates (lib/config/latest-head.ts) trust themselves only while this holds.
 */
export function receivesSignals(channel: SignalChannel): boolean {
  if (dbKind() !== "postgres") return true;
  return listener?.client != null && listener.listening.has(channel);
}

/**
 * True when a change committed by one process reaches the signals of every other process using this
 * database (PostgreSQL: NOTIFY). False on SQLite, whose signals stay in the process that committed: a
 * second process (the node-API server, lib/nodes/server.ts) would never hear of a publish there.
 */
export function signalsReachOtherProcesses(): boolean {
  return dbKind() === "postgres";
}

/** Makes sure this process listens to `channel` (PostgreSQL), for a cache that subscribed before closeSignals(). */
export function keepListening(channel: SignalChannel): void {
  if (dbKind() === "postgres") void listen(channel);
}

async function listen(channel: SignalChannel): Promise<void> {
  listener ??= { client: null, channels: new Set(), listening: new Set(), connecting: null, retryMs: 500, closed: false };
  const l = listener;
  l.channels.add(channel);
  if (!l.client) await connect(l);
  // A channel first asked for while a connection was being made is not in that connection's LISTENs yet.
  const client = l.client;
  if (client && !l.listening.has(channel)) {
    await client.query(`LISTEN ${channel}`).then(
      () => void (l.client === client && l.listening.add(channel)),
      () => undefined,
    );
  }
}

function connect(l: Listener): Promise<void> {
  if (l.connecting) return l.connecting;
  l.connecting = (async () => {
    const client = new pg.Client({ connectionString: databaseUrl(), application_name: "palisade-signals" });
    try {
      await client.connect();
      // The LISTEN connection must not keep a CLI or a test process alive on its own.
      (client as unknown as { connection?: { stream?: { unref?: () => void } } }).connection?.stream?.unref?.();
      const listening = new Set(l.channels);
      for (const c of listening) await client.query(`LISTEN ${c}`);
      client.on("notification", (n) => local.emit(n.channel, n.payload ?? ""));
      const lost = () => {
        if (l.client !== client) return;
        l.client = null;
        l.listening = new Set();
        client.removeAllListeners();
        client.end().catch(() => undefined);
        if (!l.closed) scheduleReconnect(l);
      };
      client.on("error", lost);
      client.on("end", lost);
      l.client = client;
      l.listening = listening;
      l.retryMs = 500;
      // Whichever attempt made this connection (the first, the scheduled reconnect or a new subscriber's),
      // a signal sent before its LISTEN was lost: every subscriber reads again.
      for (const c of l.channels) local.emit(c, RESYNC);
    } catch {
      client.end().catch(() => undefined);
      if (!l.closed) scheduleReconnect(l);
    } finally {
      l.connecting = null;
    }
  })();
  return l.connecting;
}

function scheduleReconnect(l: Listener): void {
  const wait = l.retryMs;
  l.retryMs = Math.min(l.retryMs * 2, 30_000);
  setTimeout(() => void (l.client || l.closed ? undefined : connect(l)), wait).unref();
}

/** Closes the LISTEN connection (tests, shutdown). */
export async function closeSignals(): Promise<void> {
  const l = listener;
  listener = null;
  if (!l) return;
  l.closed = true;
  await l.connecting;
  await l.client?.end().catch(() => undefined);
}

export type Waiter = {
  /** Resolves with the payload of the first signal (RESYNC included), or null when the time is up or the request went away. */
  wait(): Promise<string | null>;
  cancel(): void;
};

/**
 * Starts listening at once (call it before reading the state a signal would change, so nothing slips in
 * between) and resolves at the first signal, after `timeoutMs`, or when `abort` fires.
 */
export function startWaiting(channel: SignalChannel, timeoutMs: number, abort?: AbortSignal): Waiter {
  let settle: (v: string | null) => void = () => undefined;
  const result = new Promise<string | null>((resolve) => (settle = resolve));
  const finish = (v: string | null) => {
    unsubscribe();
    clearTimeout(timer);
    abort?.removeEventListener("abort", onAbort);
    settle(v);
  };
  const onAbort = () => finish(null);
  const unsubscribe = subscribe(channel, (payload) => finish(payload));
  const timer = setTimeout(() => finish(null), timeoutMs);
  abort?.addEventListener("abort", onAbort, { once: true });
  if (abort?.aborted) finish(null);
  return { wait: () => result, cancel: () => finish(null) };
}
