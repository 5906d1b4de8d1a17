// The agent's event shipper: tails ModSecurity's JSON audit log (DIR/logs/modsec_audit.log, one transaction
// per line), turns each line into a redacted event (lib/events/parse.ts) and POSTs them in gzip-compressed
// batches to the panel's POST /api/v1/nodes/events, with the node's bearer token.
//
// Delivery is at least once: the offset file (DIR/.events-offset.json: the log's inode and a byte offset)
// only moves past an event once the panel has acknowledged it, and is replaced atomically (temp file,
// fsync, rename). After a crash or restart the unacknowledged events are read again; the panel stores each
// once (unique by node + transaction id), so a retry after a lost answer duplicates nothing.
//
// Rotation: a new inode at the path (logrotate's rename + create) is picked up after the old file has been
// read to its end; the path shrinking below the offset (copytruncate) starts again at 0. When the agent
// was down across a rotation, it finds the old file by its inode in the same folder (modsec_audit.log.1)
// and finishes it first. libmodsecurity writes to the file it opened until nginx reloads: rotate with
// copytruncate, or reload nginx in postrotate.
//
// Answers: 2xx acknowledges the batch (the panel may refuse single events inside it: counted and logged,
// never retried); 413 halves the batch and retries (a single event the panel still finds too large is
// dropped); 400/422 for the whole batch splits it the same way to isolate the event the panel refuses;
// 429 waits its Retry-After; 5xx, 401, a refused or dropped connection retry the same batch with
// exponential backoff and jitter (nextDelay, as the config loop). While the panel is away the agent keeps
// reading, so events survive the log's rotation, into a bounded spool that drops its oldest events beyond
// its limits, and logs how many it dropped.
import { randomBytes } from "node:crypto";
import { open, readdir, readFile, rename, stat, type FileHandle } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { gzip } from "node:zlib";
import { parseAuditLine, type ParseOptions } from "@/lib/events/parse";
import type { RedactOptions } from "@/lib/events/redact";
import { EVENT_BATCH_MAX_BYTES, EVENT_BATCH_MAX_EVENTS, type WafEvent } from "@/lib/events/schema";
import { abortableSleep, AgentAuthError, describeFailure, nextDelay } from "./agent";
import { plural } from "@/lib/format/plural";

const gzipAsync = promisify(gzip);

export const EVENTS_PATH = "/api/v1/nodes/events";
export const AUDIT_LOG = "logs/modsec_audit.log";
export const OFFSET_FILE = ".events-offset.json";
/** A line longer than this without a newline is skipped as malformed (ModSecurity's own lines are far smaller). */
const MAX_LINE_BYTES = 8 * 1024 * 1024;
const READ_CHUNK = 256 * 1024;

export type EventShipperOptions = {
  panelUrl: string;
  readToken: () => Promise<string>;
  /** The node's directory: the log is DIR/logs/modsec_audit.log and the offset file DIR/.events-offset.json. */
  dir: string;
  /** Overrides for tests and unusual layouts. */
  logFile?: string;
  offsetFile?: string;
  fetch?: typeof fetch;
  log?: (line: string) => void;
  redact?: RedactOptions;
  localTime?: ParseOptions["localTime"];
  /** A batch is sent when it holds this many events or bytes (uncompressed JSON), or its oldest event has waited flushMs. */
  batchMaxEvents?: number;
  batchMaxBytes?: number;
  flushMs?: number;
  /** How often the log is checked for new lines when idle. */
  pollMs?: number;
  /** The spool's bound: beyond either, the oldest events are dropped (counted and logged). */
  spoolMaxEvents?: number;
  spoolMaxBytes?: number;
  /** Backoff base and cap for failed sends. */
  retryBaseMs?: number;
  maxBackoffMs?: number;
  random?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
};

/** Where the shipper is in the log: a file by inode, and a byte offset in it. */
type Position = { ino: number; offset: number };
type Spooled = { event: WafEvent; bytes: number; start: Position };

export type ShipperCounters = {
  /** Events the panel acknowledged (accepted or refused individually). */
  shipped: number;
  /** Events the panel refused one by one (its answer named them), or that it still refused alone. */
  refused: number;
  /** Lines that were not a transaction (not JSON, wrong shape). */
  malformed: number;
  /** Transactions with no matched rule (logged for their status alone) or without the vhost signature. */
  skipped: number;
  /** Events dropped from the full spool, oldest first. */
  dropped: number;
  /** Batches that failed and were retried. */
  retries: number;
};

class RetryLater extends Error {
  constructor(
    message: string,
    readonly retryAfterMs: number | null,
    readonly key: string,
  ) {
    super(message);
  }
}

export class EventShipper {
  readonly counters: ShipperCounters = { shipped: 0, refused: 0, malformed: 0, skipped: 0, dropped: 0, retries: 0 };
  private readonly logFile: string;
  private readonly offsetFile: string;
  private readonly fetch: typeof fetch;
  private readonly log: (line: string) => void;
  private readonly o: Required<Pick<EventShipperOptions, "batchMaxEvents" | "batchMaxBytes" | "flushMs" | "pollMs" | "spoolMaxEvents" | "spoolMaxBytes" | "retryBaseMs" | "maxBackoffMs">>;

  private spool: Spooled[] = [];
  private spoolBytes = 0;
  /** The open log file and the position after the last complete line read from it. */
  private handle: FileHandle | null = null;
  private read: Position | null = null;
  private partial: Buffer = Buffer.alloc(0);
  /** Skipping the rest of an over-long line. */
  private skippingLine = false;
  /** Files (by inode) to finish before the live one: a rotated file found at start. */
  private pending: { file: string; position: Position } | null = null;
  private committed: Position | null = null;
  private started = false;
  /** A 413 or a refused batch lowers the batch size; successes raise it again. */
  private batchCap: number;
  /** The smallest batch size the panel answered 413 to: never tried again. */
  private tooLarge = Infinity;
  private droppedLogged = 0;
  private loggedState: string | null = null;

  constructor(private readonly options: EventShipperOptions) {
    this.logFile = options.logFile ?? path.join(options.dir, AUDIT_LOG);
    this.offsetFile = options.offsetFile ?? path.join(options.dir, OFFSET_FILE);
    this.fetch = options.fetch ?? globalThis.fetch;
    this.log = options.log ?? ((line) => console.log(`${new Date().toISOString()} events: ${line}`));
    this.o = {
      batchMaxEvents: Math.min(options.batchMaxEvents ?? EVENT_BATCH_MAX_EVENTS, EVENT_BATCH_MAX_EVENTS),
      batchMaxBytes: Math.min(options.batchMaxBytes ?? Math.floor(EVENT_BATCH_MAX_BYTES * 0.9), EVENT_BATCH_MAX_BYTES - 64),
      flushMs: options.flushMs ?? 2000,
      pollMs: options.pollMs ?? 500,
      spoolMaxEvents: options.spoolMaxEvents ?? 20_000,
      spoolMaxBytes: options.spoolMaxBytes ?? 32 * 1024 * 1024,
      retryBaseMs: options.retryBaseMs ?? 1000,
      maxBackoffMs: options.maxBackoffMs ?? 60_000,
    };
    this.batchCap = this.o.batchMaxEvents;
  }

  /** Events read and not yet acknowledged. */
  get spooled(): number {
    return this.spool.length;
  }

  // -------------------------------------------------------------------------------------------------
  // Reading

  private async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    const saved = await readFile(this.offsetFile, "utf8")
      .then((t) => JSON.parse(t) as Position)
      .catch(() => null);
    if (!saved || !Number.isInteger(saved.ino) || !Number.isInteger(saved.offset) || saved.offset < 0) return;
    this.committed = saved;
    const live = await stat(this.logFile).catch(() => null);
    if (live && live.ino === saved.ino) {
      this.read = { ino: saved.ino, offset: live.size < saved.offset ? 0 : saved.offset };
      return;
    }
    // Rotated while the agent was away: finish the old file first, if it is still in the folder.
    const folder = path.dirname(this.logFile);
    for (const name of await readdir(folder).catch(() => [] as string[])) {
      const file = path.join(folder, name);
      const s = await stat(file).catch(() => null);
      if (s && s.isFile() && s.ino === saved.ino) {
        this.pending = { file, position: { ino: saved.ino, offset: s.size < saved.offset ? 0 : saved.offset } };
        return;
      }
    }
    this.log(`the audit log was rotated while the agent was stopped and the old file is gone: events after offset ${saved.offset} of it are lost`);
  }

  /** Reads what is new, up to about `budget` bytes, spooling each complete line's event. True when it stopped at the budget (more to read). */
  async poll(budget = 4 * 1024 * 1024): Promise<boolean> {
    await this.start();
    for (;;) {
      if (!this.handle && !(await this.openNext())) return false;
      const got = await this.readChunk(Math.max(1, Math.min(READ_CHUNK, budget)));
      if (got > 0) {
        budget -= got;
        if (budget <= 0) return true;
        continue;
      }
      // At the end of the open file: has the path moved on to a new file, or been truncated?
      const live = await stat(this.logFile).catch(() => null);
      if (this.pending !== null) {
        // The rotated file found at start is finished: on to the live one, from its start.
        this.pending = null;
        await this.closeHandle();
        this.read = live ? { ino: live.ino, offset: 0 } : null;
        continue;
      }
      if (live && live.ino !== this.read!.ino) {
        await this.closeHandle();
        this.read = { ino: live.ino, offset: 0 };
        continue;
      }
      if (live && live.size < this.read!.offset) {
        this.log("the audit log was truncated (copytruncate?): reading it again from the start");
        this.partial = Buffer.alloc(0);
        this.read = { ino: live.ino, offset: 0 };
        continue;
      }
      return false;
    }
  }

  private async openNext(): Promise<boolean> {
    const target = this.pending ?? { file: this.logFile, position: this.read };
    let handle: FileHandle;
    try {
      handle = await open(target.file, "r");
    } catch {
      return false;
    }
    const s = await handle.stat();
    if (target.position && s.ino === target.position.ino) {
      this.read = { ino: s.ino, offset: s.size < target.position.offset ? 0 : target.position.offset };
    } else {
      this.read = { ino: s.ino, offset: 0 };
    }
    this.partial = Buffer.alloc(0);
    this.handle = handle;
    if (this.committed === null) this.committed = { ...this.read };
    return true;
  }

  private async closeHandle(): Promise<void> {
    await this.handle?.close().catch(() => undefined);
    this.handle = null;
    this.partial = Buffer.alloc(0);
    this.skippingLine = false;
  }

  /** Reads one chunk after the partial line; returns the bytes read. */
  private async readChunk(size: number): Promise<number> {
    const buf = Buffer.alloc(size);
    const at = this.read!.offset + this.partial.length;
    const { bytesRead } = await this.handle!.read(buf, 0, size, at);
    if (bytesRead === 0) return 0;
    let data = Buffer.concat([this.partial, buf.subarray(0, bytesRead)]);
    let lineStart = this.read!.offset;
    for (;;) {
      const nl = data.indexOf(0x0a);
      if (nl < 0) break;
      const lineBytes = data.subarray(0, nl);
      const start: Position = { ino: this.read!.ino, offset: lineStart };
      lineStart += nl + 1;
      data = data.subarray(nl + 1);
      if (this.skippingLine) {
        this.skippingLine = false;
        this.counters.malformed++;
      } else {
        this.take(lineBytes.toString("utf8"), start);
      }
      this.read = { ino: this.read!.ino, offset: lineStart };
    }
    if (data.length > MAX_LINE_BYTES) {
      // Give up on this line: skip to its end (counted when its newline arrives).
      this.skippingLine = true;
      this.read = { ino: this.read!.ino, offset: lineStart + data.length };
      data = Buffer.alloc(0);
    }
    this.partial = Buffer.from(data);
    return bytesRead;
  }

  private take(line: string, start: Position): void {
    if (line.trim() === "") return;
    const r = parseAuditLine(line, { redact: this.options.redact ?? {}, localTime: this.options.localTime });
    if (!r.ok) {
      if (r.reason === "malformed") this.counters.malformed++;
      else this.counters.skipped++;
      return;
    }
    const bytes = Buffer.byteLength(JSON.stringify(r.event)) + 1;
    this.spool.push({ event: r.event, bytes, start });
    this.spoolBytes += bytes;
    while (this.spool.length > this.o.spoolMaxEvents || (this.spoolBytes > this.o.spoolMaxBytes && this.spool.length > 1)) {
      const gone = this.spool.shift()!;
      this.spoolBytes -= gone.bytes;
      this.counters.dropped++;
    }
  }

  // -------------------------------------------------------------------------------------------------
  // Sending

  /** The position up to which everything is acknowledged (or dropped, or skipped). */
  private acknowledgedPosition(): Position | null {
    return this.spool.length > 0 ? this.spool[0]!.start : this.read;
  }

  private async commit(): Promise<void> {
    const p = this.acknowledgedPosition();
    if (!p || (this.committed && this.committed.ino === p.ino && this.committed.offset === p.offset)) return;
    const temp = `${this.offsetFile}.${randomBytes(4).toString("hex")}.tmp`;
    const handle = await open(temp, "w", 0o600);
    try {
      await handle.writeFile(JSON.stringify(p));
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, this.offsetFile);
    this.committed = p;
  }

  private nextBatch(): Spooled[] {
    const batch: Spooled[] = [];
    let bytes = 16;
    for (const s of this.spool) {
      if (batch.length >= this.batchCap || (batch.length > 0 && bytes + s.bytes > this.o.batchMaxBytes)) break;
      batch.push(s);
      bytes += s.bytes;
    }
    return batch;
  }

  /** Sends one batch from the head of the spool. Throws RetryLater (or AgentAuthError) when it must be sent again. */
  async sendBatch(signal?: AbortSignal): Promise<number> {
    const batch = this.nextBatch();
    if (batch.length === 0) return 0;
    const token = (await this.options.readToken()).trim();
    const body = await gzipAsync(Buffer.from(JSON.stringify({ events: batch.map((s) => s.event) })));
    const timeout = AbortSignal.timeout(30_000);
    const res = await this.fetch(new URL(EVENTS_PATH, this.options.panelUrl), {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json", "content-encoding": "gzip", "user-agent": "palisade-node-agent" },
      body,
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    });
    const text = await res.text().catch(() => "");
    const retryAfter = Number(res.headers.get("retry-after"));
    const retryAfterMs = Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : null;
    if (res.ok) {
      this.acknowledge(batch.length, refusedCount(text));
      this.batchCap = Math.max(1, Math.min(this.o.batchMaxEvents, this.batchCap * 2, this.tooLarge - 1));
      return batch.length;
    }
    if (res.status === 401) throw new AgentAuthError("the panel refused the node token (401): check the token file, or rotate the token in the panel");
    if (res.status === 429) throw new RetryLater("the panel is rate-limiting event batches (429)", retryAfterMs ?? 60_000, "http:429");
    if (res.status === 413 || res.status === 400 || res.status === 422) {
      if (batch.length > 1) {
        if (res.status === 413) this.tooLarge = Math.min(this.tooLarge, batch.length);
        this.batchCap = Math.max(1, Math.floor(batch.length / 2));
        return 0;
      }
      // One event alone was refused: it was the problem, not the batch size.
      this.tooLarge = Infinity;
      this.log(`the panel refused an event (${res.status}: ${detailOf(text)}); transaction ${batch[0]!.event.transactionId} is skipped`);
      this.acknowledge(1, 1);
      return 1;
    }
    throw new RetryLater(`the panel answered ${res.status}: ${detailOf(text)}`, res.status === 503 ? retryAfterMs : null, `http:${res.status}`);
  }

  private acknowledge(count: number, refused: number): void {
    const done = this.spool.splice(0, count);
    for (const s of done) this.spoolBytes -= s.bytes;
    this.counters.shipped += count;
    this.counters.refused += Math.min(refused, count);
  }

  private batchReady(caughtUp: boolean, oldestSince: number): boolean {
    if (this.spool.length === 0) return false;
    if (this.spool.length >= this.batchCap) return true;
    if (this.spoolBytes >= this.o.batchMaxBytes) return true;
    return caughtUp && Date.now() - oldestSince >= this.o.flushMs;
  }

  /**
   * Reads and ships until `signal` aborts. A failing panel is retried with growing waits; one log line per
   * change of state, plus a line whenever events were dropped, refused or skipped.
   */
  async run(signal: AbortSignal): Promise<void> {
    const sleepFor = this.options.sleep ?? abortableSleep;
    const random = this.options.random ?? Math.random;
    let failures = 0;
    let oldestSince = Date.now();
    while (!signal.aborted) {
      const before = this.spool.length;
      const more = await this.poll().catch((err: unknown) => {
        this.logChange(`cannot read ${this.logFile}: ${(err as Error).message}`);
        return false;
      });
      if (before === 0 && this.spool.length > 0) oldestSince = Date.now();
      this.reportDrops();
      if (!this.batchReady(!more, oldestSince)) {
        await this.commit().catch(() => undefined);
        if (more) continue;
        await sleepFor(this.spool.length > 0 ? Math.min(this.o.pollMs, this.o.flushMs) : this.o.pollMs, signal);
        continue;
      }
      try {
        // Not aborted by a stop: a batch in flight finishes, so its acknowledgement is not lost (resent after a restart).
        await this.sendBatch();
        if (failures > 0) this.log(`the panel takes events again after ${failures} failed attempt${failures === 1 ? "" : "s"}`);
        failures = 0;
        this.loggedState = null;
        oldestSince = Date.now();
        await this.commit();
      } catch (err) {
        if (signal.aborted) break;
        failures++;
        this.counters.retries++;
        let wait = nextDelay({ failures, intervalMs: this.o.retryBaseMs, maxMs: this.o.maxBackoffMs, random });
        if (err instanceof RetryLater && err.retryAfterMs) wait = Math.max(wait, err.retryAfterMs);
        const failure = err instanceof RetryLater ? { line: err.message, key: err.key } : describeFailure(err, this.options.panelUrl);
        this.logChange(`${failure.line}; ${this.spool.length} event${this.spool.length === 1 ? "" : "s"} waiting, next try in ${Math.round(wait / 100) / 10} s`, failure.key);
        await sleepFor(wait, signal);
      }
    }
    await this.commit().catch(() => undefined);
    await this.closeHandle();
  }

  /** Reads everything there is and ships it; stops at the first failure (which it throws). For --once and tests. */
  async drain(signal?: AbortSignal): Promise<void> {
    for (;;) {
      const more = await this.poll();
      this.reportDrops();
      if (this.spool.length === 0 && !more) break;
      if (this.spool.length === 0) continue;
      await this.sendBatch(signal);
      await this.commit();
    }
    await this.commit();
  }

  async close(): Promise<void> {
    await this.closeHandle();
  }

  private reportDrops(): void {
    if (this.counters.dropped > this.droppedLogged) {
      this.log(
        `the spool is full (${this.o.spoolMaxEvents} events / ${this.o.spoolMaxBytes} bytes): dropped ${plural(this.counters.dropped - this.droppedLogged, "oldest event")}, ${this.counters.dropped} since start`,
      );
      this.droppedLogged = this.counters.dropped;
    }
  }

  private logChange(line: string, key: string = line): void {
    if (key === this.loggedState) return;
    this.loggedState = key;
    this.log(line);
  }
}

/** The panel's per-event refusals, when its answer lists them: `{ rejected: [...] }` or `{ refused: n }`. */
function refusedCount(text: string): number {
  try {
    const body = JSON.parse(text) as { rejected?: unknown; refused?: unknown };
    if (Array.isArray(body.rejected)) return body.rejected.length;
    if (typeof body.rejected === "number") return body.rejected;
    if (typeof body.refused === "number") return body.refused;
  } catch {
    // not JSON: nothing refused individually
  }
  return 0;
}

function detailOf(text: string): string {
  try {
    return String((JSON.parse(text) as { error?: string }).error ?? text).slice(0, 200);
  } catch {
    return text.slice(0, 200);
  }
}

