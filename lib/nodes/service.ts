// WAF nodes: registering, revoking and rotating tokens (audited, ADMIN through lib/nodes/actions.ts), and
// what the node API records (lib/nodes/api.ts): when a node last pulled, and what it applied.
import "server-only";
import { audited, type AuditContext, type RequestMeta } from "@/lib/audit/audited";
import { db, isUniqueViolation, type Tx, type WafNodeModel } from "@/lib/db";
import { notifyOnCommit, receivesSignals, RESYNC, signalLocally, subscribe } from "@/lib/db/signal";
import { AppError, FieldValidationError, NotFoundError } from "@/lib/errors";
import { NODE_MESSAGE_MAX, type CertificateReport, type RegisterNodeInput, type StatusReport } from "./schema";
import { generateToken, hashToken, isTokenFormat, sameHash, tokenPrefix } from "./token";

export type NodeView = { id: string; name: string; tokenPrefix: string; revoked: boolean };

function view(n: Pick<WafNodeModel, "id" | "name" | "tokenPrefix" | "revokedAt">): NodeView {
  return { id: n.id, name: n.name, tokenPrefix: n.tokenPrefix, revoked: n.revokedAt !== null };
}

function duplicateName(name: string) {
  return new FieldValidationError({ name: [`A node named ${name} already exists.`] });
}

async function nodeOrThrow(tx: Tx, id: string) {
  const node = await tx.wafNode.findUnique({ where: { id } });
  if (!node) throw new NotFoundError("This node no longer exists.");
  return node;
}

/** Registers a node; the token is returned once and never stored (only its hash and prefix are). */
export async function registerNode(ctx: AuditContext, input: RegisterNodeInput): Promise<{ node: NodeView; token: string }> {
  const token = generateToken();
  try {
    return await audited(ctx, async (tx) => {
      if (await tx.wafNode.findUnique({ where: { name: input.name }, select: { id: true } })) throw duplicateName(input.name);
      const node = await tx.wafNode.create({ data: { name: input.name, tokenHash: hashToken(token), tokenPrefix: tokenPrefix(token) } });
      return {
        result: { node: view(node), token },
        audit: {
          action: "node.register",
          entityType: "WafNode",
          entityId: node.id,
          summary: `Registered WAF node ${node.name} (token ${node.tokenPrefix}…)`,
          after: view(node),
        },
      };
    });
  } catch (err) {
    if (isUniqueViolation(err, "name")) throw duplicateName(input.name);
    throw err;
  }
}

/** From now on the node's token gets 401 (on other panel instances: see authenticateNodeCached). */
export async function revokeNode(ctx: AuditContext, input: { id: string }): Promise<NodeView> {
  const revoked = await audited(ctx, async (tx) => {
    const node = await nodeOrThrow(tx, input.id);
    if (node.revokedAt) throw new AppError(`The token of ${node.name} is already revoked.`);
    const updated = await tx.wafNode.update({ where: { id: node.id }, data: { revokedAt: new Date() } });
    await notifyOnCommit(tx, "palisade_node", node.id);
    return {
      result: view(updated),
      audit: {
        action: "node.revoke",
        entityType: "WafNode",
        entityId: node.id,
        summary: `Revoked the token of WAF node ${node.name} (${node.tokenPrefix}…)`,
        before: view(node),
        after: view(updated),
      },
    };
  });
  signalLocally("palisade_node", revoked.id);
  return revoked;
}

/** A new token for the node (the old one stops working at once); a revoked node becomes active again. */
export async function rotateNodeToken(ctx: AuditContext, input: { id: string }): Promise<{ node: NodeView; token: string }> {
  const token = generateToken();
  const rotated = await audited(ctx, async (tx) => {
    const node = await nodeOrThrow(tx, input.id);
    const updated = await tx.wafNode.update({
      where: { id: node.id },
      data: { tokenHash: hashToken(token), tokenPrefix: tokenPrefix(token), revokedAt: null },
    });
    await notifyOnCommit(tx, "palisade_node", node.id);
    return {
      result: { node: view(updated), token },
      audit: {
        action: "node.rotate",
        entityType: "WafNode",
        entityId: node.id,
        summary: `Issued a new token for WAF node ${node.name} (${node.tokenPrefix}… → ${updated.tokenPrefix}…)${node.revokedAt ? "; it was revoked and is active again" : ""}`,
        before: view(node),
        after: view(updated),
      },
    };
  });
  signalLocally("palisade_node", rotated.node.id);
  return rotated;
}

/**
 * The active node a bearer token belongs to, or null — the same answer (and about the same work) for a
 * malformed, unknown or revoked token, so a caller learns nothing about which nodes exist.
 */
export async function authenticateNode(token: string | null): Promise<WafNodeModel | null> {
  const candidate = token !== null && isTokenFormat(token) ? token : "pn_invalid";
  const hash = hashToken(candidate);
  const node = await db.wafNode.findUnique({ where: { tokenHash: hash } });
  if (!node || node.revokedAt !== null || !sameHash(node.tokenHash, hash) || candidate !== token) return null;
  return node;
}

/** The longest a token's node is kept in a process without reading its row (see authenticateNodeCached). */
export const NODE_TOKEN_CACHE_MS = 10_000;
const NODE_TOKEN_CACHE_MAX = 50_000;

// Token hash → the active node it authenticated, and when that was read. Dropped for a node when its
// token is revoked or rotated (palisade_node, from any instance), all at once on a RESYNC.
const tokenCache = new Map<string, { node: WafNodeModel; at: number }>();
let tokenGeneration = 0;
let watchingNodes = false;

function watchNodeSignals() {
  if (watchingNodes) return;
  watchingNodes = true;
  subscribe("palisade_node", (payload) => {
    tokenGeneration++;
    if (payload === RESYNC) tokenCache.clear();
    else for (const [hash, entry] of tokenCache) if (entry.node.id === payload) tokenCache.delete(hash);
  });
}

/**
 * authenticateNode, answered from this process's memory when the same token was verified in the database
 * less than NODE_TOKEN_CACHE_MS ago and this process receives the panel's signals. A revoked or rotated
 * token therefore stops being accepted at once on the instance that revoked it, on the other instances
 * when the NOTIFY of that commit reaches them (milliseconds; a LISTEN connection that is down means no
 * cache at all), and in any case NODE_TOKEN_CACHE_MS later. Only a failed lookup is not kept: an unknown
 * token always reads the database (and is counted by the failure limiter). `cached` says where the
 * answer came from: the node API uses a kept answer only for a 304 (see lib/nodes/api.ts).
 */
export async function authenticateNodeCached(token: string | null, options: { fresh?: boolean } = {}): Promise<{ node: WafNodeModel; cached: boolean } | null> {
  watchNodeSignals();
  const hash = token !== null && isTokenFormat(token) ? hashToken(token) : null;
  const trusted = receivesSignals("palisade_node");
  if (hash && trusted && !options.fresh) {
    const entry = tokenCache.get(hash);
    if (entry && performance.now() - entry.at < NODE_TOKEN_CACHE_MS) return { node: entry.node, cached: true };
  }
  const started = { generation: tokenGeneration, at: performance.now() };
  const node = await authenticateNode(token);
  if (hash) {
    if (node && trusted && started.generation === tokenGeneration) {
      if (tokenCache.size >= NODE_TOKEN_CACHE_MAX) tokenCache.clear();
      tokenCache.set(hash, { node, at: started.at });
    } else tokenCache.delete(hash);
  }
  return node ? { node, cached: false } : null;
}

// Tokens to confirm in the database, gathered over one turn of the event loop (see confirmNodeToken).
type Confirming = { resolve: (node: WafNodeModel | null) => void; reject: (err: unknown) => void };
let pendingConfirm: Map<string, Confirming[]> | null = null;
const CONFIRM_CHUNK = 500;

async function confirmPending(batch: Map<string, Confirming[]>): Promise<void> {
  const hashes = [...batch.keys()];
  for (let i = 0; i < hashes.length; i += CONFIRM_CHUNK) {
    const chunk = hashes.slice(i, i + CONFIRM_CHUNK);
    try {
      const rows = await db.wafNode.findMany({ where: { tokenHash: { in: chunk } } });
      const byHash = new Map(rows.map((r) => [r.tokenHash, r]));
      for (const hash of chunk) {
        const node = byHash.get(hash);
        for (const c of batch.get(hash)!) c.resolve(node && node.revokedAt === null ? node : null);
      }
    } catch (err) {
      for (const hash of chunk) for (const c of batch.get(hash)!) c.reject(err);
    }
  }
}

/**
 * authenticateNode for a request that already authenticated and is about to be given a revision's content
 * (a long poll woken by a publish, or a kept token): read from the database now, but the tokens of every
 * request asking in the same turn of the event loop in one query — a publish wakes every waiting node at once.
 */
export function confirmNodeToken(token: string | null): Promise<WafNodeModel | null> {
  if (token === null || !isTokenFormat(token)) return Promise.resolve(null);
  const hash = hashToken(token);
  return new Promise((resolve, reject) => {
    if (!pendingConfirm) {
      const batch = new Map<string, Confirming[]>();
      pendingConfirm = batch;
      setImmediate(() => {
        if (pendingConfirm === batch) pendingConfirm = null;
        void confirmPending(batch);
      });
    }
    const waiting = pendingConfirm.get(hash);
    if (waiting) waiting.push({ resolve, reject });
    else pendingConfirm.set(hash, [{ resolve, reject }]);
  });
}

/** Last contact is kept to this precision: a node polling every few seconds writes its row once a minute, not on every poll. */
export const CONTACT_PRECISION_MS = 60_000;

/**
 * Records that the node called, at most once per CONTACT_PRECISION_MS per node (whatever the number of
 * panel instances: the condition is on the row), so a poll that changes nothing writes nothing. True when
 * it asked the database (the row now has a contact within the minute, this one or another instance's).
 */
export async function recordNodeContact(node: { id: string; lastSeenAt: Date | null }, now = new Date()): Promise<boolean> {
  if (node.lastSeenAt && now.getTime() - node.lastSeenAt.getTime() < CONTACT_PRECISION_MS) return false;
  const before = new Date(now.getTime() - CONTACT_PRECISION_MS);
  await db.wafNode.updateMany({ where: { id: node.id, OR: [{ lastSeenAt: null }, { lastSeenAt: { lte: before } }] }, data: { lastSeenAt: now } });
  return true;
}

export class UnknownRevisionError extends AppError {}

/**
 * Stores a node's report. `ok` makes `revision` its applied revision; a failure keeps the applied one
 * (the agent keeps serving the last good bundle) and flags the node. `appliedAt` moves only when the
 * applied revision changes (with the revision's createdAt it gives the time from publish to applied).
 * The certificates listed, when the report lists them, replace the node's in the same transaction. A
 * change of applied revision or of status is audited (actor `node:<name>`); a repeated identical report
 * only updates the node (and its certificates).
 */
export async function recordNodeStatus(node: WafNodeModel, report: StatusReport, meta: RequestMeta = {}) {
  const exists = await db.configRevision.findUnique({ where: { number: report.revision }, select: { number: true } });
  if (!exists) throw new UnknownRevisionError(`Revision ${report.revision} does not exist.`);
  const now = new Date();
  const message = `Revision ${report.revision}${report.ok ? "" : " failed"}${report.message ? `: ${report.message}` : ""}`.slice(0, NODE_MESSAGE_MAX);
  const appliedRevision = report.ok ? report.revision : node.appliedRevision;
  const data = {
    lastSeenAt: now,
    lastStatus: report.ok ? "ok" : "failed",
    lastMessage: message,
    appliedRevision,
    ...(appliedRevision !== node.appliedRevision ? { appliedAt: now } : {}),
  };
  const changed = data.lastStatus !== node.lastStatus || data.appliedRevision !== node.appliedRevision;
  const write = async (tx: Tx) => {
    const updated = await tx.wafNode.update({ where: { id: node.id }, data });
    if (report.certificates) await replaceCertificates(tx, node.id, report.certificates, now);
    return updated;
  };
  if (!changed) return report.certificates ? db.$transaction(write, { maxWait: 10_000, timeout: 20_000 }) : db.wafNode.update({ where: { id: node.id }, data });
  return audited({ actor: { id: null, email: `node:${node.name}` }, meta }, async (tx) => {
    const updated = await write(tx);
    return {
      result: updated,
      audit: {
        action: "node.status",
        entityType: "WafNode",
        entityId: node.id,
        summary: report.ok ? `WAF node ${node.name} applied revision ${report.revision}` : `WAF node ${node.name} failed to apply revision ${report.revision}: ${report.message.slice(0, 300)}`,
        before: { appliedRevision: node.appliedRevision, lastStatus: node.lastStatus },
        after: { appliedRevision: updated.appliedRevision, lastStatus: updated.lastStatus, message },
      },
    };
  });
}

/** The node's certificate list becomes exactly `certificates` (one delete and one bulk insert). */
async function replaceCertificates(tx: Tx, nodeId: string, certificates: CertificateReport[], reportedAt: Date): Promise<void> {
  await tx.nodeCertificate.deleteMany({ where: { nodeId } });
  if (certificates.length === 0) return;
  await tx.nodeCertificate.createMany({
    data: certificates.map((c) => ({ nodeId, ...c, notAfter: new Date(c.notAfter), reportedAt })),
  });
}
