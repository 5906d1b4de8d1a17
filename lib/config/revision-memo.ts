// A value derived from a revision's bundle (its file hashes, a node's 200 body), kept for the latest
// revision only: revisions never change, and at 10,000 vhosts reading and parsing a bundle (21 MB of
// JSON) costs hundreds of milliseconds. Kept as a promise, so callers asking together right after a
// publish wait for one read, not one each.
import { db } from "@/lib/db";
import { bundleOf } from "./service";
import type { BundleFiles } from "./hash";

export type RevisionKey = { number: number; contentHash: string };

export function latestRevisionMemo<T>(derive: (files: BundleFiles, revision: RevisionKey) => T): (revision: RevisionKey) => Promise<T> {
  let kept: (RevisionKey & { value: Promise<T> }) | null = null;
  return (revision) => {
    const cached = kept;
    if (cached?.number === revision.number && cached.contentHash === revision.contentHash) return cached.value;
    const value = db.configRevision
      .findUniqueOrThrow({ where: { number: revision.number }, select: { bundle: true } })
      .then((row) => derive(bundleOf(row), revision));
    // A slower read of an older revision must not replace a newer one; a failed read is not kept.
    if (!cached || cached.number <= revision.number) {
      const entry = { ...revision, value };
      kept = entry;
      value.catch(() => {
        if (kept === entry) kept = null;
      });
    }
    return value;
  };
}
