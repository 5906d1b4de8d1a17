// Reads of a vhost's WAF policy page: the policy, its IP lists and counts, in few round trips.
import "server-only";
import { z } from "zod";
import { db } from "@/lib/db";
import { allowListCoverage } from "./cidr";
import { summarizePolicy } from "./policy";

/** Everything the policy pages of one vhost show, in few round trips. */
export async function getVhostPolicy(vhostId: string) {
  if (!z.uuid().safeParse(vhostId).success) return null;
  const vhost = await db.virtualHost.findUnique({
    where: { id: vhostId },
    select: { id: true, domain: true, version: true, enabled: true, policy: true },
  });
  if (!vhost || !vhost.policy) return null;
  const [ipEntries, customRules, exclusions] = await Promise.all([
    db.ipListEntry.findMany({ where: { vhostId }, orderBy: [{ kind: "asc" }, { createdAt: "asc" }] }),
    db.customRule.findMany({ where: { vhostId }, orderBy: { position: "asc" } }),
    db.ruleExclusion.findMany({ where: { vhostId }, orderBy: { createdAt: "asc" } }),
  ]);
  const summary = summarizePolicy({
    policy: vhost.policy,
    ipDenyCount: ipEntries.filter((e) => e.kind === "DENY").length,
    ipAllowCount: ipEntries.filter((e) => e.kind === "ALLOW").length,
    exclusionCount: exclusions.length,
    customRuleCount: customRules.filter((r) => r.enabled).length,
    wideAllow: allowListCoverage(ipEntries).flatMap((c) => (c.exceeds ? [c.description] : [])),
  });
  return { vhost, policy: vhost.policy, ipEntries, customRules, exclusions, summary };
}
