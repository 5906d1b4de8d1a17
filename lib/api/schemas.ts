// The REST API's response shapes (requests reuse the domains' own schemas). JSON has no dates:
// timestamps are ISO 8601 strings.
import { z } from "zod";
import { ENGINE_MODES } from "@/lib/policies/policy-fields";
import { TLS_MODES, TLS_VERSIONS } from "@/lib/vhosts/fields";

const timestamp = z.string().meta({ format: "date-time" });

export const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    requestId: z.string(),
    errors: z.record(z.string(), z.array(z.string())).optional().meta({ description: "Per-field messages (invalid input)." }),
    currentVersion: z.number().int().optional().meta({ description: "The resource's current version (412)." }),
  })
  .meta({ id: "Problem", description: "RFC 9457 problem details." });

export const VhostSchema = z
  .object({
    id: z.string(),
    domain: z.string(),
    aliases: z.array(z.string()),
    backendUrl: z.string(),
    tlsMode: z.enum(TLS_MODES),
    certificateRef: z.string().nullable(),
    hsts: z.boolean(),
    minTlsVersion: z.enum(TLS_VERSIONS),
    enabled: z.boolean(),
    version: z.number().int(),
    createdAt: timestamp,
    updatedAt: timestamp,
    updatedByEmail: z.string().nullable(),
  })
  .meta({ id: "Vhost" });

export const VhostPageSchema = z.object({ items: z.array(VhostSchema), next: z.string().nullable() }).meta({ id: "VhostPage" });

export const PolicySchema = z
  .object({
    vhostId: z.string(),
    engineMode: z.enum(ENGINE_MODES),
    blockingParanoia: z.number().int(),
    detectionParanoia: z.number().int(),
    inboundThreshold: z.number().int(),
    outboundThreshold: z.number().int(),
    version: z.number().int(),
    updatedAt: timestamp,
    updatedByEmail: z.string().nullable(),
  })
  .meta({ id: "Policy" });

export const DeletedSchema = z.object({ id: z.string(), deleted: z.literal(true) }).meta({ id: "Deleted" });

type VhostRow = {
  id: string;
  domain: string;
  aliases: unknown;
  backendUrl: string;
  tlsMode: string;
  certificateRef: string | null;
  hsts: boolean;
  minTlsVersion: string;
  enabled: boolean;
  version: number;
  createdAt: Date;
  updatedAt: Date;
  updatedByEmail: string | null;
};

export function vhostBody(v: VhostRow): z.infer<typeof VhostSchema> {
  return {
    id: v.id,
    domain: v.domain,
    aliases: Array.isArray(v.aliases) ? v.aliases.map(String) : [],
    backendUrl: v.backendUrl,
    tlsMode: v.tlsMode as z.infer<typeof VhostSchema>["tlsMode"],
    certificateRef: v.certificateRef,
    hsts: v.hsts,
    minTlsVersion: v.minTlsVersion as z.infer<typeof VhostSchema>["minTlsVersion"],
    enabled: v.enabled,
    version: v.version,
    createdAt: v.createdAt.toISOString(),
    updatedAt: v.updatedAt.toISOString(),
    updatedByEmail: v.updatedByEmail,
  };
}

export function policyBody(p: {
  vhostId: string;
  engineMode: string;
  blockingParanoia: number;
  detectionParanoia: number;
  inboundThreshold: number;
  outboundThreshold: number;
  version: number;
  updatedAt: Date;
  updatedByEmail: string | null;
}): z.infer<typeof PolicySchema> {
  return {
    vhostId: p.vhostId,
    engineMode: p.engineMode as z.infer<typeof PolicySchema>["engineMode"],
    blockingParanoia: p.blockingParanoia,
    detectionParanoia: p.detectionParanoia,
    inboundThreshold: p.inboundThreshold,
    outboundThreshold: p.outboundThreshold,
    version: p.version,
    updatedAt: p.updatedAt.toISOString(),
    updatedByEmail: p.updatedByEmail,
  };
}
