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

/** A certificate is flagged when it expires within this many days (or has expired). */
export const CERT_WARNING_DAYS = 21;
const DAY_MS = 86_400_000;

export type CertificateExpiry = {
  /** Whole days left, rounded down; negative once expired (-1 on the first day after). */
  daysLeft: number;
  state: "expired" | "expiring" | "ok";
  label: string;
};

/** How long until a certificate expires, and whether that needs attention. */
export function certificateExpiry(notAfter: Date, now: Date): CertificateExpiry {
  const ms = notAfter.getTime() - now.getTime();
  const daysLeft = Math.floor(ms / DAY_MS);
  if (ms <= 0) {
    const ago = Math.floor(-ms / DAY_MS);
    return { daysLeft, state: "expired", label: ago === 0 ? "expired today" : `expired ${ago} day${ago === 1 ? "" : "s"} ago` };
  }
  const label = daysLeft === 0 ? "expires within a day" : `${daysLeft} day${daysLeft === 1 ? "" : "s"} left`;
  return { daysLeft, state: ms < CERT_WARNING_DAYS * DAY_MS ? "expiring" : "ok", label };
}

/** The newest moment at which a certificate still counts as expiring soon (notAfter before it). */
export function certificateWarningCutoff(now: Date): Date {
  return new Date(now.getTime() + CERT_WARNING_DAYS * DAY_MS);
}

/**
 * The time from publishing the revision a node runs to the node applying it, in ms; null when unknown
 * (nothing applied, no record of when, or a revision applied before it was published: clocks apart).
 */
export function publishToApplied(publishedAt: Date | null, appliedAt: Date | null): number | null {
  if (!publishedAt || !appliedAt) return null;
  const ms = appliedAt.getTime() - publishedAt.getTime();
  return ms >= 0 ? ms : null;
}

/** "850 ms", "4.2 s", "3 min 5 s", "2 h 10 min", "3 days". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(Math.round(ms / 100) / 10).toString()} s`;
  const s = Math.round(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)} min${s % 60 ? ` ${s % 60} s` : ""}`;
  const m = Math.round(s / 60);
  if (m < 24 * 60) return `${Math.floor(m / 60)} h${m % 60 ? ` ${m % 60} min` : ""}`;
  const d = Math.floor(m / (24 * 60));
  return `${d} day${d === 1 ? "" : "s"}`;
}
