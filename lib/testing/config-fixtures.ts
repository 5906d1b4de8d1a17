// Helpers for the integration tests of publishing, nodes and the agent: vhosts made through the
// services (as the panel makes them), and engine checkers that do not need the engine.
import type { AuditContext } from "@/lib/audit/audited";
import { db } from "@/lib/db";
import { updatePolicy } from "@/lib/policies/service";
import { CreateVhostSchema, EMPTY_VHOST_FORM, type VhostFormValues } from "@/lib/vhosts/schema";
import { createVhost } from "@/lib/vhosts/service";
import type { EngineChecker } from "@/lib/config/check";

export const admin: AuditContext = { actor: { id: null, email: "admin@config.test" }, meta: { ip: "192.0.2.1", userAgent: "vitest" } };

export async function makeVhost(domain: string, patch: Partial<VhostFormValues> = {}) {
  return createVhost(admin, CreateVhostSchema.parse({ ...EMPTY_VHOST_FORM, domain, backendUrl: "http://127.0.0.1:9", confirmInternalBackend: true, ...patch }));
}

/** Changes a vhost's policy through the service (optimistic locking included). */
export async function changePolicy(vhostId: string, patch: Partial<{ engineMode: "OFF" | "DETECTION_ONLY" | "BLOCKING"; blockingParanoia: number; detectionParanoia: number; inboundThreshold: number; outboundThreshold: number }>) {
  const p = await db.wafPolicy.findUniqueOrThrow({ where: { vhostId } });
  return updatePolicy(admin, {
    vhostId,
    engineMode: p.engineMode,
    blockingParanoia: p.blockingParanoia,
    detectionParanoia: p.detectionParanoia,
    inboundThreshold: p.inboundThreshold,
    outboundThreshold: p.outboundThreshold,
    version: p.version,
    ...patch,
  });
}

export const passingChecker: EngineChecker = async () => ({ checked: true, ok: true, warnings: [], durationMs: 1 });
export const missingEngine: EngineChecker = async () => ({ checked: false, reason: "WAF engine not found: missing nginx (package nginx)" });
