import "server-only";
import { db, retryingRead } from "@/lib/db";
import { certificateExpiry, certificateWarningCutoff, nodeHealth, publishToApplied, type CertificateExpiry, type NodeHealth } from "./health";

export type NodeCertificateRow = {
  id: string;
  domain: string;
  reference: string;
  subject: string;
  altNames: string;
  issuer: string;
  serial: string;
  fingerprint: string;
  notAfter: Date;
  reportedAt: Date;
  expiry: CertificateExpiry;
};

export type NodeRow = {
  id: string;
  name: string;
  tokenPrefix: string;
  revokedAt: Date | null;
  lastSeenAt: Date | null;
  appliedRevision: number | null;
  appliedAt: Date | null;
  /** When the applied revision was published (its createdAt). */
  appliedPublishedAt: Date | null;
  /** From that publish to this node applying it, in ms (null when unknown). */
  publishToAppliedMs: number | null;
  lastStatus: string | null;
  lastMessage: string | null;
  createdAt: Date;
  health: NodeHealth;
  /** Soonest expiry first. */
  certificates: NodeCertificateRow[];
};

type Latest = { number: number; contentHash: string; createdAt: Date };

const latestRevision = () => db.configRevision.findFirst({ orderBy: { number: "desc" }, select: { number: true, contentHash: true, createdAt: true } });

/** Hash and publish time of each applied revision: a node's health compares content, not numbers. */
async function appliedRevisions(numbers: (number | null)[]) {
  const applied = [...new Set(numbers.filter((n): n is number => n !== null))];
  const rows = applied.length ? await db.configRevision.findMany({ where: { number: { in: applied } }, select: { number: true, contentHash: true, createdAt: true } }) : [];
  return new Map(rows.map((r) => [r.number, r]));
}

/** Every node with its health against the latest revision and its certificates, in four queries. */
export const listNodes = retryingRead(async function listNodes(now: Date = new Date()): Promise<{ rows: NodeRow[]; latest: Latest | null }> {
  const [nodes, latest, certificates] = await Promise.all([
    db.wafNode.findMany({ orderBy: { name: "asc" }, omit: { tokenHash: true } }),
    latestRevision(),
    db.nodeCertificate.findMany({ orderBy: [{ notAfter: "asc" }, { domain: "asc" }] }),
  ]);
  const revisions = await appliedRevisions(nodes.map((n) => n.appliedRevision));
  const byNode = new Map<string, NodeCertificateRow[]>();
  for (const { nodeId, ...c } of certificates) {
    const list = byNode.get(nodeId) ?? [];
    list.push({ ...c, expiry: certificateExpiry(c.notAfter, now) });
    byNode.set(nodeId, list);
  }
  const rows = nodes.map((n) => {
    const applied = n.appliedRevision === null ? undefined : revisions.get(n.appliedRevision);
    return {
      id: n.id,
      name: n.name,
      tokenPrefix: n.tokenPrefix,
      revokedAt: n.revokedAt,
      lastSeenAt: n.lastSeenAt,
      appliedRevision: n.appliedRevision,
      appliedAt: n.appliedAt,
      appliedPublishedAt: applied?.createdAt ?? null,
      publishToAppliedMs: publishToApplied(applied?.createdAt ?? null, n.appliedAt),
      lastStatus: n.lastStatus,
      lastMessage: n.lastMessage,
      createdAt: n.createdAt,
      health: nodeHealth({ ...n, appliedHash: applied?.contentHash ?? null }, latest, now),
      certificates: byNode.get(n.id) ?? [],
    };
  });
  return { rows, latest };
});

/**
 * What the dashboard flags about nodes: active nodes that do not serve the latest revision's content,
 * and certificates (of active nodes) that expire within CERT_WARNING_DAYS or have expired, soonest first.
 * Not wrapped in retryingRead: it runs inside the dashboard's read, which is.
 */
export async function nodeAttention(now: Date, limit: number) {
  const cutoff = certificateWarningCutoff(now);
  const expiringWhere = { notAfter: { lt: cutoff }, node: { revokedAt: null } };
  const [nodes, latest, expiring, expiringTotal] = await Promise.all([
    db.wafNode.findMany({ where: { revokedAt: null }, orderBy: { name: "asc" }, select: { id: true, name: true, revokedAt: true, lastSeenAt: true, appliedRevision: true, lastStatus: true } }),
    latestRevision(),
    db.nodeCertificate.findMany({
      where: expiringWhere,
      orderBy: [{ notAfter: "asc" }, { domain: "asc" }],
      take: limit,
      select: { id: true, domain: true, reference: true, notAfter: true, node: { select: { id: true, name: true } } },
    }),
    db.nodeCertificate.count({ where: expiringWhere }),
  ]);
  const revisions = await appliedRevisions(nodes.map((n) => n.appliedRevision));
  const behind = nodes.filter((n) => {
    const applied = n.appliedRevision === null ? undefined : revisions.get(n.appliedRevision);
    return nodeHealth({ ...n, appliedHash: applied?.contentHash ?? null }, latest, now).behind;
  });
  return {
    latest: latest?.number ?? null,
    staleNodes: { rows: behind.slice(0, limit).map((n) => ({ id: n.id, name: n.name, appliedRevision: n.appliedRevision })), total: behind.length },
    expiringCertificates: { rows: expiring.map((c) => ({ ...c, expiry: certificateExpiry(c.notAfter, now) })), total: expiringTotal },
  };
}
