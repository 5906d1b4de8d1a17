// Reads of custom rules and exclusions for the pages, and the rule-id lookups the service checks inside its transaction.
import "server-only";
import { z } from "zod";
import { db, type Tx, retryingRead } from "@/lib/db";
import { CUSTOM_RULE_ID_MAX, CUSTOM_RULE_ID_MIN } from "@/lib/rules/modsec-vocabulary";

/**
 * The lowest custom-rule id nobody uses yet, across every vhost (ids are unique installation-wide),
 * or null when the whole custom range is taken.
 */
export async function nextFreeRuleId(client: Tx = db): Promise<number | null> {
  const used = await client.customRule.findMany({
    where: { ruleId: { gte: CUSTOM_RULE_ID_MIN, lte: CUSTOM_RULE_ID_MAX } },
    select: { ruleId: true },
    orderBy: { ruleId: "asc" },
  });
  let candidate = CUSTOM_RULE_ID_MIN;
  for (const { ruleId } of used) {
    if (ruleId > candidate) break;
    candidate = ruleId + 1;
  }
  return candidate <= CUSTOM_RULE_ID_MAX ? candidate : null;
}

/** Which vhost has the custom rule with this id, if any. */
export async function ruleIdOwner(ruleId: number, client: Tx = db) {
  return client.customRule.findUnique({ where: { ruleId }, select: { id: true, vhost: { select: { id: true, domain: true } } } });
}

/** The custom rules page of one vhost: its rules in evaluation order and the id the add form proposes. */
export const getVhostCustomRules = retryingRead(async function getVhostCustomRules(vhostId: string) {
  if (!z.uuid().safeParse(vhostId).success) return null;
  const vhost = await db.virtualHost.findUnique({ where: { id: vhostId }, select: { id: true, domain: true } });
  if (!vhost) return null;
  const [rules, nextRuleId] = await Promise.all([
    db.customRule.findMany({ where: { vhostId }, orderBy: [{ position: "asc" }, { ruleId: "asc" }] }),
    nextFreeRuleId(),
  ]);
  return { vhost, rules, nextRuleId };
});

/** The exclusions page of one vhost, oldest first. */
export const getVhostExclusions = retryingRead(async function getVhostExclusions(vhostId: string) {
  if (!z.uuid().safeParse(vhostId).success) return null;
  const vhost = await db.virtualHost.findUnique({ where: { id: vhostId }, select: { id: true, domain: true } });
  if (!vhost) return null;
  const exclusions = await db.ruleExclusion.findMany({ where: { vhostId }, orderBy: [{ createdAt: "asc" }, { id: "asc" }] });
  return { vhost, exclusions };
});
