// The latest revision's number and content hash, as the node API's 304 path needs it on every poll:
// read from the database, or kept in this process while nothing can have changed it. A publish signals
// every panel process (lib/db/signal.ts: NOTIFY at commit on PostgreSQL, in-process on SQLite), and the
// signal drops what is kept. So the kept head is trusted only
// - while this process receives the signals (PostgreSQL: its LISTEN connection is up; a reconnect
//   signals RESYNC, which drops it too: a publish during the outage is not missed),
// - when no signal arrived between starting the read and keeping its answer (a publish racing the read),
// - and for HEAD_MAX_AGE_MS at most, the bound on anything the signals would not cover.
// A caller that may answer with a revision's content (a 200) reads the database (`fresh: true`): the kept
// head only ever lets a node be told "you have the latest" (304) by a panel that heard of no publish since.
import { db } from "@/lib/db";
import { keepListening, receivesSignals, subscribe } from "@/lib/db/signal";

export type RevisionHead = { number: number; contentHash: string };

/** The longest a kept head answers without a database read, even when no signal said it changed. */
export const HEAD_MAX_AGE_MS = 1_000;

let generation = 0;
let kept: { head: RevisionHead | null; generation: number; at: number } | null = null;
let subscribed = false;

function readHead(): Promise<RevisionHead | null> {
  return db.configRevision.findFirst({ orderBy: { number: "desc" }, select: { number: true, contentHash: true } });
}

/** The latest revision's number and hash: kept (see the top of the file), or with `fresh` always read. */
export async function latestHead(options: { fresh?: boolean } = {}): Promise<RevisionHead | null> {
  if (!subscribed) {
    subscribed = true;
    subscribe("palisade_revision", () => {
      generation++;
      kept = null;
    });
  }
  const trusted = receivesSignals("palisade_revision");
  if (!trusted) keepListening("palisade_revision");
  const k = kept;
  if (!options.fresh && trusted && k && k.generation === generation && performance.now() - k.at < HEAD_MAX_AGE_MS) return k.head;
  const started = { generation, at: performance.now() };
  const head = await readHead();
  if (started.generation === generation && trusted) kept = { head, ...started };
  return head;
}

let inflight: { generation: number; head: Promise<RevisionHead | null> } | null = null;

/**
 * The head as read after the latest signal: for the requests a signal woke (a publish wakes every waiting
 * node at once), one database read that started after that signal serves them all instead of one each.
 */
export async function latestHeadAfterSignal(): Promise<RevisionHead | null> {
  const current = inflight;
  if (current && current.generation === generation) return current.head;
  const entry = { generation, head: readHead() };
  inflight = entry;
  const clear = () => {
    if (inflight === entry) inflight = null;
  };
  entry.head.then(clear, clear);
  return entry.head;
}

/** Forgets the kept head (tests that change revisions behind the panel's back). */
export function forgetLatestHead(): void {
  generation++;
  kept = null;
}
