// Everything the dashboard shows, read in one round of parallel queries.
import "server-only";
import { db, retryingRead } from "@/lib/db";
import { nodeAttention } from "@/lib/nodes/queries";
import { wholeFamilyReason } from "./attention";

export const RECENT_CHANGES = 10;
/** Each "needs attention" list shows this many vhosts and says how many more there are. */
export const ATTENTION_LIMIT = 20;

export const getDashboard = retryingRead(async function getDashboard(now: Date = new Date()) {
  const dayAgo = new Date(now.getTime() - 24 * 60 * 60 * 1000);
  const [total, byMode, notBlocking, notBlockingCount, disabled, disabledCount, wideExclusions, recent, refused24h, nodes] = await Promise.all([
    db.virtualHost.count(),
    db.wafPolicy.groupBy({ by: ["engineMode"], _count: { _all: true } }),
    db.virtualHost.findMany({
      where: { policy: { engineMode: { in: ["DETECTION_ONLY", "OFF"] } } },
      orderBy: { domain: "asc" },
      take: ATTENTION_LIMIT,
      select: { id: true, domain: true, enabled: true, policy: { select: { engineMode: true, updatedAt: true, updatedByEmail: true } } },
    }),
    db.virtualHost.count({ where: { policy: { engineMode: { in: ["DETECTION_ONLY", "OFF"] } } } }),
    db.virtualHost.findMany({
      where: { enabled: false },
      orderBy: { domain: "asc" },
      take: ATTENTION_LIMIT,
      select: { id: true, domain: true, updatedAt: true, updatedByEmail: true },
    }),
    db.virtualHost.count({ where: { enabled: false } }),
    // Candidates only (tag removals, target removals by tag, id ranges); wholeFamilyReason decides.
    db.ruleExclusion.findMany({
      where: { OR: [{ kind: "REMOVE_BY_TAG" }, { kind: "REMOVE_TARGET_BY_TAG" }, { kind: "REMOVE_BY_ID", ruleIdEnd: { not: null } }] },
      orderBy: { createdAt: "asc" },
      take: 5000,
      select: { id: true, kind: true, ruleId: true, ruleIdEnd: true, tag: true, target: true, pathPrefix: true, note: true, vhost: { select: { id: true, domain: true } } },
    }),
    db.auditEvent.findMany({
      where: { action: { not: "security.denied" } },
      orderBy: { seq: "desc" },
      take: RECENT_CHANGES,
      select: { id: true, seq: true, createdAt: true, actorEmail: true, action: true, summary: true, vhostId: true },
    }),
    db.auditEvent.count({ where: { action: "security.denied", createdAt: { gte: dayAgo } } }),
    nodeAttention(now, ATTENTION_LIMIT),
  ]);

  const modeCount = (m: "BLOCKING" | "DETECTION_ONLY" | "OFF") => byMode.find((r) => r.engineMode === m)?._count._all ?? 0;

  // One entry per vhost, with every family-wide exclusion it has.
  const families = new Map<string, { vhost: { id: string; domain: string }; reasons: string[] }>();
  for (const e of wideExclusions) {
    const reason = wholeFamilyReason(e);
    if (!reason) continue;
    const entry = families.get(e.vhost.id) ?? { vhost: e.vhost, reasons: [] };
    entry.reasons.push(e.note ? `${reason} (“${e.note}”)` : reason);
    families.set(e.vhost.id, entry);
  }
  const familyList = [...families.values()].sort((a, b) => a.vhost.domain.localeCompare(b.vhost.domain));

  return {
    counts: { total, blocking: modeCount("BLOCKING"), detectionOnly: modeCount("DETECTION_ONLY"), off: modeCount("OFF"), disabled: disabledCount },
    attention: {
      notBlocking: { rows: notBlocking, total: notBlockingCount },
      disabled: { rows: disabled, total: disabledCount },
      wholeFamilies: { rows: familyList.slice(0, ATTENTION_LIMIT), total: familyList.length },
      refused24h,
      staleNodes: nodes.staleNodes,
      expiringCertificates: nodes.expiringCertificates,
    },
    latestRevision: nodes.latest,
    recent,
  };
});

export type Dashboard = Awaited<ReturnType<typeof getDashboard>>;
