// The stored state → the compiler's input, ordered so that the input itself is stable. The vhosts are
// read in pages of the dialect's IN-list limit (by domain, after the last one read): Prisma loads each
// included relation with one `WHERE vhostId IN (…)` listing the vhosts of the query, and SQLite refuses
// more than its parameter limit (about 10,000 enabled vhosts broke publishing), PostgreSQL more than 32,767.
import { db, dialect, Prisma, type Tx } from "@/lib/db";
import type { CompileInput, CompilerSettings, VhostInput } from "@/lib/waf/types";
import { CompileError } from "@/lib/waf/types";
import { compilerSettingsFromEnv } from "./settings";

type Client = Pick<Tx, "virtualHost">;

/** Vhosts per query: each relation's IN list holds at most this many ids (lib/db/dialect: `limits.inList`, measured there). */
export const loadChunk = (): number => dialect().limits.inList;

export type LoadOptions = {
  client?: Client;
  /** Only these vhosts (a page's worth: the ids themselves are one IN list). */
  ids?: string[];
  /** Tests make it small to prove the paging. */
  chunk?: number;
};

const INCLUDE = {
  policy: true,
  ipEntries: { orderBy: [{ kind: "asc" }, { cidr: "asc" }] },
  customRules: { where: { enabled: true }, orderBy: [{ position: "asc" }, { ruleId: "asc" }] },
  exclusions: { orderBy: [{ createdAt: "asc" }, { id: "asc" }] },
} satisfies Prisma.VirtualHostInclude;

/** Every enabled vhost (or those of `ids`) with its policy, IP entries, enabled custom rules (by position) and exclusions, by domain. */
export async function loadVhostInputs(options: LoadOptions = {}): Promise<VhostInput[]> {
  const client = options.client ?? db;
  const chunk = options.chunk ?? loadChunk();
  if (!Number.isInteger(chunk) || chunk < 1) throw new Error(`loadVhostInputs: chunk must be a positive integer, got ${chunk}`);
  const out: VhostInput[] = [];
  let after: string | null = null;
  for (;;) {
    const rows: Row[] = await client.virtualHost.findMany({
      where: { enabled: true, ...(options.ids && { id: { in: options.ids } }), ...(after !== null && { domain: { gt: after } }) },
      orderBy: { domain: "asc" },
      take: chunk,
      include: INCLUDE,
    });
    for (const row of rows) out.push(toInput(row));
    if (rows.length < chunk) return out;
    after = rows.at(-1)!.domain;
  }
}

type Row = Prisma.VirtualHostGetPayload<{ include: typeof INCLUDE }>;

function toInput(v: Row): VhostInput {
  if (!v.policy) throw new CompileError(v.domain, v.id, "policy", "missing: open the vhost's WAF policy page and save it");
  return {
    id: v.id,
    domain: v.domain,
    aliases: Array.isArray(v.aliases) ? (v.aliases as string[]) : [],
    backendUrl: v.backendUrl,
    tlsMode: v.tlsMode,
    certificateRef: v.certificateRef,
    hsts: v.hsts,
    minTlsVersion: v.minTlsVersion,
    enabled: v.enabled,
    policy: {
      engineMode: v.policy.engineMode,
      blockingParanoia: v.policy.blockingParanoia,
      detectionParanoia: v.policy.detectionParanoia,
      inboundThreshold: v.policy.inboundThreshold,
      outboundThreshold: v.policy.outboundThreshold,
    },
    ipEntries: v.ipEntries.map((e) => ({ kind: e.kind, cidr: e.cidr, note: e.note })),
    customRules: v.customRules.map((r) => ({ ruleId: r.ruleId, description: r.description, secRule: r.secRule, enabled: r.enabled, position: r.position })),
    exclusions: v.exclusions.map((e) => ({
      kind: e.kind,
      ruleId: e.ruleId,
      ruleIdEnd: e.ruleIdEnd,
      tag: e.tag,
      target: e.target,
      pathPrefix: e.pathPrefix,
      note: e.note,
    })),
  };
}

/** What the panel publishes now: the stored vhosts, and the settings from the environment unless given. */
export async function loadCompileInput(options: { settings?: CompilerSettings; client?: Client } = {}): Promise<CompileInput> {
  const settings = options.settings ?? compilerSettingsFromEnv();
  return { vhosts: await loadVhostInputs({ client: options.client }), settings };
}
