import "server-only";
import { z } from "zod";
import { db, retryingRead } from "@/lib/db";
import { CompileError } from "@/lib/waf/types";
import type { BundleChanges } from "./changes";
import type { BundleFiles } from "./hash";
import { diffBundles, type FileDiff } from "./line-diff";
import { bundleOf, compileCurrent } from "./service";

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
