// WAF events for the e2e specs, written straight into the project's database with its own driver
// (insertRow in e2e/db-snapshot.ts): ingestion is not what these specs test. One WafEvent row with its
// matches as JSON, and one WafEventMatch row per rule, as the panel's ingestion stores them.
import { randomUUID } from "node:crypto";
import { clientKey } from "../lib/events/client-key";
import { insertRow } from "./db-snapshot";
import type { E2eDatabase } from "./databases";

export type E2eMatch = { ruleId: number; message: string; tags: string[]; severity: number | null; paranoiaLevel: number | null; variable: string | null; data: string | null; value: string | null };
export type E2eEvent = { vhostId: string; vhost: string; client: string; uri: string; at?: Date; outcome?: "blocked" | "detected"; status?: number; inboundScore?: number; revision?: number | null; matches: E2eMatch[] };

// lib/events/rules.ts isBookkeepingRule, repeated: the specs import nothing of the panel's server code.
const BOOKKEEPING = (id: number) => (id >= 901000 && id <= 901999) || (id >= 949000 && id <= 949999) || (id >= 959000 && id <= 959999) || (id >= 980000 && id <= 980999);

export async function insertWafEvent(d: E2eDatabase, e: E2eEvent): Promise<string> {
  const id = randomUUID();
  const at = e.at ?? new Date(Date.now() - 60_000);
  const outcome = e.outcome ?? "blocked";
  await insertRow(d, "WafEvent", {
    id, nodeId: randomUUID(), transactionId: `e2e-${id}`, vhostId: e.vhostId, vhost: e.vhost, occurredAt: at, receivedAt: at,
    clientAddress: e.client, clientKey: clientKey(e.client) ?? "", method: "GET", uri: e.uri, path: e.uri.split("?")[0], status: e.status ?? (outcome === "blocked" ? 403 : 200),
    outcome, inboundScore: e.inboundScore ?? 5, outboundScore: null, revision: e.revision ?? null, matches: e.matches,
  });
  for (const m of e.matches) {
    await insertRow(d, "WafEventMatch", { eventId: id, ruleId: m.ruleId, occurredAt: at, vhostId: e.vhostId, outcome, scoring: !BOOKKEEPING(m.ruleId), tags: `|${m.tags.join("|")}|` });
  }
  return id;
}
