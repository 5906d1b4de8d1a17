// Test-only: WAF events written straight into WafEvent and WafEventMatch (ingestion is not under test
// here), the way the ingestion stores them: matches as JSON, one match row per rule with its tags "|a|b|";
// and counted into the hourly rollup (lib/events/rollup.ts) as ingestion counts them, so /events reads
// the same numbers from either.
import { randomUUID } from "node:crypto";
import { db, dialect } from "@/lib/db";
import { clientKey } from "@/lib/events/client-key";
import { rollupUpsert, type RollupEvent, type RollupMatch } from "@/lib/events/rollup";
import { isBookkeepingRule } from "@/lib/events/rules";
import type { EventMatch } from "@/lib/events/schema";

export const TEST_NODE_ID = "99999999-9999-4999-8999-999999999999";

export type FixtureWafEvent = {
  id?: string;
  at: string | Date;
  vhostId?: string | null;
  vhost?: string;
  client?: string;
  method?: string;
  uri?: string;
  status?: number;
  outcome?: "blocked" | "detected";
  inboundScore?: number | null;
  revision?: number | null;
  matches: Partial<EventMatch>[];
  /** Stored without its client key, as events were before migration 20261206130000_event_client_key. */
  withoutClientKey?: boolean;
};

export function match(ruleId: number, more: Partial<EventMatch> = {}): EventMatch {
  return { ruleId, message: `Rule ${ruleId}`, tags: [], severity: isBookkeepingRule(ruleId) ? null : 2, paranoiaLevel: isBookkeepingRule(ruleId) ? null : 1, variable: null, data: null, value: null, ...more };
}

/** Inserts the events; returns their ids in order. */
export async function insertEvents(events: FixtureWafEvent[]): Promise<string[]> {
  const ids: string[] = [];
  const counted: RollupEvent[] = [];
  const countedMatches: RollupMatch[] = [];
  for (const e of events) {
    const id = e.id ?? randomUUID();
    ids.push(id);
    const occurredAt = new Date(e.at);
    const uri = e.uri ?? "/";
    const matches = e.matches.map((m) => match(m.ruleId ?? 942100, m));
    const outcome = e.outcome ?? "blocked";
    await db.wafEvent.create({
      data: {
        id, nodeId: TEST_NODE_ID, transactionId: `tx-${id}`, vhostId: e.vhostId ?? null, vhost: e.vhost ?? "shop.example.test", occurredAt,
        clientAddress: e.client ?? "192.0.2.1", clientKey: e.withoutClientKey ? null : (clientKey(e.client ?? "192.0.2.1") ?? ""), method: e.method ?? "GET", uri, path: uri.split("?")[0]!, status: e.status ?? (outcome === "blocked" ? 403 : 200),
        outcome, inboundScore: e.inboundScore ?? 5, outboundScore: null, revision: e.revision ?? null, matches,
      },
    });
    const seen = new Set<number>();
    const rows = matches.filter((m) => !seen.has(m.ruleId) && seen.add(m.ruleId)).map((m) => ({
      eventId: id, ruleId: m.ruleId, occurredAt, vhostId: e.vhostId ?? null, outcome, scoring: !isBookkeepingRule(m.ruleId), tags: `|${m.tags.join("|")}|`,
    }));
    await db.wafEventMatch.createMany({ data: rows });
    counted.push({ occurredAt, vhostId: e.vhostId ?? null, outcome, clientAddress: e.client ?? "192.0.2.1", path: uri.split("?")[0]! });
    countedMatches.push(...rows);
  }
  // No rows to insert, only the rollup's follow-up, in one transaction.
  await dialect().insertBatch([], () => [rollupUpsert(counted, countedMatches)]);
  return ids;
}
