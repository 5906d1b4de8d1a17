// Impact preview: "if I publish this, what will it block that it did not block before, and what will it
// let through?" A replay compiles the stored state (the candidate Publish would store), takes the latest
// revision (live), and sends both the same requests in the real engine (./run.ts): the built-in corpus
// for each changed virtual host and a sample of its recent stored events (./plan.ts).
//
// A background job: startReplay stores the run (audited) and returns at once; the run moves its progress
// and heartbeat on its row; the page polls the row. One at a time per panel process. Cancel aborts it in
// this process, and a run of another instance stops at its next progress update (it finds its row no
// longer running). Its nginx processes die with it on cancel, on error, and with the panel process itself
// (lib/waf/run.ts singleProcess). A running row whose heartbeat stopped (its panel went away) reads as
// interrupted.
import "server-only";
import { audited, type AuditContext } from "@/lib/audit/audited";
import { bundleOf, compileCurrent } from "@/lib/config/service";
import { compareBundles } from "@/lib/config/changes";
import { compilerSettingsFromEnv } from "@/lib/config/settings";
import { db } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { log } from "@/lib/log";
import { findEngine, type EnginePaths } from "@/lib/waf/engine";
import type { CompilerSettings } from "@/lib/waf/types";
import { planReplay, summarize, type ReplayableEvent, type ReplayReport } from "./plan";
import { ReplayCancelled, replayRequests } from "./run";

/** Requests per replay at most (corpus first, then stored events): PALISADE_REPLAY_MAX_REQUESTS, default 5,000. */
export function replayMaxRequests(env: Record<string, string | undefined> = process.env): number {
  const raw = env.PALISADE_REPLAY_MAX_REQUESTS?.trim();
  if (!raw) return 5000;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 100_000) throw new AppError(`PALISADE_REPLAY_MAX_REQUESTS must be a whole number from 1 to 100,000; got "${raw}"`);
  return n;
}

/** A running replay whose heartbeat is older than this was interrupted. */
const HEARTBEAT_STALE_MS = 60_000;
const PROGRESS_EVERY_MS = 500;

export type ReplayStatus = "running" | "done" | "failed" | "cancelled" | "interrupted";

export type ReplayRunView = {
  id: string;
  status: ReplayStatus;
  baseRevision: number | null;
  candidateHash: string;
  vhosts: string[];
  total: number;
  done: number;
  report: ReplayReport | null;
  error: string | null;
  revision: number | null;
  createdByEmail: string;
  createdAt: Date;
  finishedAt: Date | null;
};

export class ReplayBusyError extends AppError {}

type Job = { id: string; abort: AbortController; finished: Promise<void> };
let current: Job | null = null;

/** The run in this process, for tests and shutdown. */
export function currentReplay(): Job | null {
  return current;
}

export type StartReplayOptions = {
  settings?: CompilerSettings;
  engine?: EnginePaths;
  maxRequests?: number;
  /** What the preview showed: refused when the candidate or the latest revision differs now. */
  expect?: { candidateHash: string; basedOn: number | null };
};

/**
 * Starts a replay of the stored state against the latest revision and returns its id at once. Refuses
 * (AppError, with the reason) when another replay runs in this panel, the engine is not installed, the
 * stored state does not compile or nothing changed since the latest revision.
 */
export async function startReplay(ctx: AuditContext, options: StartReplayOptions = {}): Promise<{ id: string }> {
  if (current) throw new ReplayBusyError("A replay is already running on this panel: wait for it to finish or cancel it.");
  const settings = options.settings ?? compilerSettingsFromEnv();
  let engine = options.engine;
  if (!engine) {
    const found = findEngine(settings);
    if (!found.available) throw new AppError(`The replay needs the WAF engine on the panel's machine. ${found.message}`);
    engine = found.paths;
  }
  const candidate = await compileCurrent(settings);
  const latest = await db.configRevision.findFirst({ orderBy: { number: "desc" } });
  if (latest && latest.contentHash === candidate.hash) throw new AppError(`Nothing to replay: revision ${latest.number} is the stored configuration.`);
  if (options.expect && (options.expect.candidateHash !== candidate.hash || options.expect.basedOn !== (latest?.number ?? null))) {
    throw new AppError("The configuration changed since this preview: refresh the preview, then replay what it shows.");
  }
  const liveFiles = latest ? bundleOf(latest) : null;
  const changes = compareBundles(liveFiles, candidate.bundle.files);
  const allDomains = Object.keys(candidate.bundle.files).flatMap((f) => /^vhosts\/(.+)\.conf$/.exec(f)?.[1] ?? []);
  // A shared file changed (engine settings): every vhost may decide differently.
  const vhosts = changes.shared.length > 0 ? allDomains.sort() : [...changes.added, ...changes.changed];
  const max = options.maxRequests ?? replayMaxRequests();
  const events = await recentEvents(vhosts, max);
  const planned = planReplay(vhosts, events);
  const requests = planned.requests.slice(0, max);
  const skipped = planned.skipped + (planned.requests.length - requests.length);

  const run = await audited(ctx, async (tx) => {
    const created = await tx.replayRun.create({
      data: {
        status: "running",
        baseRevision: latest?.number ?? null,
        candidateHash: candidate.hash,
        vhosts,
        total: requests.length,
        createdById: ctx.actor.id,
        createdByEmail: ctx.actor.email,
        heartbeatAt: new Date(),
      },
    });
    return {
      result: created,
      audit: {
        action: "replay.start",
        entityType: "ReplayRun",
        entityId: created.id,
        summary: `Started a traffic replay: ${requests.length} ${requests.length === 1 ? "request" : "requests"} through ${latest ? `revision ${latest.number}` : "no revision yet"} and the unpublished configuration (${vhosts.length === 0 ? "no vhost changed" : vhosts.slice(0, 5).join(", ") + (vhosts.length > 5 ? ", …" : "")})`,
        before: null,
        after: { baseRevision: latest?.number ?? null, candidateHash: candidate.hash, vhosts, requests: requests.length, skipped },
      },
    };
  });

  const abort = new AbortController();
  const job: Job = { id: run.id, abort, finished: Promise.resolve() };
  current = job;
  job.finished = execute(run.id, { live: latest ? { files: liveFiles! } : null, candidate: candidate.bundle, requests, skipped, engine, abort }).finally(() => {
    if (current === job) current = null;
  });
  return { id: run.id };
}

async function execute(
  id: string,
  input: { live: { files: Record<string, string> } | null; candidate: { files: Record<string, string> }; requests: ReturnType<typeof planReplay>["requests"]; skipped: number; engine: EnginePaths; abort: AbortController },
): Promise<void> {
  let lastWrite = 0;
  let writing: Promise<unknown> = Promise.resolve();
  const progress = (done: number) => {
    const now = Date.now();
    if (now - lastWrite < PROGRESS_EVERY_MS) return;
    lastWrite = now;
    writing = writing.then(async () => {
      // A row no longer running was cancelled (perhaps through another panel instance): stop.
      const moved = await db.replayRun.updateMany({ where: { id, status: "running" }, data: { done, heartbeatAt: new Date() } });
      if (moved.count === 0) input.abort.abort();
    }).catch((err) => void log.warn("replay progress update failed", { error: err, replay: id }));
  };
  try {
    const decisions = await replayRequests({
      live: input.live,
      candidate: input.candidate,
      requests: input.requests,
      engine: input.engine,
      signal: input.abort.signal,
      onProgress: (p) => progress(p.done),
    });
    const report = summarize(input.requests, decisions, input.skipped);
    await writing;
    await db.replayRun.updateMany({ where: { id, status: "running" }, data: { status: "done", done: input.requests.length, report, finishedAt: new Date(), heartbeatAt: new Date() } });
  } catch (err) {
    await writing;
    const cancelled = err instanceof ReplayCancelled || input.abort.signal.aborted;
    if (!cancelled) void log.error("replay failed", { error: err, replay: id });
    await db.replayRun
      .updateMany({
        where: { id, status: "running" },
        data: { status: cancelled ? "cancelled" : "failed", error: cancelled ? null : (err as Error).message.slice(0, 2000), finishedAt: new Date() },
      })
      .catch((e) => void log.error("replay: could not record the failure", { error: e, replay: id }));
  }
}

/** Cancels a running replay (audited). Its nginx processes are gone when this returns, if it ran here. */
export async function cancelReplay(ctx: AuditContext, id: string): Promise<{ cancelled: boolean }> {
  const cancelled = await audited(ctx, async (tx) => {
    const moved = await tx.replayRun.updateMany({ where: { id, status: "running" }, data: { status: "cancelled", finishedAt: new Date() } });
    if (moved.count === 0) throw new AppError("That replay is not running any more.");
    return {
      result: true,
      audit: { action: "replay.cancel", entityType: "ReplayRun", entityId: id, summary: "Cancelled a traffic replay", before: { status: "running" }, after: { status: "cancelled" } },
    };
  });
  if (current?.id === id) {
    current.abort.abort();
    await current.finished;
  }
  return { cancelled };
}

function view(r: Awaited<ReturnType<typeof db.replayRun.findFirstOrThrow>>, now = Date.now()): ReplayRunView {
  const stale = r.status === "running" && current?.id !== r.id && (r.heartbeatAt ?? r.createdAt).getTime() < now - HEARTBEAT_STALE_MS;
  return {
    id: r.id,
    status: stale ? "interrupted" : (r.status as ReplayStatus),
    baseRevision: r.baseRevision,
    candidateHash: r.candidateHash,
    vhosts: (r.vhosts as string[]) ?? [],
    total: r.total,
    done: r.done,
    report: (r.report as ReplayReport | null) ?? null,
    error: stale ? "The panel process running this replay stopped before it finished." : r.error,
    revision: r.revision,
    createdByEmail: r.createdByEmail,
    createdAt: r.createdAt,
    finishedAt: r.finishedAt,
  };
}

export async function getReplay(id: string): Promise<ReplayRunView | null> {
  const r = await db.replayRun.findUnique({ where: { id } });
  return r ? view(r) : null;
}

/** The newest replay of exactly this candidate against exactly this live revision (the preview shows it). */
export async function latestReplayFor(candidateHash: string, baseRevision: number | null): Promise<ReplayRunView | null> {
  const r = await db.replayRun.findFirst({ where: { candidateHash, baseRevision }, orderBy: { createdAt: "desc" } });
  return r ? view(r) : null;
}

/** The replay kept with a published revision. */
export async function replayOfRevision(revision: number): Promise<ReplayRunView | null> {
  const r = await db.replayRun.findFirst({ where: { revision }, orderBy: { createdAt: "desc" } });
  return r ? view(r) : null;
}

/** Recent stored events of these vhosts, newest first, one per method and URI. */
async function recentEvents(domains: string[], max: number): Promise<ReplayableEvent[]> {
  if (domains.length === 0) return [];
  const ids = (await db.virtualHost.findMany({ where: { domain: { in: domains } }, select: { id: true } })).map((v) => v.id);
  if (ids.length === 0) return [];
  const rows = await db.wafEvent.findMany({
    where: { vhostId: { in: ids } },
    orderBy: { occurredAt: "desc" },
    take: max * 2,
    select: { id: true, vhost: true, method: true, uri: true },
  });
  const seen = new Set<string>();
  const out: ReplayableEvent[] = [];
  for (const r of rows) {
    const key = `${r.vhost}\u0000${r.method}\u0000${r.uri}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(r);
  }
  return out;
}
