import "server-only";
import { z } from "zod";
import { db, Prisma, retryingRead } from "@/lib/db";
import { compilerSettingsFromEnv } from "@/lib/config/settings";
import { summarizePolicy } from "@/lib/policies/policy";
import { internalBackendRisk, type BackendRisk } from "./backend-risk";
import { domainSearchTerms } from "./display";

/** Why a backend is internal (loopback, link-local, metadata, a node's own listen address), or null: the "backend is internal" flag. */
export function internalBackendOf(backendUrl: string): BackendRisk | null {
  let nodeAddresses: string[] = [];
  try {
    nodeAddresses = compilerSettingsFromEnv().listenAddresses;
  } catch {
    // a broken setting is reported where the bundle is compiled
  }
  return internalBackendRisk(backendUrl, nodeAddresses);
}

export const VHOST_SORTS = ["domain", "updatedAt", "createdAt"] as const;
export const VHOST_PAGE_SIZE = 25;

/** The list's URL state (?q=&sort=&dir=&page=), parsed leniently: bad values fall back to defaults. */
export const VhostListParamsSchema = z.object({
  q: z.string().trim().max(253).catch("").default(""),
  sort: z.enum(VHOST_SORTS).catch("domain").default("domain"),
  dir: z.enum(["asc", "desc"]).catch("asc").default("asc"),
  page: z.coerce.number().int().min(1).max(100_000).catch(1).default(1),
});
export type VhostListParams = z.output<typeof VhostListParamsSchema>;

/**
 * The list's URL state, and what was ignored in it. A search with a control character (`?q=%00`) can
 * match no domain, and PostgreSQL refuses a NUL in a text parameter (a 500): it is dropped and named.
 */
export function parseVhostListParams(raw: Record<string, string | string[] | undefined>): { params: VhostListParams; problems: string[] } {
  const params = VhostListParamsSchema.parse(raw);
  if (!/[\u0000-\u001f\u007f]/.test(params.q)) return { params, problems: [] };
  return { params: { ...params, q: "" }, problems: ["The search contains a control character (such as NUL), which no domain has: search ignored."] };
}

export const listVhosts = retryingRead(async function listVhosts(params: VhostListParams) {
  // Domains are stored lowercase (punycode), so a lowercase `contains` is case-insensitive on both databases;
  // a name typed in Unicode is looked for in punycode too.
  const terms = domainSearchTerms(params.q);
  const where: Prisma.VirtualHostWhereInput = terms.length ? { OR: terms.map((t) => ({ domain: { contains: t } })) } : {};
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
  // The hover summary's counts, for the page's vhosts only, by indexed (vhostId, …) lookups. Prisma's
  // `_count` would join counts of every vhost's children (a GROUP BY over the whole tables) on each page:
  // 37 ms instead of 6 ms at 10,000 vhosts (BENCHMARKS.md, section e).
  const ids = page.map((v) => v.id);
  const [deny, exclusions, rules] = ids.length
    ? await Promise.all([
        db.ipListEntry.groupBy({ by: ["vhostId"], where: { vhostId: { in: ids }, kind: "DENY" }, _count: { _all: true } }),
        db.ruleExclusion.groupBy({ by: ["vhostId"], where: { vhostId: { in: ids } }, _count: { _all: true } }),
        db.customRule.groupBy({ by: ["vhostId"], where: { vhostId: { in: ids }, enabled: true }, _count: { _all: true } }),
      ])
    : [[], [], []];
  const counted = (rows: { vhostId: string; _count: { _all: number } }[]) => new Map(rows.map((r) => [r.vhostId, r._count._all]));
  const [d, x, c] = [counted(deny), counted(exclusions), counted(rules)];
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
});

export type VhostListRow = Awaited<ReturnType<typeof listVhosts>>["rows"][number];

export function getVhost(id: string) {
  if (!z.uuid().safeParse(id).success) return Promise.resolve(null);
  return db.virtualHost.findUnique({ where: { id }, include: { policy: true } });
}

/** One page of vhosts in domain order after `afterDomain` (keyset: the REST API's cursor), with one more to tell if more follow. */
export const listVhostPage = retryingRead(async function listVhostPage(params: { afterDomain?: string; limit: number; q?: string }) {
  const terms = domainSearchTerms(params.q ?? "");
  const where: Prisma.VirtualHostWhereInput = {
    ...(terms.length ? { OR: terms.map((t) => ({ domain: { contains: t } })) } : {}),
    ...(params.afterDomain !== undefined ? { domain: { gt: params.afterDomain } } : {}),
  };
  const rows = await db.virtualHost.findMany({ where, orderBy: { domain: "asc" }, take: params.limit + 1 });
  return { rows: rows.slice(0, params.limit), hasMore: rows.length > params.limit };
});
