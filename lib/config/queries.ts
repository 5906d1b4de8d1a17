import "server-only";
import { z } from "zod";
import { db, readWithRetry, retryingRead } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { CompileError } from "@/lib/waf/types";
import { compareBundles, vhostFiles, type BundleChanges } from "./changes";
import type { BundleFiles } from "./hash";
import { diffBundles, type FileDiff } from "./line-diff";
import { bundleOf, compileCurrent } from "./service";
import { unpublishedAmong } from "./status";

export const REVISION_PAGE_SIZE = 50;

/** Newest first, without the bundles. */
export const listRevisions = retryingRead(async function listRevisions(options: { page?: number } = {}) {
  const page = Math.max(1, options.page ?? 1);
  const [total, rows] = await Promise.all([
    db.configRevision.count(),
    db.configRevision.findMany({
      orderBy: { number: "desc" },
      skip: (page - 1) * REVISION_PAGE_SIZE,
      take: REVISION_PAGE_SIZE,
      select: { id: true, number: true, contentHash: true, summary: true, changes: true, engineChecked: true, rollbackOf: true, createdByEmail: true, createdAt: true },
    }),
  ]);
  return {
    total,
    pageCount: Math.max(1, Math.ceil(total / REVISION_PAGE_SIZE)),
    rows: rows.map((r) => ({ ...r, changes: r.changes as BundleChanges })),
  };
});

export type RevisionListRow = Awaited<ReturnType<typeof listRevisions>>["rows"][number];

/** A side of a comparison: a revision number, or "draft" (the stored state compiled now). */
export const DiffSideSchema = z.union([z.literal("draft"), z.coerce.number().int().min(1).max(1_000_000_000)]);
export type DiffSide = z.output<typeof DiffSideSchema>;

export const DiffParamsSchema = z.object({ from: DiffSideSchema, to: DiffSideSchema });

type Side = { label: string; files: BundleFiles } | { label: string; error: string };

async function loadSide(side: DiffSide): Promise<Side> {
  if (side === "draft") {
    try {
      return { label: "Unpublished changes (the stored state compiled now)", files: (await compileCurrent()).bundle.files };
    } catch (err) {
      if (err instanceof CompileError) return { label: "Unpublished changes", error: err.message };
      throw err;
    }
  }
  const r = await db.configRevision.findUnique({ where: { number: side }, select: { number: true, bundle: true, createdAt: true, createdByEmail: true } });
  if (!r) return { label: `Revision ${side}`, error: `Revision ${side} does not exist.` };
  return { label: `Revision ${r.number} (${r.createdAt.toISOString().replace("T", " ").slice(0, 16)} UTC by ${r.createdByEmail})`, files: bundleOf(r) };
}

export type RevisionComparison = { from: Side; to: Side; files: FileDiff[] | null };

/** The line diff, file by file, between two revisions (or a revision and the draft). */
export async function compareRevisions(from: DiffSide, to: DiffSide): Promise<RevisionComparison> {
  const [a, b] = [await loadSide(from), await loadSide(to)];
  if (!("files" in a) || !("files" in b)) return { from: a, to: b, files: null };
  return { from: a, to: b, files: diffBundles(a.files, b.files) };
}

/** One revision with its files (path order), or null. */
export const getRevisionFiles = retryingRead(async function getRevisionFiles(number: number) {
  const r = await db.configRevision.findUnique({
    where: { number },
    select: { number: true, contentHash: true, summary: true, engineChecked: true, rollbackOf: true, createdAt: true, createdByEmail: true, bundle: true },
  });
  if (!r) return null;
  const { bundle: _bundle, ...head } = r;
  return { ...head, files: bundleOf(r) };
});

/** A vhost's own files in the latest revision (empty when it does not serve it), and whether its stored state differs. */
export async function vhostPublishedFiles(vhost: { id: string; domain: string }) {
  const [latest, unpublished] = await Promise.all([
    readWithRetry(() => db.configRevision.findFirst({ orderBy: { number: "desc" }, select: { number: true, createdAt: true, createdByEmail: true, bundle: true } })),
    unpublishedAmong([vhost.id]).catch((err: unknown) => {
      if (err instanceof AppError) return null; // the environment's compiler settings are unusable: the config page says so
      throw err;
    }),
  ]);
  return {
    latest: latest && { number: latest.number, createdAt: latest.createdAt, createdByEmail: latest.createdByEmail },
    files: latest ? vhostFiles(bundleOf(latest), vhost.domain) : {},
    unpublished: unpublished === null ? null : unpublished.has(vhost.id),
  };
}

export type PublishPreview =
  | { ok: false; error: string; vhost: string | null; vhostId: string | null; field: string | null }
  | {
      ok: true;
      /** The revision Publish would follow (null: the first publish). */
      latest: { number: number; createdAt: Date; createdByEmail: string } | null;
      /** The content hash of the bundle Publish would store: the form sends it back, Publish stores that bundle or nothing. */
      fingerprint: string;
      upToDate: boolean;
      files: FileDiff[];
      changes: BundleChanges;
      /** domain → vhost id, for the domains in `changes` that still have a vhost. */
      vhostIds: Record<string, string>;
    };

/**
 * What Publish would store now, against the latest revision (against nothing before the first publish:
 * every file added), file by file, with the vhosts it changes.
 */
export async function publishPreview(): Promise<PublishPreview> {
  let compiled;
  try {
    compiled = await compileCurrent();
  } catch (err) {
    if (err instanceof CompileError) return { ok: false, error: err.reason, vhost: err.vhost, vhostId: err.vhostId, field: err.field };
    if (err instanceof AppError) return { ok: false, error: err.message, vhost: null, vhostId: null, field: null };
    throw err;
  }
  const latest = await readWithRetry(() => db.configRevision.findFirst({ orderBy: { number: "desc" }, select: { number: true, contentHash: true, createdAt: true, createdByEmail: true, bundle: true } }));
  const before = latest ? bundleOf(latest) : null;
  const after = compiled.bundle.files;
  const changes = compareBundles(before, after);
  const domains = new Set([...changes.added, ...changes.changed, ...changes.removed]);
  const vhosts = domains.size ? await readWithRetry(() => db.virtualHost.findMany({ select: { id: true, domain: true } })) : [];
  return {
    ok: true,
    latest: latest && { number: latest.number, createdAt: latest.createdAt, createdByEmail: latest.createdByEmail },
    fingerprint: compiled.hash,
    upToDate: latest?.contentHash === compiled.hash,
    files: diffBundles(before ?? {}, after),
    changes,
    vhostIds: Object.fromEntries(vhosts.filter((v) => domains.has(v.domain)).map((v) => [v.domain, v.id])),
  };
}

/** Revisions newest first below `belowNumber` (keyset: the REST API's cursor), without bundles, one more to tell if more follow. */
export const listRevisionPage = retryingRead(async function listRevisionPage(params: { belowNumber?: number; limit: number }) {
  const rows = await db.configRevision.findMany({
    where: params.belowNumber !== undefined ? { number: { lt: params.belowNumber } } : {},
    orderBy: { number: "desc" },
    take: params.limit + 1,
    select: { id: true, number: true, contentHash: true, summary: true, changes: true, engineChecked: true, rollbackOf: true, createdByEmail: true, createdAt: true },
  });
  return { rows: rows.slice(0, params.limit).map((r) => ({ ...r, changes: r.changes as BundleChanges })), hasMore: rows.length > params.limit };
});
