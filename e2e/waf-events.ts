// WAF events for the e2e specs, written straight into the project's database with its own driver (as
// e2e/db-snapshot.ts reads it): ingestion is not what these specs test. Rows are stored the way the
// panel's ingestion and Prisma store them (SQLite: ISO date text with +00:00, booleans 0/1, JSON text).
import { randomUUID } from "node:crypto";
import { execSql } from "./db-snapshot";
import type { E2eDatabase } from "./databases";

export type E2eMatch = { ruleId: number; message: string; tags: string[]; severity: number | null; paranoiaLevel: number | null; variable: string | null; data: string | null; value: string | null };
export type E2eEvent = { vhostId: string; vhost: string; client: string; uri: string; at?: Date; outcome?: "blocked" | "detected"; status?: number; inboundScore?: number; revision?: number | null; matches: E2eMatch[] };

const BOOKKEEPING = (id: number) => (id >= 901000 && id <= 901999) || (id >= 949000 && id <= 949999) || (id >= 959000 && id <= 959999) || (id >= 980000 && id <= 980999);

export async function insertWafEvent(d: E2eDatabase, e: E2eEvent): Promise<string> {
  const id = randomUUID();
  const at = e.at ?? new Date(Date.now() - 60_000);
  const date = d.kind === "sqlite" ? at.toISOString().replace("Z", "+00:00") : at.toISOString();
  const outcome = e.outcome ?? "blocked";
  await execSql(
    d,
    `INSERT INTO "WafEvent" ("id","nodeId","transactionId","vhostId","vhost","occurredAt","receivedAt","clientAddress","method","uri","path","status","outcome","inboundScore","outboundScore","revision","matches")
     VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17)`,
    [id, randomUUID(), `e2e-${id}`, e.vhostId, e.vhost, date, date, e.client, "GET", e.uri, e.uri.split("?")[0], e.status ?? (outcome === "blocked" ? 403 : 200), outcome, e.inboundScore ?? 5, null, e.revision ?? null, JSON.stringify(e.matches)],
  );
  for (const m of e.matches) {
    const scoring = !BOOKKEEPING(m.ruleId);
    await execSql(d, `INSERT INTO "WafEventMatch" ("eventId","ruleId","occurredAt","vhostId","outcome","scoring","tags") VALUES ($1,$2,$3,$4,$5,$6,$7)`, [
      id, m.ruleId, date, e.vhostId, outcome, d.kind === "sqlite" ? (scoring ? 1 : 0) : scoring, `|${m.tags.join("|")}|`,
    ]);
  }
  return id;
}
