// `npm run seed:scale -- --vhosts 10000 --events 1000000 [--waf-events 1000000]`: fills the database in
// DATABASE_URL with realistic data for the benchmarks — vhosts with policies in every mode, IP lists,
// custom rules, exclusions — an audit log whose hash chain verifies, and WAF events as nodes ship them.
// Vhosts and audit events go in through the bare driver in multi-row INSERTs (Prisma would take ten times
// as long); each audit batch is one transaction that locks the chain head first, exactly like
// lib/audit/audited.ts, and moves the head to its last event, so the chain verifies after every batch, a
// running panel can write in between, and a second run continues the chain where the first ended.
//
// WAF events (lib/bench/waf-events.ts) go in exactly as ingestion stores them: through the same
// storeEvents (lib/events/ingest.ts: the event and match rows built by the same code, the dialect's
// insertBatch, one transaction per batch, ON CONFLICT DO NOTHING). Their transaction ids are derived from
// the seed and the event's index, so a second run of the same seed stores nothing twice, and an
// interrupted run continues where it stopped (batches already stored are recognised and skipped).
import { randomBytes, randomUUID } from "node:crypto";
import { toJsonValue, hashEvent } from "@/lib/audit/chain";
import { hashPassword } from "@/lib/auth/password";
import { AUDIT_EVENT_COLUMNS, databaseUrl, disconnectDb, Prisma } from "@/lib/db";
import { eventId, storeEvents, type StoredEvent } from "@/lib/events/ingest";
import { lowerRollupMark, rollupClosedHours } from "@/lib/events/rollup-job";
import { generateToken, hashToken, SHOWN_PREFIX_LENGTH } from "@/lib/nodes/token";
import { makeEvent, makeVhost, rng, SEED_USERS, weighted, type Actor, type EventDraft, type SeedVhost } from "./data";
import { eventTime, makeWafEvent } from "./waf-events";
import { progress } from "./progress";
import { assertMigrated as assertDbMigrated } from "@/lib/db/ready";
import { assertMigrated, openRaw, redactUrl, type RawDb } from "@/lib/db/raw";

export type SeedScaleOptions = {
  url: string;
  vhosts: number;
  events: number;
  /** WAF events over the last `wafSpanDays` days (30), on the vhosts of the database (the first few busiest). */
  wafEvents?: number;
  wafSpanDays?: number;
  /** WAF events per transaction (default 2,000). */
  wafBatch?: number;
  /** Rows per transaction (vhosts, or audit events). */
  batch?: number;
  /** Shapes the data; the domains also carry a random tag so reruns never collide. */
  seed?: number;
  /** The events are spread over this many days up to now. */
  spanDays?: number;
  quiet?: boolean;
  now?: Date;
};

export type SeedScaleResult = {
  vhosts: number;
  ipEntries: number;
  customRules: number;
  exclusions: number;
  events: number;
  firstSeq: number | null;
  lastSeq: number;
  tag: string;
  seconds: number;
  waf: WafSeedResult;
};

export type WafSeedResult = {
  /** Events stored by this run, and those of this seed already stored (skipped). */
  inserted: number;
  skipped: number;
  /** WafEventMatch rows stored by this run. */
  matches: number;
  /** Hours the rollup job counted after the events went in (lib/events/rollup-job.ts). */
  rollupHours: number;
  seconds: number;
};

const CUSTOM_RULE_ID_MAX = 89_999;

async function ensureUsers(raw: RawDb, now: Date): Promise<(Actor & { weight: number })[]> {
  const existing = new Map(
    (await raw.query<{ id: string; email: string }>(`SELECT "id","email" FROM "User" WHERE "email" LIKE $1`, ["%@palisade.bench"])).map((u) => [u.email, u.id]),
  );
  const missing = SEED_USERS.filter((u) => !existing.has(u.email));
  if (missing.length) {
    // One unguessable password for all of them: these accounts exist to be actors, not to sign in.
    const passwordHash = await hashPassword(randomBytes(24).toString("base64"));
    const rows = missing.map((u) => {
      const id = randomUUID();
      existing.set(u.email, id);
      return [id, u.email, u.name, passwordHash, u.role, false, 0, now, now];
    });
    await raw.insert("User", ["id", "email", "name", "passwordHash", "role", "disabled", "sessionVersion", "createdAt", "updatedAt"], rows);
  }
  return SEED_USERS.map((u) => ({ id: existing.get(u.email)!, email: u.email, role: u.role, weight: u.weight }));
}

async function insertVhosts(raw: RawDb, vs: SeedVhost[]) {
  await raw.insert(
    "VirtualHost",
    ["id", "domain", "aliases", "backendUrl", "tlsMode", "certificateRef", "hsts", "minTlsVersion", "enabled", "version", "updatedByEmail", "createdAt", "updatedAt"],
    vs.map((v) => [v.id, v.domain, v.aliases, v.backendUrl, v.tlsMode, v.certificateRef, v.hsts, v.minTlsVersion, v.enabled, v.version, v.updatedByEmail, v.createdAt, v.updatedAt]),
  );
  await raw.insert(
    "WafPolicy",
    ["id", "vhostId", "engineMode", "blockingParanoia", "detectionParanoia", "inboundThreshold", "outboundThreshold", "version", "updatedByEmail", "updatedAt"],
    vs.map((v) => [v.policyId, v.id, v.policy.engineMode, v.policy.blockingParanoia, v.policy.detectionParanoia, v.policy.inboundThreshold, v.policy.outboundThreshold, v.version, v.updatedByEmail, v.updatedAt]),
  );
  const ips = vs.flatMap((v) => v.ipEntries.map((e) => [randomUUID(), v.id, e.kind, e.cidr, e.note, v.createdAt]));
  if (ips.length) await raw.insert("IpListEntry", ["id", "vhostId", "kind", "cidr", "note", "createdAt"], ips);
  const rules = vs.flatMap((v) => v.customRules.map((c) => [randomUUID(), v.id, c.ruleId, c.description, c.secRule, c.enabled, c.position, v.createdAt, v.updatedAt]));
  if (rules.length) await raw.insert("CustomRule", ["id", "vhostId", "ruleId", "description", "secRule", "enabled", "position", "createdAt", "updatedAt"], rules);
  const exclusions = vs.flatMap((v) => v.exclusions.map((x) => [randomUUID(), v.id, x.kind, x.ruleId, x.ruleIdEnd, x.tag, x.target, x.pathPrefix, x.note, v.createdAt]));
  if (exclusions.length) await raw.insert("RuleExclusion", ["id", "vhostId", "kind", "ruleId", "ruleIdEnd", "tag", "target", "pathPrefix", "note", "createdAt"], exclusions);
  return { ipEntries: ips.length, customRules: rules.length, exclusions: exclusions.length };
}


type Head = { lastSeq: number; lastHash: string };
type Prepared = { drafts: EventDraft[]; after: Head; rows: unknown[][]; head: Head };

/** The rows of `drafts` as the events after `head`: the same fields, in the same form, as eventRow in lib/audit/audited.ts hashes. */
function chainRows(drafts: EventDraft[], head: Head): Prepared {
  let seq = head.lastSeq;
  let prevHash = head.lastHash;
  const rows = drafts.map((d) => {
    seq++;
    const fields = { ...d, seq, before: d.before == null ? null : toJsonValue(d.before), after: d.after == null ? null : toJsonValue(d.after), prevHash };
    const hash = hashEvent(fields);
    prevHash = hash;
    return [randomUUID(), seq, d.createdAt, d.actorId, d.actorEmail, d.action, d.entityType, d.entityId, d.vhostId, d.summary, fields.before, fields.after, d.ip, d.userAgent, fields.prevHash, hash];
  });
  return { drafts, head, rows, after: { lastSeq: seq, lastHash: prevHash } };
}

/**
 * Writes a prepared batch as the next events of the chain, in one transaction that locks the chain head
 * first. The batch was hashed against the head the previous batch left; if someone else wrote in
 * between (a running panel), it is hashed again against the real head.
 */
async function appendEvents(raw: RawDb, prepared: Prepared): Promise<Prepared> {
  return raw.transaction(async () => {
    const [row] = await raw.query<Head>(`SELECT "lastSeq","lastHash" FROM "AuditChainHead" WHERE id = 1${raw.forUpdate}`);
    const head = { lastSeq: Number(row!.lastSeq), lastHash: row!.lastHash };
    const batch = head.lastSeq === prepared.head.lastSeq && head.lastHash === prepared.head.lastHash ? prepared : chainRows(prepared.drafts, head);
    await raw.insert("AuditEvent", [...AUDIT_EVENT_COLUMNS], batch.rows);
    await raw.query(`UPDATE "AuditChainHead" SET "lastSeq" = $1, "lastHash" = $2 WHERE id = 1`, [batch.after.lastSeq, batch.after.lastHash]);
    return batch;
  });
}

/** Nodes that "sent" the seeded WAF events: found by name, created (with a token nobody knows) when missing. */
const SEED_NODES = ["seed-node-1", "seed-node-2", "seed-node-3", "seed-node-4"];

async function ensureSeedNodes(raw: RawDb, now: Date): Promise<string[]> {
  const rows = await raw.query<{ id: string; name: string }>(`SELECT "id","name" FROM "WafNode" WHERE "name" LIKE 'seed-node-%'`);
  const byName = new Map(rows.map((r) => [r.name, String(r.id)]));
  const missing = SEED_NODES.filter((n) => !byName.has(n));
  if (missing.length) {
    const fresh = missing.map((name) => {
      const id = randomUUID();
      byName.set(name, id);
      const token = generateToken();
      return [id, name, hashToken(token), token.slice(0, SHOWN_PREFIX_LENGTH), now, now];
    });
    await raw.insert("WafNode", ["id", "name", "tokenHash", "tokenPrefix", "createdAt", "updatedAt"], fresh);
  }
  return SEED_NODES.map((n) => byName.get(n)!);
}

/** How many of `ids` are stored already (one indexed lookup). */
async function storedCount(raw: RawDb, ids: string[]): Promise<number> {
  const { sql, params } = raw.text(Prisma.sql`SELECT COUNT(*) AS n FROM "WafEvent" WHERE "id" IN (${Prisma.join(ids.map((id) => raw.dialect.uuid(id)))})`);
  const [row] = await raw.query<{ n: number | bigint }>(sql, params);
  return Number(row?.n ?? 0);
}

/**
 * `count` WAF events over the `spanDays` days up to `now`, oldest first, on up to 500 of the database's
 * vhosts, from 4 seed nodes, stored through storeEvents (ingestion's own code) `batch` events per
 * transaction. While one batch is stored, the next one is generated.
 */
async function seedWafEvents(raw: RawDb, options: { count: number; seed: number; spanDays: number; batch: number; now: Date; quiet: boolean }): Promise<WafSeedResult> {
  const started = performance.now();
  const { count, seed, batch, now } = options;
  const result: WafSeedResult = { inserted: 0, skipped: 0, matches: 0, rollupHours: 0, seconds: 0 };
  if (count === 0) return result;
  const vhosts = await raw.query<{ id: string; domain: string }>(`SELECT "id","domain" FROM "VirtualHost" ORDER BY "createdAt", "domain" LIMIT 500`);
  if (vhosts.length === 0) throw new Error("WAF events need vhosts to belong to: the database has none (add --vhosts N).");
  const domains = vhosts.map((v) => v.domain);
  const nodes = (await ensureSeedNodes(raw, now)).map((id) => ({ id, appliedRevision: null }));
  const spanMs = options.spanDays * 86_400_000;
  const start = now.getTime() - spanMs;
  const r = rng(seed ^ 0x5eed);
  // History in bulk: its hours are counted into the rollup by the job afterwards, a whole hour per
  // statement, not by each batch (lib/events/rollup-job.ts).
  await lowerRollupMark(new Date(start));
  const bar = progress("WAF events", count, { quiet: options.quiet });
  // Until a batch is found missing, each batch is first looked up: a resumed run skips what is stored.
  let resuming = true;
  let inflight: Promise<void> | null = null;
  const settle = async () => {
    if (inflight) await inflight;
    inflight = null;
  };
  for (let i = 0; i < count; i += batch) {
    const items: StoredEvent[] = [];
    let matchRows = 0;
    for (let j = i; j < Math.min(count, i + batch); j++) {
      const time = eventTime(j, count, start, spanMs, r());
      const { vhostIndex, nodeIndex, ...event } = makeWafEvent(r, seed, j, time, domains, nodes.length);
      matchRows += new Set(event.matches.map((m) => m.ruleId)).size;
      // Shipped a second or two after it happened, as the agent does.
      items.push({ node: nodes[nodeIndex]!, event, vhostId: String(vhosts[vhostIndex]!.id), receivedAt: new Date(time.getTime() + 1000 + Math.floor(r() * 2000)) });
    }
    if (resuming) {
      await settle();
      const stored = await storedCount(raw, items.map((it) => eventId(it.node.id, it.event.transactionId)));
      if (stored === items.length) {
        result.skipped += items.length;
        bar.tick(items.length);
        continue;
      }
      resuming = false;
    }
    await settle();
    inflight = storeEvents(items).then((n) => {
      result.inserted += n;
      result.skipped += items.length - n;
      // Matches of skipped events are skipped with them; a batch is all new or (resumed) partly stored.
      result.matches += n === items.length ? matchRows : Math.round((matchRows * n) / items.length);
      bar.tick(items.length);
    });
  }
  await settle();
  bar.done();
  const rollup = await rollupClosedHours({ now });
  result.rollupHours = rollup.hours;
  result.seconds = (performance.now() - started) / 1000;
  return result;
}

export async function seedScale(options: SeedScaleOptions): Promise<SeedScaleResult> {
  const started = performance.now();
  const { url, vhosts: vhostCount, events: eventCount } = options;
  const batch = options.batch ?? 1000;
  const quiet = options.quiet ?? false;
  const now = options.now ?? new Date();
  const r = rng(options.seed ?? 20261124);
  const tag = randomBytes(3).toString("hex");
  const wafEvents = options.wafEvents ?? 0;
  // The events go in through lib/db's shared client (ingestion's code), which serves DATABASE_URL.
  if (wafEvents > 0 && url !== databaseUrl()) throw new Error("WAF events are stored through lib/db, which uses DATABASE_URL: seed the database DATABASE_URL names.");
  // Before opening it: opening a SQLite file that does not exist would create an empty one.
  await assertDbMigrated(url);
  const raw = await openRaw(url);
  try {
    await assertMigrated(raw, url);
    const actors = await ensureUsers(raw, now);
    const writers = actors.filter((a) => a.role !== "AUDITOR");
    const actorWeights = Object.fromEntries(actors.map((a, i) => [String(i), a.weight]));
    const writerWeights = Object.fromEntries(writers.map((a, i) => [String(i), a.weight]));

    // The timeline: from `spanDays` ago (or just after the newest existing event) until now, one
    // event every `step` ms. Each vhost is created at its own vhost.create event.
    const [head] = await raw.query<Head>(`SELECT "lastSeq","lastHash" FROM "AuditChainHead" WHERE id = 1`);
    const [newest] = await raw.query<{ createdAt: Date | string }>(`SELECT "createdAt" FROM "AuditEvent" WHERE "seq" = $1`, [Number(head!.lastSeq)]);
    const spanMs = (options.spanDays ?? 365) * 86_400_000;
    const start = Math.max(now.getTime() - spanMs, newest ? new Date(newest.createdAt).getTime() + 1 : 0);
    const step = Math.max(0, now.getTime() - start) / Math.max(1, eventCount);
    const at = (i: number) => new Date(start + Math.floor(i * step));
    const createIndex = (k: number) => (vhostCount ? Math.floor((k * eventCount) / vhostCount) : 0);

    const [maxRule] = await raw.query<{ m: number | null }>(`SELECT MAX("ruleId") AS m FROM "CustomRule"`);
    let ruleId = Number(maxRule?.m ?? 0);
    const nextRuleId = () => (ruleId < CUSTOM_RULE_ID_MAX ? ++ruleId : null);

    const vhosts: SeedVhost[] = [];
    for (let k = 0; k < vhostCount; k++) {
      const by = writers[Number(weighted(r, writerWeights))]!;
      vhosts.push(makeVhost(r, k + 1, tag, at(createIndex(k)), by.email, nextRuleId));
    }

    const totals = { ipEntries: 0, customRules: 0, exclusions: 0 };
    const vhostBar = progress("vhosts", vhostCount, { quiet });
    for (let i = 0; i < vhosts.length; i += batch) {
      const chunk = vhosts.slice(i, i + batch);
      const n = await raw.transaction(() => insertVhosts(raw, chunk));
      totals.ipEntries += n.ipEntries;
      totals.customRules += n.customRules;
      totals.exclusions += n.exclusions;
      vhostBar.tick(chunk.length);
    }
    vhostBar.done();

    // Events about vhosts that no longer exist when this run creates none: events outlive what they describe.
    const phantoms = vhostCount ? [] : Array.from({ length: 100 }, (_, k) => makeVhost(r, k + 1, `${tag}-gone`, now, writers[0]!.email, () => null));
    let nextVhost = 0;
    let firstSeq: number | null = null;
    let expected: Head = { lastSeq: Number(head!.lastSeq), lastHash: head!.lastHash };
    // While one batch is being inserted, the next one is generated and hashed (PostgreSQL works in
    // another process meanwhile; better-sqlite3 is synchronous, so there this only keeps the code one).
    let inflight: Promise<Prepared> | null = null;
    const eventBar = progress("audit events", eventCount, { quiet });
    const settle = async () => {
      if (!inflight) return;
      const written = await inflight;
      firstSeq ??= written.head.lastSeq + 1;
      eventBar.tick(written.drafts.length);
    };
    for (let i = 0; i < eventCount; i += batch) {
      const drafts: EventDraft[] = [];
      for (let j = i; j < Math.min(eventCount, i + batch); j++) {
        if (nextVhost < vhostCount && createIndex(nextVhost) <= j) {
          const v = vhosts[nextVhost]!;
          const by = writers.find((w) => w.email === v.updatedByEmail)!;
          drafts.push(makeEvent(r, at(j), by, v, true));
          while (nextVhost < vhostCount && createIndex(nextVhost) <= j) nextVhost++;
          continue;
        }
        // Older vhosts have had more time to collect changes: pick them a little more often.
        const pool = nextVhost ? vhosts : phantoms;
        const v = pool[Math.floor((nextVhost || pool.length) * Math.pow(r(), 1.5))]!;
        drafts.push(makeEvent(r, at(j), actors[Number(weighted(r, actorWeights))]!, v, false));
      }
      const prepared = chainRows(drafts, expected);
      await settle();
      inflight = appendEvents(raw, prepared);
      // If appendEvents had to rehash, the next batch is rehashed too (its head check fails).
      expected = prepared.after;
    }
    await settle();
    const [final] = await raw.query<Head>(`SELECT "lastSeq","lastHash" FROM "AuditChainHead" WHERE id = 1`);
    const lastSeq = Number(final!.lastSeq);
    eventBar.done();

    const waf = await seedWafEvents(raw, { count: wafEvents, seed: options.seed ?? 20261124, spanDays: options.wafSpanDays ?? 30, batch: options.wafBatch ?? 2000, now, quiet });

    // Fresh statistics, as autovacuum would gather them shortly after a bulk load.
    await raw.analyze();
    return { vhosts: vhostCount, ...totals, events: eventCount, firstSeq, lastSeq, tag, seconds: (performance.now() - started) / 1000, waf };
  } finally {
    await raw.close();
  }
}

const USAGE = "Usage: npm run seed:scale -- --vhosts 10000 --events 1000000 [--waf-events 1000000] [--batch 1000] [--waf-batch 2000] [--seed N] [--quiet]";

function parseArgs(argv: string[]): { vhosts: number; events: number; wafEvents: number; batch: number; wafBatch: number; seed?: number; quiet: boolean } {
  const out = { vhosts: 1000, events: 100_000, wafEvents: 0, batch: 1000, wafBatch: 2000, seed: undefined as number | undefined, quiet: false };
  const KEYS: Record<string, keyof typeof out> = { vhosts: "vhosts", events: "events", "waf-events": "wafEvents", batch: "batch", "waf-batch": "wafBatch", seed: "seed" };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--quiet") {
      out.quiet = true;
      continue;
    }
    const [flag, inline] = a.split("=", 2) as [string, string | undefined];
    const key = flag.replace(/^--/, "");
    if (!Object.hasOwn(KEYS, key) || !flag.startsWith("--")) throw new Error(`Unknown argument ${JSON.stringify(a)}. ${USAGE}`);
    const value = inline ?? argv[++i];
    const n = Number(value);
    const positive = key === "batch" || key === "waf-batch";
    if (value === undefined || !Number.isInteger(n) || n < 0 || (positive && n < 1)) throw new Error(`--${key} needs a whole number${positive ? " of at least 1" : ""}, got ${JSON.stringify(value)}`);
    (out as Record<string, unknown>)[KEYS[key]!] = n;
  }
  return out;
}

async function main() {
  let args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (err) {
    console.error((err as Error).message);
    process.exitCode = 2;
    return;
  }
  const url = databaseUrl();
  console.error(`seed:scale → ${redactUrl(url)}: ${args.vhosts.toLocaleString("en")} vhosts, ${args.events.toLocaleString("en")} audit events, ${args.wafEvents.toLocaleString("en")} WAF events`);
  try {
    const r = await seedScale({ url, ...args });
    console.log(
      `Seeded ${r.vhosts.toLocaleString("en")} vhosts (${r.ipEntries.toLocaleString("en")} IP entries, ${r.customRules.toLocaleString("en")} custom rules, ` +
        `${r.exclusions.toLocaleString("en")} exclusions; domains *-${r.tag}.*) and ${r.events.toLocaleString("en")} audit events` +
        `${r.firstSeq !== null ? ` (#${r.firstSeq}–#${r.lastSeq})` : ""} in ${r.seconds.toFixed(1)} s. Chain head: #${r.lastSeq}.`,
    );
    if (args.wafEvents) {
      const w = r.waf;
      console.log(
        `WAF events: ${w.inserted.toLocaleString("en")} stored (${w.matches.toLocaleString("en")} rule matches), ${w.skipped.toLocaleString("en")} already there (same seed), ` +
          `in ${w.seconds.toFixed(1)} s: ${w.seconds > 0 ? Math.round(w.inserted / w.seconds).toLocaleString("en") : "—"} events/s.`,
      );
    }
  } catch (err) {
    console.error(`seed:scale failed: ${(err as Error).message}`);
    process.exitCode = 1;
  } finally {
    await disconnectDb();
  }
}

if (process.argv[1] && /seed-scale\.ts$/.test(process.argv[1])) void main();
