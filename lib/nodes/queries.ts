import "server-only";
import { db, retryingRead } from "@/lib/db";
import { nodeHealth, type NodeHealth } from "./health";

export type NodeRow = {
  id: string;
  name: string;
  tokenPrefix: string;
  revokedAt: Date | null;
  lastSeenAt: Date | null;
  appliedRevision: number | null;
  lastStatus: string | null;
  lastMessage: string | null;
  createdAt: Date;
  health: NodeHealth;
};

/** Every node with its health against the latest revision, in three queries. */
export const listNodes = retryingRead(async function listNodes(now: Date = new Date()): Promise<{ rows: NodeRow[]; latest: { number: number; contentHash: string } | null }> {
  const [nodes, latest] = await Promise.all([
    db.wafNode.findMany({ orderBy: { name: "asc" }, omit: { tokenHash: true } }),
    db.configRevision.findFirst({ orderBy: { number: "desc" }, select: { number: true, contentHash: true } }),
  ]);
  const applied = [...new Set(nodes.flatMap((n) => (n.appliedRevision === null ? [] : [n.appliedRevision])))];
  const hashes = new Map(
    (applied.length ? await db.configRevision.findMany({ where: { number: { in: applied } }, select: { number: true, contentHash: true } }) : []).map((r) => [
      r.number,
      r.contentHash,
    ]),
  );
  const rows = nodes.map((n) => ({
    id: n.id,
    name: n.name,
    tokenPrefix: n.tokenPrefix,
    revokedAt: n.revokedAt,
    lastSeenAt: n.lastSeenAt,
    appliedRevision: n.appliedRevision,
    lastStatus: n.lastStatus,
    lastMessage: n.lastMessage,
    createdAt: n.createdAt,
    health: nodeHealth({ ...n, appliedHash: n.appliedRevision === null ? null : (hashes.get(n.appliedRevision) ?? null) }, latest, now),
  }));
  return { rows, latest };
});
