// Publishing: the stored state → compiled → checked by the engine (where installed) → an immutable
// ConfigRevision, in one audited transaction. Roll back = a new revision with an old revision's bundle.
// A bundle the compiler or the engine refuses never becomes a revision.
import "server-only";
import { audited, type AuditContext } from "@/lib/audit/audited";
import { db, type Tx } from "@/lib/db";
import { notifyOnCommit, signalLocally } from "@/lib/db/signal";
import { pauseForKill } from "@/lib/testing/fault-injection";
import { AppError, NotFoundError } from "@/lib/errors";
import { compileBundle } from "@/lib/waf/compile";
import type { CheckError } from "@/lib/waf/engine";
import type { Bundle, CompilerSettings } from "@/lib/waf/types";
import { CompileError } from "@/lib/waf/types";
import { describeReplayNote, replayAuditNote, type ReplayReport } from "@/lib/replay/plan";
import { compareBundles, describeChanges, type BundleChanges } from "./changes";
import { checkWithEngine, describeCheckError, type EngineChecker } from "./check";
import { bundleHash, type BundleFiles } from "./hash";
import { loadVhostInputs } from "./load";
import { compilerSettingsFromEnv } from "./settings";

/** nginx -t refused the bundle; nothing was stored. */
export class EngineRefusedError extends AppError {
  constructor(public readonly errors: CheckError[]) {
    super(`nginx -t refused the configuration, so nothing was published: ${errors.map(describeCheckError).join("; ") || "no details"}`);
    this.name = "EngineRefusedError";
  }
}

/** Someone published after the user loaded the page: they should look at it before publishing over it. */
export class StaleRevisionError extends AppError {
  constructor(
    public readonly latest: number | null,
    by: string | null,
    at: Date | null,
  ) {
    super(
      latest === null
        ? "The revisions changed since you opened this page. Reload it, review, and try again."
        : `Revision ${latest} was published${by ? ` by ${by}` : ""}${at ? ` at ${at.toISOString().replace("T", " ").slice(0, 19)} UTC` : ""} after you opened this page. Review it, then try again.`,
    );
    this.name = "StaleRevisionError";
  }
}

/** The stored state compiles to something else than the preview the user published from. Nothing was stored. */
export class PreviewChangedError extends AppError {
  constructor(
    public readonly previewed: string,
    public readonly current: string,
  ) {
    super("The configuration changed since this preview, so nothing was published. Review the refreshed preview, then publish again.");
    this.name = "PreviewChangedError";
  }
}

/** Thrown inside the transaction when another publish made the same content meanwhile; rolls it back. */
class UnchangedInsideTx extends Error {
  constructor(public readonly latest: number) {
    super("unchanged");
  }
}

export type PublishedRevision = {
  number: number;
  contentHash: string;
  summary: string;
  changes: BundleChanges;
  engineChecked: boolean;
  rollbackOf: number | null;
  createdAt: Date;
};

export type PublishOutcome =
  | { status: "published"; revision: PublishedRevision; engineNote: string | null }
  | { status: "unchanged"; latest: number; message: string };

export type PublishOptions = {
  /** The latest revision number the user saw (null: none). A newer one refuses the publish. */
  basedOn: number | null;
  /**
   * The content hash of the bundle the user previewed (lib/config/preview.ts). When given, a bundle that
   * compiles to another hash is refused with PreviewChangedError; the audit row records it.
   */
  previewed?: string;
  /** Defaults to the environment's (lib/config/settings.ts). */
  settings?: CompilerSettings;
  /** Defaults to the real engine where installed; tests pass their own. */
  checker?: EngineChecker;
};

export type StoredBundle = { files: BundleFiles };

function latestRevision(client: Pick<Tx, "configRevision"> = db) {
  return client.configRevision.findFirst({ orderBy: { number: "desc" } });
}

/** The latest revision without its bundle (megabytes of JSON at thousands of vhosts). */
export function latestRevisionHead() {
  return db.configRevision.findFirst({ orderBy: { number: "desc" }, select: { number: true, contentHash: true, createdAt: true, createdByEmail: true } });
}

/** A stored revision's files, in path order (PostgreSQL's jsonb keeps keys in an order of its own). */
export function bundleOf(revision: { bundle: unknown }): BundleFiles {
  const b = revision.bundle as StoredBundle | null;
  const files = b && typeof b === "object" && b.files && typeof b.files === "object" ? b.files : {};
  const sorted: BundleFiles = {};
  for (const k of Object.keys(files).sort((x, y) => (x < y ? -1 : x > y ? 1 : 0))) sorted[k] = files[k]!;
  return sorted;
}

function assertBasis(latest: { number: number; createdByEmail: string; createdAt: Date } | null, basedOn: number | null) {
  if ((latest?.number ?? null) !== basedOn) throw new StaleRevisionError(latest?.number ?? null, latest?.createdByEmail ?? null, latest?.createdAt ?? null);
}

/** Compiles the stored state with the given (or the environment's) settings. Throws CompileError. */
export async function compileCurrent(settings: CompilerSettings = compilerSettingsFromEnv()): Promise<{ bundle: Bundle; hash: string; vhostCount: number }> {
  const vhosts = await loadVhostInputs();
  const bundle = compileBundle({ vhosts, settings });
  return { bundle, hash: bundleHash(bundle.files), vhostCount: vhosts.length };
}

async function engineCheck(checker: EngineChecker, bundle: Bundle, settings: CompilerSettings): Promise<{ engineChecked: boolean; engineNote: string | null }> {
  const check = await checker(bundle, settings);
  if (!check.checked) return { engineChecked: false, engineNote: `Not checked by the engine (${check.reason}); validated by the compiler only.` };
  if (!check.ok) throw new EngineRefusedError(check.errors);
  return { engineChecked: true, engineNote: null };
}

/** Stores the revision and its audit row in one transaction; refuses a stale basis or unchanged content. */
async function storeRevision(
  ctx: AuditContext,
  input: {
    basedOn: number | null;
    files: BundleFiles;
    hash: string;
    engineChecked: boolean;
    engineNote: string | null;
    rollbackOf: number | null;
    vhostCount: number;
    previewed?: string;
  },
): Promise<PublishOutcome> {
  await pauseForKill("before-transaction");
  try {
    const revision = await audited(ctx, async (tx) => {
      const latest = await latestRevision(tx);
      assertBasis(latest, input.basedOn);
      if (latest && latest.contentHash === input.hash) throw new UnchangedInsideTx(latest.number);
      const changes = compareBundles(latest ? bundleOf(latest) : null, input.files);
      const described = describeChanges(changes, { first: latest === null, vhostCount: input.vhostCount });
      const summary = input.rollbackOf === null ? described : `Rollback to revision ${input.rollbackOf}: ${described.charAt(0).toLowerCase()}${described.slice(1)}`;
      const number = (latest?.number ?? 0) + 1;
      const created = await tx.configRevision.create({
        data: {
          number,
          contentHash: input.hash,
          bundle: { files: input.files },
          summary,
          changes,
          engineChecked: input.engineChecked,
          rollbackOf: input.rollbackOf,
          createdById: ctx.actor.id,
          createdByEmail: ctx.actor.email,
        },
      });
      // The replay of exactly what is published, against exactly the revision it replaces, is kept with it.
      const replay =
        input.rollbackOf === null
          ? await tx.replayRun.findFirst({ where: { candidateHash: input.hash, baseRevision: latest?.number ?? null, status: "done" }, orderBy: { createdAt: "desc" } })
          : null;
      if (replay) await tx.replayRun.update({ where: { id: replay.id }, data: { revision: number } });
      // Wakes the nodes waiting on every panel instance (lib/nodes/api.ts long poll) when this commits.
      await notifyOnCommit(tx, "palisade_revision", String(number));
      await pauseForKill("after-revision");
      const replayNote = replay ? replayAuditNote(replay.id, replay.report as ReplayReport | null) : null;
      const result: PublishedRevision = {
        number: created.number,
        contentHash: created.contentHash,
        summary: created.summary,
        changes,
        engineChecked: created.engineChecked,
        rollbackOf: created.rollbackOf,
        createdAt: created.createdAt,
      };
      return {
        result,
        audit: {
          action: input.rollbackOf === null ? "config.publish" : "config.rollback",
          entityType: "ConfigRevision",
          entityId: created.id,
          summary: `${input.rollbackOf === null ? "Published" : "Rolled back:"} revision ${number}: ${summary}${input.engineChecked ? "" : " (not checked by the engine)"}${input.rollbackOf === null ? `; ${describeReplayNote(replayNote)}` : ""}`,
          before: latest ? { number: latest.number, contentHash: latest.contentHash } : null,
          after: {
            number,
            contentHash: input.hash,
            changes,
            engineChecked: input.engineChecked,
            rollbackOf: input.rollbackOf,
            engineNote: input.engineNote,
            ...(input.previewed ? { previewed: input.previewed } : {}),
            ...(input.rollbackOf === null ? { replay: replayNote } : {}),
          },
        },
      };
    }, { beforeCommit: () => pauseForKill("before-commit") });
    await pauseForKill("after-commit");
    signalLocally("palisade_revision", String(revision.number));
    return { status: "published", revision, engineNote: input.engineNote };
  } catch (err) {
    if (err instanceof UnchangedInsideTx) return unchanged(err.latest);
    throw err;
  }
}

function unchanged(latest: number, rollbackOf?: number): PublishOutcome {
  return {
    status: "unchanged",
    latest,
    message:
      rollbackOf === undefined
        ? `Nothing changed since revision ${latest}: no new revision was made.`
        : `Revision ${latest} already has the same content as revision ${rollbackOf}: no new revision was made.`,
  };
}

/**
 * Publishes the stored state. Throws CompileError (a stored value the compiler refuses, naming vhost and
 * field), EngineRefusedError (nginx -t failed, with file, line and vhost), StaleRevisionError or, with
 * `previewed`, PreviewChangedError (the stored state no longer compiles to the previewed bundle).
 */
export async function publishConfig(ctx: AuditContext, options: PublishOptions): Promise<PublishOutcome> {
  const settings = options.settings ?? compilerSettingsFromEnv();
  const { bundle, hash, vhostCount } = await compileCurrent(settings);
  const latest = await latestRevisionHead();
  assertBasis(latest, options.basedOn);
  if (options.previewed !== undefined && options.previewed !== hash) throw new PreviewChangedError(options.previewed, hash);
  if (latest && latest.contentHash === hash) return unchanged(latest.number);
  // The engine check takes a while (about 0.3 s per vhost): outside the transaction.
  const engine = await engineCheck(options.checker ?? checkWithEngine, bundle, settings);
  return storeRevision(ctx, { basedOn: options.basedOn, files: bundle.files, hash, ...engine, rollbackOf: null, vhostCount, previewed: options.previewed });
}

/** A new revision with the bundle of revision `revision` (checked by the engine again, where installed). */
export async function rollbackConfig(
  ctx: AuditContext,
  options: { revision: number; basedOn: number | null; settings?: CompilerSettings; checker?: EngineChecker },
): Promise<PublishOutcome> {
  const target = await db.configRevision.findUnique({ where: { number: options.revision } });
  if (!target) throw new NotFoundError(`Revision ${options.revision} does not exist.`);
  const latest = await latestRevisionHead();
  assertBasis(latest, options.basedOn);
  if (latest && latest.contentHash === target.contentHash) return unchanged(latest.number, target.number);
  const files = bundleOf(target);
  const engine = await engineCheck(options.checker ?? checkWithEngine, { files }, options.settings ?? compilerSettingsFromEnv());
  const vhostCount = Object.keys(files).filter((f) => f.startsWith("vhosts/")).length;
  return storeRevision(ctx, { basedOn: options.basedOn, files, hash: target.contentHash, ...engine, rollbackOf: target.number, vhostCount });
}

export type PublishProblem = {
  vhost: string | null;
  vhostId: string | null;
  file: string | null;
  line: number | null;
  field: string | null;
  message: string;
};

export type PublishRefusal = { status: "refused"; stage: "compile" | "engine"; message: string; problems: PublishProblem[] };

/** The compiler's or the engine's refusal as data the page can show (vhost, field or file and line), or null. */
export async function refusalOf(err: unknown): Promise<PublishRefusal | null> {
  if (err instanceof CompileError) {
    return {
      status: "refused",
      stage: "compile",
      message: `The compiler refused the stored configuration, so nothing was published: ${err.message}`,
      problems: [{ vhost: err.vhost, vhostId: err.vhostId, file: null, line: null, field: err.field, message: err.reason }],
    };
  }
  if (err instanceof EngineRefusedError) {
    const domains = [...new Set(err.errors.flatMap((e) => (e.vhost ? [e.vhost] : [])))];
    const ids = new Map(
      (await db.virtualHost.findMany({ where: { domain: { in: domains } }, select: { id: true, domain: true } })).map((v) => [v.domain, v.id]),
    );
    return {
      status: "refused",
      stage: "engine",
      message: err.message,
      problems: err.errors.map((e) => ({
        vhost: e.vhost ?? null,
        vhostId: e.vhost ? (ids.get(e.vhost) ?? null) : null,
        file: e.file,
        line: e.line,
        field: null,
        message: e.message,
      })),
    };
  }
  return null;
}
