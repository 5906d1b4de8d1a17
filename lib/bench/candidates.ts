// Proposed changes, measured before anyone makes them: copies of lib/audit/audited.ts and of
// updatePolicy with one difference each, so the benchmark can show what a change would buy. Nothing in
// the panel uses this file; when a proposal is taken, the real code changes and this copy goes.
import type { AuditContext, AuditEntry } from "@/lib/audit/audited";
import { hashEvent, toJsonValue } from "@/lib/audit/chain";
import type { AuditFilter } from "@/lib/audit/filters";
import { AUDIT_PAGE_SIZE, auditConditions } from "@/lib/audit/queries";
import { createHash } from "node:crypto";
import { vhostFiles } from "@/lib/config/changes";
import { loadVhostInputs } from "@/lib/config/load";
import { bundleOf } from "@/lib/config/service";
import { compilerSettingsFromEnv } from "@/lib/config/settings";
import { db, dbKind, Prisma, type Tx } from "@/lib/db";
import { matchesIfNoneMatch } from "@/lib/nodes/api";
import { authenticateNode, recordNodeContact } from "@/lib/nodes/service";
import { bearerToken } from "@/lib/nodes/token";
import { ConflictError, NotFoundError } from "@/lib/errors";
import { summarizePolicy, type WafPolicy } from "@/lib/policies/policy";
import { VHOST_PAGE_SIZE, type VhostListParams } from "@/lib/vhosts/queries";
import { compileBundle } from "@/lib/waf/compile";
import { CompileError, type CompilerSettings } from "@/lib/waf/types";
import { policyView } from "@/lib/vhosts/service";

/**
 * audited() with the chain head claimed after the change instead of before it, and the event written
 * without reading it back (createMany returns no row). The head's row lock is then held only for the
 * event insert, the head update and the commit, not for the change's own queries, so concurrent writers
 * wait less. Still no fork: every event is written while its transaction holds the head, and a writer
 * holding the head asks for no other row lock, so no deadlock either.
 */
export async function auditedLateClaim<T>(ctx: AuditContext, change: (tx: Tx) => Promise<{ result: T; audit: AuditEntry | AuditEntry[] }>): Promise<T> {
  return db.$transaction(
    async (tx) => {
      const { result, audit } = await change(tx);
      for (const entry of Array.isArray(audit) ? audit : [audit]) {
        const head = await tx.auditChainHead.update({ where: { id: 1 }, data: { lastSeq: { increment: 1 } }, select: { lastSeq: true, lastHash: true } });
        const fields = {
          seq: head.lastSeq,
          createdAt: new Date(),
          actorId: ctx.actor.id,
          actorEmail: ctx.actor.email,
          action: entry.action,
          entityType: entry.entityType,
          entityId: entry.entityId,
          vhostId: entry.vhostId ?? null,
          summary: entry.summary,
          before: entry.before === undefined ? null : toJsonValue(entry.before),
          after: entry.after === undefined ? null : toJsonValue(entry.after),
          ip: ctx.meta?.ip ?? null,
          userAgent: ctx.meta?.userAgent?.slice(0, 512) ?? null,
          prevHash: head.lastHash,
        };
        const hash = hashEvent(fields);
        await tx.auditEvent.createMany({
          data: [{ ...fields, before: fields.before === null ? undefined : (fields.before as object), after: fields.after === null ? undefined : (fields.after as object), hash }],
        });
        await tx.auditChainHead.update({ where: { id: 1 }, data: { lastHash: hash } });
      }
      return result;
    },
    { maxWait: 10_000, timeout: 20_000 },
  );
}

const POLICY_FIELDS = ["engineMode", "blockingParanoia", "detectionParanoia", "inboundThreshold", "outboundThreshold"] as const;

type Run = <T>(ctx: AuditContext, change: (tx: Tx) => Promise<{ result: T; audit: AuditEntry | AuditEntry[] }>) => Promise<T>;

/** The same transaction without the audit: the change's own cost, to compare an audited write with. */
export const withoutAudit: Run = (_ctx, change) => db.$transaction(async (tx) => (await change(tx)).result, { maxWait: 10_000, timeout: 20_000 });

/** lib/policies/service.ts updatePolicy as it is, with the transaction helper as a parameter. */
export async function updatePolicyCopy(ctx: AuditContext, input: WafPolicy & { vhostId: string }, run: Run) {
  return run(ctx, async (tx) => {
    const vhost = await tx.virtualHost.findUnique({ where: { id: input.vhostId }, select: { id: true, domain: true } });
    if (!vhost) throw new NotFoundError("This virtual host no longer exists: someone deleted it.");
    const current = await tx.wafPolicy.findUnique({ where: { vhostId: input.vhostId } });
    if (!current) throw new NotFoundError(`${vhost.domain} has no WAF policy.`);
    if (current.version !== input.version) throw new ConflictError(current.updatedByEmail, current.updatedAt, current.version);
    const data = Object.fromEntries(POLICY_FIELDS.map((f) => [f, input[f]]));
    const { count } = await tx.wafPolicy.updateMany({ where: { id: current.id, version: input.version }, data: { ...data, version: { increment: 1 }, updatedByEmail: ctx.actor.email } });
    if (count === 0) {
      const now = await tx.wafPolicy.findUniqueOrThrow({ where: { id: current.id } });
      throw new ConflictError(now.updatedByEmail, now.updatedAt, now.version);
    }
    const updated = await tx.wafPolicy.findUniqueOrThrow({ where: { id: current.id } });
    const before = policyView(current);
    const after = policyView(updated);
    const changes = POLICY_FIELDS.filter((f) => before[f] !== after[f]).map((f) => `${f} ${before[f]} → ${after[f]}`);
    return {
      result: updated,
      audit: {
        action: "policy.update",
        entityType: "WafPolicy",
        entityId: updated.id,
        vhostId: vhost.id,
        summary: changes.length ? `Policy of ${vhost.domain}: ${changes.join(", ")}` : `Saved the policy of ${vhost.domain} without changes`,
        before,
        after,
      },
    };
  });
}

/**
 * updatePolicy with two round trips fewer: the policy is read with its vhost's domain in one query, and
 * the versioned update returns the new row (update with `version` in the unique where), instead of
 * vhost lookup + policy read + updateMany + re-read. Same errors, same audit entry.
 */
export async function updatePolicyLean(ctx: AuditContext, input: WafPolicy & { vhostId: string }, run: Run = auditedLateClaim) {
  return run(ctx, async (tx) => {
    const current = await tx.wafPolicy.findUnique({ where: { vhostId: input.vhostId }, include: { vhost: { select: { id: true, domain: true } } } });
    if (!current) {
      if (!(await tx.virtualHost.findUnique({ where: { id: input.vhostId }, select: { id: true } }))) throw new NotFoundError("This virtual host no longer exists: someone deleted it.");
      throw new NotFoundError("This virtual host has no WAF policy.");
    }
    if (current.version !== input.version) throw new ConflictError(current.updatedByEmail, current.updatedAt, current.version);
    const data = Object.fromEntries(POLICY_FIELDS.map((f) => [f, input[f]]));
    let updated;
    try {
      updated = await tx.wafPolicy.update({ where: { id: current.id, version: input.version }, data: { ...data, version: { increment: 1 }, updatedByEmail: ctx.actor.email } });
    } catch (err) {
      if ((err as { code?: string }).code !== "P2025") throw err;
      const now = await tx.wafPolicy.findUniqueOrThrow({ where: { id: current.id } });
      throw new ConflictError(now.updatedByEmail, now.updatedAt, now.version);
    }
    const before = policyView(current);
    const after = policyView(updated);
    const changes = POLICY_FIELDS.filter((f) => before[f] !== after[f]).map((f) => `${f} ${before[f]} → ${after[f]}`);
    const domain = current.vhost.domain;
    return {
      result: updated,
      audit: {
        action: "policy.update",
        entityType: "WafPolicy",
        entityId: updated.id,
        vhostId: current.vhost.id,
        summary: changes.length ? `Policy of ${domain}: ${changes.join(", ")}` : `Saved the policy of ${domain} without changes`,
        before,
        after,
      },
    };
  });
}

// ---------------------------------------------------------------------------------------------------
// Audit log page in one round trip

const LIST_COLUMNS = Prisma.raw(`"id","seq","createdAt","actorEmail","action","entityType","entityId","vhostId","summary"`);

/**
 * listAuditEvents (newest first, `before` paging) in one statement instead of up to three (actor
 * lookup, seq page, rows by seq): the list columns are selected directly, and a user's id is looked up
 * inside the statement, so the (actorId, seq) index serves the page. Only when that finds nothing does
 * a second statement look for actors that are no user (system:seed, a deleted account) by the email
 * recorded with the event — the same rule as listAuditEvents. (A UNION ALL of both arms was measured
 * first: PostgreSQL then sorts all of the actor's events, 1.3 s instead of 1.5 ms.)
 */
export async function listAuditEventsOneQuery(params: { filter?: AuditFilter; before?: number; limit?: number }) {
  const limit = params.limit ?? AUDIT_PAGE_SIZE;
  const kind = dbKind();
  const filter = params.filter ?? {};
  const rest = auditConditions({ ...filter, actor: undefined }, kind);
  if (params.before !== undefined) rest.push(Prisma.sql`"seq" < ${params.before}`);
  const page = (conds: Prisma.Sql[]) =>
    db.$queryRaw<Record<string, unknown>[]>(
      Prisma.sql`SELECT ${LIST_COLUMNS} FROM "AuditEvent" ${conds.length ? Prisma.sql`WHERE ${Prisma.join(conds, " AND ")}` : Prisma.empty} ORDER BY "seq" DESC LIMIT ${limit + 1}`,
    );
  let raw = await page(filter.actor ? [Prisma.sql`"actorId" = (SELECT "id" FROM "User" WHERE "email" = ${filter.actor})`, ...rest] : rest);
  if (filter.actor && raw.length === 0) {
    raw = await page([Prisma.sql`"actorEmail" = ${filter.actor}`, Prisma.sql`NOT EXISTS (SELECT 1 FROM "User" WHERE "email" = ${filter.actor})`, ...rest]);
  }
  const rows = raw.slice(0, limit).map((r) => ({
    id: String(r.id),
    seq: Number(r.seq),
    createdAt: r.createdAt instanceof Date ? r.createdAt : new Date(String(r.createdAt)),
    actorEmail: String(r.actorEmail),
    action: String(r.action),
    entityType: String(r.entityType),
    entityId: String(r.entityId),
    vhostId: r.vhostId === null ? null : String(r.vhostId),
    summary: String(r.summary),
  }));
  return { rows, nextBefore: raw.length > limit ? (rows.at(-1)?.seq ?? null) : null, newerAfter: params.before !== undefined ? (rows[0]?.seq ?? null) : null };
}

// ---------------------------------------------------------------------------------------------------
// Vhost list: count the children of the page's vhosts only

/**
 * listVhosts with the hover summary's counts taken for the 25 vhosts of the page, by three indexed
 * groupBy queries run together, instead of Prisma's `_count` — which PostgreSQL and SQLite both run as
 * a join with the counts of every vhost's children (GROUP BY over the whole tables), so the page's
 * time grows with the installation: 56 ms at 10,000 vhosts on PostgreSQL.
 */
export async function listVhostsPageCounts(params: VhostListParams) {
  const where: Prisma.VirtualHostWhereInput = params.q ? { domain: { contains: params.q.toLowerCase() } } : {};
  const [total, page] = await Promise.all([
    db.virtualHost.count({ where }),
    db.virtualHost.findMany({
      where,
      orderBy: [{ [params.sort]: params.dir }, { id: "asc" }],
      skip: (params.page - 1) * VHOST_PAGE_SIZE,
      take: VHOST_PAGE_SIZE,
      select: {
        id: true,
        domain: true,
        aliases: true,
        backendUrl: true,
        tlsMode: true,
        enabled: true,
        version: true,
        updatedAt: true,
        updatedByEmail: true,
        policy: { select: { engineMode: true, blockingParanoia: true, detectionParanoia: true, inboundThreshold: true, outboundThreshold: true } },
      },
    }),
  ]);
  const ids = page.map((v) => v.id);
  const [deny, exclusions, rules] = ids.length
    ? await Promise.all([
        db.ipListEntry.groupBy({ by: ["vhostId"], where: { vhostId: { in: ids }, kind: "DENY" }, _count: { _all: true } }),
        db.ruleExclusion.groupBy({ by: ["vhostId"], where: { vhostId: { in: ids } }, _count: { _all: true } }),
        db.customRule.groupBy({ by: ["vhostId"], where: { vhostId: { in: ids }, enabled: true }, _count: { _all: true } }),
      ])
    : [[], [], []];
  const count = (rows: { vhostId: string; _count: { _all: number } }[]) => new Map(rows.map((r) => [r.vhostId, r._count._all]));
  const [d, x, c] = [count(deny), count(exclusions), count(rules)];
  return {
    total,
    pageCount: Math.max(1, Math.ceil(total / VHOST_PAGE_SIZE)),
    rows: page.map((v) => ({
      ...v,
      summary: v.policy
        ? summarizePolicy({ policy: v.policy, ipDenyCount: d.get(v.id) ?? 0, ipAllowCount: 0, exclusionCount: x.get(v.id) ?? 0, customRuleCount: c.get(v.id) ?? 0 })
        : "No WAF policy",
    })),
  };
}

// ---------------------------------------------------------------------------------------------------
// Node pull API: answer 304 without the bundle, and serialise a revision's 200 body once

let cachedBody: { contentHash: string; number: number; body: string } | null = null;

/**
 * GET /api/v1/nodes/config's success paths as lib/nodes/api.ts getNodeConfig answers them, with two
 * changes: the latest revision's number and hash are read without its bundle (which is all a 304 needs,
 * and what nodes polling an unchanged config get nearly every time), and the 200 body of a revision —
 * immutable once published — is built once and kept in memory for the next nodes.
 */
export async function getNodeConfigLean(request: Request): Promise<Response> {
  const node = await authenticateNode(bearerToken(request.headers.get("authorization")));
  if (!node) return Response.json({ error: "Unauthorized" }, { status: 401 });
  await recordNodeContact(node.id);
  const latest = await db.configRevision.findFirst({ orderBy: { number: "desc" }, select: { number: true, contentHash: true } });
  if (!latest) return Response.json({ error: "No configuration has been published yet." }, { status: 404, headers: { "cache-control": "no-store" } });
  const etag = `"${latest.contentHash}"`;
  const headers = { etag, "x-palisade-revision": String(latest.number), "cache-control": "private, no-cache" };
  if (matchesIfNoneMatch(request.headers.get("if-none-match"), etag)) return new Response(null, { status: 304, headers });
  if (cachedBody?.contentHash !== latest.contentHash || cachedBody.number !== latest.number) {
    const revision = await db.configRevision.findUniqueOrThrow({ where: { number: latest.number }, select: { bundle: true } });
    cachedBody = { contentHash: latest.contentHash, number: latest.number, body: JSON.stringify({ revision: latest.number, contentHash: latest.contentHash, files: bundleOf(revision) }) };
  }
  return new Response(cachedBody.body, { status: 200, headers: { ...headers, "content-type": "application/json" } });
}

// ---------------------------------------------------------------------------------------------------
// Vhost list: the "unpublished" marks of the page's vhosts only

const publishedHashes = new Map<number, Map<string, string>>();

/** path → sha256 of the file, for a revision (immutable, so kept per revision number). */
async function publishedFileHashes(number: number): Promise<Map<string, string>> {
  let hashes = publishedHashes.get(number);
  if (!hashes) {
    const revision = await db.configRevision.findUniqueOrThrow({ where: { number }, select: { bundle: true } });
    hashes = new Map(Object.entries(bundleOf(revision)).map(([path, text]) => [path, sha256(text)]));
    publishedHashes.clear();
    publishedHashes.set(number, hashes);
  }
  return hashes;
}

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

/**
 * unpublishedVhostIds() restricted to `ids` (the 25 vhosts of a list page): the same rule — compiled
 * on its own, a vhost is unpublished when its files differ from the latest revision's, or it cannot
 * compile, or it is disabled but still published — but only those vhosts are loaded and compiled, and
 * the latest revision's files are read once per revision and remembered as hashes.
 */
export async function unpublishedAmong(ids: string[], settings: CompilerSettings = compilerSettingsFromEnv()): Promise<Set<string>> {
  const only = { id: { in: ids } };
  const client = {
    virtualHost: { findMany: (args: Prisma.VirtualHostFindManyArgs) => db.virtualHost.findMany({ ...args, where: { ...args.where, ...only } }) },
  } as unknown as Pick<Tx, "virtualHost">;
  const [latest, enabled, disabled] = await Promise.all([
    db.configRevision.findFirst({ orderBy: { number: "desc" }, select: { number: true } }),
    loadVhostInputs(client),
    db.virtualHost.findMany({ where: { enabled: false, ...only }, select: { id: true, domain: true } }),
  ]);
  const published = latest ? await publishedFileHashes(latest.number) : new Map<string, string>();
  const out = new Set<string>();
  for (const v of enabled) {
    const paths = [`vhosts/${v.domain}.conf`, `rules/${v.domain}.conf`];
    const inRevision = paths.filter((p) => published.has(p));
    let own: Record<string, string>;
    try {
      own = vhostFiles(compileBundle({ vhosts: [v], settings }).files, v.domain);
    } catch (err) {
      if (!(err instanceof CompileError)) throw err;
      out.add(v.id);
      continue;
    }
    const same = inRevision.length === Object.keys(own).length && Object.entries(own).every(([p, text]) => published.get(p) === sha256(text));
    if (inRevision.length === 0 || !same) out.add(v.id);
  }
  for (const v of disabled) if (published.has(`vhosts/${v.domain}.conf`) || published.has(`rules/${v.domain}.conf`)) out.add(v.id);
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Loading every vhost for the compiler in chunks

export const LOAD_CHUNK = 500;

/**
 * lib/config/load.ts loadVhostInputs, with the vhost query paged by `LOAD_CHUNK` (same order, same
 * result). Prisma loads each included relation with `WHERE vhostId IN (…every vhost id…)`: at ~10,000
 * enabled vhosts SQLite refuses that ("The query parameter limit supported by your database is
 * exceeded"), and PostgreSQL would past 32,767. Paging keeps every IN list at LOAD_CHUNK ids.
 */
export async function loadVhostInputsChunked(): Promise<Awaited<ReturnType<typeof loadVhostInputs>>> {
  const client = {
    virtualHost: {
      findMany: async (args: Prisma.VirtualHostFindManyArgs) => {
        const out: unknown[] = [];
        for (let skip = 0; ; skip += LOAD_CHUNK) {
          const chunk = await db.virtualHost.findMany({ ...args, skip, take: LOAD_CHUNK });
          out.push(...chunk);
          if (chunk.length < LOAD_CHUNK) return out;
        }
      },
    },
  } as unknown as Pick<Tx, "virtualHost">;
  return loadVhostInputs(client);
}
