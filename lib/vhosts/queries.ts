import { z } from "zod";
import { db, Prisma } from "@/lib/db";
import { summarizePolicy } from "@/lib/policies/policy";

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

export async function listVhosts(params: VhostListParams) {
  // Domains are stored lowercase (punycode), so a lowercase `contains` is case-insensitive on both databases.
  const where: Prisma.VirtualHostWhereInput = params.q ? { domain: { contains: params.q.toLowerCase() } } : {};
  const [total, rows] = await Promise.all([
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
        // Counted in the same query, for the policy summary shown on hover.
        _count: {
          select: {
            ipEntries: { where: { kind: "DENY" } },
            exclusions: true,
            customRules: { where: { enabled: true } },
          },
        },
      },
    }),
  ]);
  return {
    total,
    pageCount: Math.max(1, Math.ceil(total / VHOST_PAGE_SIZE)),
    rows: rows.map(({ _count, ...v }) => ({
      ...v,
      summary: v.policy
        ? summarizePolicy({ policy: v.policy, ipDenyCount: _count.ipEntries, ipAllowCount: 0, exclusionCount: _count.exclusions, customRuleCount: _count.customRules })
        : "No WAF policy",
    })),
  };
}

export type VhostListRow = Awaited<ReturnType<typeof listVhosts>>["rows"][number];

export function getVhost(id: string) {
  if (!z.uuid().safeParse(id).success) return Promise.resolve(null);
  return db.virtualHost.findUnique({ where: { id }, include: { policy: true } });
}
