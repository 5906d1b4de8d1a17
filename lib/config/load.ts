// The stored state → the compiler's input. One query (Prisma loads each relation with one more query
// for all vhosts together, never one per vhost), ordered so that the input itself is stable.
import { db, type Tx } from "@/lib/db";
import type { CompileInput, CompilerSettings, VhostInput } from "@/lib/waf/types";
import { CompileError } from "@/lib/waf/types";
import { compilerSettingsFromEnv } from "./settings";

type Client = Pick<Tx, "virtualHost">;

/** Every enabled vhost with its policy, IP entries, enabled custom rules (by position) and exclusions. */
export async function loadVhostInputs(client: Client = db): Promise<VhostInput[]> {
  const rows = await client.virtualHost.findMany({
    where: { enabled: true },
    orderBy: { domain: "asc" },
    include: {
      policy: true,
      ipEntries: { orderBy: [{ kind: "asc" }, { cidr: "asc" }] },
      customRules: { where: { enabled: true }, orderBy: [{ position: "asc" }, { ruleId: "asc" }] },
      exclusions: { orderBy: [{ createdAt: "asc" }, { id: "asc" }] },
    },
  });
  return rows.map((v) => {
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
  });
}

/** What the panel publishes now: the stored vhosts, and the settings from the environment unless given. */
export async function loadCompileInput(options: { settings?: CompilerSettings; client?: Client } = {}): Promise<CompileInput> {
  const settings = options.settings ?? compilerSettingsFromEnv();
  return { vhosts: await loadVhostInputs(options.client), settings };
}
