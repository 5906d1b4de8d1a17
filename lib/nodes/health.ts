// Whether a node needs attention. Pure: the page passes the time.
export const SILENT_AFTER_MS = 5 * 60_000;

export type NodeHealthInput = {
  revokedAt: Date | null;
  lastSeenAt: Date | null;
  appliedRevision: number | null;
  /** The content hash of the node's applied revision, when that revision exists. */
  appliedHash: string | null;
  lastStatus: string | null;
};

export type NodeHealth = {
  state: "revoked" | "ok" | "stale" | "failing";
  /** No contact for more than five minutes (or never). */
  silent: boolean;
  /** Its applied bundle is not the latest revision's. */
  behind: boolean;
  /** Its last apply or reload failed. */
  failing: boolean;
  reasons: string[];
};

export function nodeHealth(node: NodeHealthInput, latest: { number: number; contentHash: string } | null, now: Date): NodeHealth {
  if (node.revokedAt) return { state: "revoked", silent: false, behind: false, failing: false, reasons: ["Its token is revoked."] };
  const silent = node.lastSeenAt === null || now.getTime() - node.lastSeenAt.getTime() > SILENT_AFTER_MS;
  // Compared by content: after a rollback to identical content the node is up to date.
  const behind =
    latest !== null && (node.appliedRevision === null || (node.appliedHash !== null ? node.appliedHash !== latest.contentHash : node.appliedRevision < latest.number));
  const failing = node.lastStatus === "failed";
  const reasons: string[] = [];
  if (node.lastSeenAt === null) reasons.push("It has never contacted the panel.");
  else if (silent) reasons.push("No contact for more than 5 minutes.");
  if (behind) reasons.push(node.appliedRevision === null ? `It has applied no revision; the latest is ${latest!.number}.` : `It runs revision ${node.appliedRevision}; the latest is ${latest!.number}.`);
  if (failing) reasons.push("Its last apply or reload failed.");
  return { state: failing ? "failing" : silent || behind ? "stale" : "ok", silent, behind, failing, reasons };
}
