// The config endpoint's long poll (?wait=N) and the coalesced last contact, on both databases; on
// PostgreSQL also a publish made through another connection (another panel instance) and a LISTEN
// connection that PostgreSQL drops while nodes wait.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GET } from "@/app/api/v1/nodes/config/route";
import { installPeerAddressStamp, PEER_HEADER } from "@/lib/http/client-address";
import { HEAD_MAX_AGE_MS } from "@/lib/config/latest-head";
import { publishConfig } from "@/lib/config/service";
import { admin, changePolicy, makeVhost, passingChecker } from "@/lib/testing/config-fixtures";
import { databaseUrl, db, dbKind } from "@/lib/db";
import { closeSignals } from "@/lib/db/signal";
import { registerNode } from "./service";

const BASE = "http://panel.test/api/v1/nodes";
let token = "";
let nodeId = "";
let vhostId = "";

function getConfig(options: { wait?: string; ifNoneMatch?: string; signal?: AbortSignal } = {}) {
  const headers = new Headers({ [PEER_HEADER]: "198.51.100.77", authorization: `Bearer ${token}` });
  if (options.ifNoneMatch) headers.set("if-none-match", options.ifNoneMatch);
  return GET(new Request(`${BASE}/config${options.wait ? `?wait=${options.wait}` : ""}`, { headers, signal: options.signal }));
}

const timed = async <T>(p: Promise<T>) => {
  const started = performance.now();
  const value = await p;
  return { value, ms: performance.now() - started };
};

beforeAll(async () => {
  installPeerAddressStamp();
  const r = await registerNode(admin, { name: "long-poll-node" });
  token = r.token;
  nodeId = r.node.id;
  vhostId = (await makeVhost("longpoll.config.test")).id;
});

afterAll(async () => {
  await closeSignals();
});

describe(`config long poll (${process.env.TEST_DB})`, () => {
  it("waits for the first publish when nothing is published yet, and answers it at once", async () => {
    const waiting = timed(getConfig({ wait: "20" }));
    await new Promise((r) => setTimeout(r, 300));
    const published = await publishConfig(admin, { basedOn: null, checker: passingChecker });
    expect(published.status).toBe("published");
    const { value: res, ms } = await waiting;
    expect(res.status).toBe(200);
    expect(res.headers.get("x-palisade-revision")).toBe("1");
    expect(ms).toBeLessThan(10_000);
  });

  it("holds a poll for the content the node has until a publish, then answers 200 with the new revision", async () => {
    const latest = await db.configRevision.findFirstOrThrow({ orderBy: { number: "desc" } });
    const waiting = timed(getConfig({ wait: "20", ifNoneMatch: `"${latest.contentHash}"` }));
    await new Promise((r) => setTimeout(r, 300));
    await changePolicy(vhostId, { inboundThreshold: 7 });
    const published = await publishConfig(admin, { basedOn: latest.number, checker: passingChecker });
    expect(published.status).toBe("published");
    const { value: res, ms } = await waiting;
    expect(res.status).toBe(200);
    expect(res.headers.get("x-palisade-revision")).toBe(String(latest.number + 1));
    expect(ms).toBeGreaterThanOrEqual(250);
    expect(ms).toBeLessThan(10_000);
  });

  it("answers 304 when the wait ends without a publish, at once when the node is behind, and 400 for a bad wait", async () => {
    const latest = await db.configRevision.findFirstOrThrow({ orderBy: { number: "desc" } });
    const held = await timed(getConfig({ wait: "1", ifNoneMatch: `"${latest.contentHash}"` }));
    expect(held.value.status).toBe(304);
    expect(held.ms).toBeGreaterThanOrEqual(900);
    const behind = await timed(getConfig({ wait: "30", ifNoneMatch: '"0000"' }));
    expect(behind.value.status).toBe(200);
    expect(behind.ms).toBeLessThan(5_000);
    for (const bad of ["0", "61", "abc", "1.5", "-1"]) {
      const res = await getConfig({ wait: bad });
      expect(res.status, bad).toBe(400);
      expect((await res.json()).error).toMatch(/wait is a number of seconds from 1 to 60/);
    }
  });

  it("lets a node that goes away end its wait", async () => {
    const latest = await db.configRevision.findFirstOrThrow({ orderBy: { number: "desc" } });
    const abort = new AbortController();
    const waiting = timed(getConfig({ wait: "30", ifNoneMatch: `"${latest.contentHash}"`, signal: abort.signal }));
    await new Promise((r) => setTimeout(r, 200));
    abort.abort();
    const { value: res, ms } = await waiting;
    expect(res.status).toBe(304);
    expect(ms).toBeLessThan(5_000);
  });

  it("records the last contact at most once a minute per node", async () => {
    await db.wafNode.update({ where: { id: nodeId }, data: { lastSeenAt: null } });
    await getConfig();
    const first = (await db.wafNode.findUniqueOrThrow({ where: { id: nodeId } })).lastSeenAt!;
    expect(first).not.toBeNull();
    await new Promise((r) => setTimeout(r, 20));
    await getConfig();
    expect((await db.wafNode.findUniqueOrThrow({ where: { id: nodeId } })).lastSeenAt).toEqual(first);
    // A minute later the next poll moves it.
    const minuteAgo = new Date(Date.now() - 61_000);
    await db.wafNode.update({ where: { id: nodeId }, data: { lastSeenAt: minuteAgo } });
    await getConfig();
    expect((await db.wafNode.findUniqueOrThrow({ where: { id: nodeId } })).lastSeenAt!.getTime()).toBeGreaterThan(minuteAgo.getTime() + 60_000);
  });
});

describe.runIf(dbKind() === "postgres")("config long poll across panel instances (postgres)", () => {
  async function otherInstance<T>(run: (c: pg.Client) => Promise<T>): Promise<T> {
    const c = new pg.Client({ connectionString: databaseUrl() });
    await c.connect();
    try {
      return await run(c);
    } finally {
      await c.end();
    }
  }

  it("wakes on a publish committed by another instance (NOTIFY), not before its commit", async () => {
    const latest = await db.configRevision.findFirstOrThrow({ orderBy: { number: "desc" } });
    const waiting = timed(getConfig({ wait: "20", ifNoneMatch: `"${latest.contentHash}"` }));
    await new Promise((r) => setTimeout(r, 300));
    // Another instance's publish: the revision row and the notification in one transaction.
    await otherInstance(async (c) => {
      await c.query("BEGIN");
      await c.query(
        `INSERT INTO "ConfigRevision" (id, number, "contentHash", bundle, summary, changes, "engineChecked", "createdByEmail") VALUES (gen_random_uuid(), $1, $2, $3, 'other instance', '{}', true, 'b@test')`,
        [latest.number + 1, "f".repeat(64), JSON.stringify({ files: { "nginx.conf": "# other" } })],
      );
      await c.query("SELECT pg_notify('palisade_revision', $1)", [String(latest.number + 1)]);
      await new Promise((r) => setTimeout(r, 500)); // not delivered before COMMIT
      await c.query("COMMIT");
    });
    const { value: res, ms } = await waiting;
    expect(res.status).toBe(200);
    expect(res.headers.get("x-palisade-revision")).toBe(String(latest.number + 1));
    expect(ms).toBeGreaterThanOrEqual(750);
    expect(ms).toBeLessThan(10_000);
  });

  it("misses no publish when PostgreSQL drops the LISTEN connection while nodes wait, and listens again", async () => {
    const latest = await db.configRevision.findFirstOrThrow({ orderBy: { number: "desc" } });
    const insertAndNotify = (c: pg.Client, number: number, hash: string) =>
      c
        .query(
          `INSERT INTO "ConfigRevision" (id, number, "contentHash", bundle, summary, changes, "engineChecked", "createdByEmail") VALUES (gen_random_uuid(), $1, $2, $3, 'other instance', '{}', true, 'b@test')`,
          [number, hash, JSON.stringify({ files: { "nginx.conf": `# ${hash}` } })],
        )
        .then(() => c.query("SELECT pg_notify('palisade_revision', $1)", [String(number)]));
    const waiting = timed(getConfig({ wait: "30", ifNoneMatch: `"${latest.contentHash}"` }));
    await new Promise((r) => setTimeout(r, 300));
    // The connection drops, and another instance publishes before it is back: that notification is lost.
    await otherInstance(async (c) => {
      const killed = await c.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'palisade-signals' AND pid <> pg_backend_pid()");
      expect(killed.rowCount).toBeGreaterThanOrEqual(1);
      await insertAndNotify(c, latest.number + 1, "e".repeat(64));
    });
    const { value: res, ms } = await waiting;
    expect(res.status).toBe(200); // the reconnect woke the waiter, which read again and found the publish
    expect(res.headers.get("x-palisade-revision")).toBe(String(latest.number + 1));
    expect(ms).toBeLessThan(15_000);
    // Listening again: the next publish by another instance wakes a waiting node.
    const next = timed(getConfig({ wait: "20", ifNoneMatch: `"${"e".repeat(64)}"` }));
    await new Promise((r) => setTimeout(r, 300));
    await otherInstance((c) => insertAndNotify(c, latest.number + 2, "d".repeat(64)));
    const after = await next;
    expect(after.value.status).toBe(200);
    expect(after.value.headers.get("x-palisade-revision")).toBe(String(latest.number + 2));
    expect(after.ms).toBeLessThan(10_000);
  });
  it("answers nodes waiting through a PostgreSQL restart (every connection dropped), and misses no publish made meanwhile", async () => {
    const latest = await db.configRevision.findFirstOrThrow({ orderBy: { number: "desc" } });
    const waiting = [1, 2, 3].map(() => timed(getConfig({ wait: "30", ifNoneMatch: `"${latest.contentHash}"` })));
    await new Promise((r) => setTimeout(r, 300));
    // What the panel sees of a restart: all its connections (the pool's and the LISTEN one) are closed by the
    // server; the publish made by another instance right after has no listener to reach.
    await otherInstance(async (c) => {
      const killed = await c.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()");
      expect(killed.rowCount).toBeGreaterThanOrEqual(2);
      await c.query(
        `INSERT INTO "ConfigRevision" (id, number, "contentHash", bundle, summary, changes, "engineChecked", "createdByEmail") VALUES (gen_random_uuid(), $1, $2, $3, 'other instance', '{}', true, 'b@test')`,
        [latest.number + 1, "c".repeat(64), JSON.stringify({ files: { "nginx.conf": "# during the restart" } })],
      );
    });
    for (const { value: res, ms } of await Promise.all(waiting)) {
      expect(res.status).toBe(200); // woken by the reconnect's resync, read again (the pool reconnected) and found it
      expect(res.headers.get("x-palisade-revision")).toBe(String(latest.number + 1));
      expect(ms).toBeLessThan(25_000);
    }
  });

  it("serves a publish whose notification this instance never got on the node's next poll", async () => {
    const latest = await db.configRevision.findFirstOrThrow({ orderBy: { number: "desc" } });
    // A long poll that ended (the node was between polls when the publish happened).
    expect((await getConfig({ wait: "1", ifNoneMatch: `"${latest.contentHash}"` })).status).toBe(304);
    await otherInstance((c) =>
      c.query(
        `INSERT INTO "ConfigRevision" (id, number, "contentHash", bundle, summary, changes, "engineChecked", "createdByEmail") VALUES (gen_random_uuid(), $1, $2, $3, 'other instance', '{}', true, 'b@test')`,
        [latest.number + 1, "b".repeat(64), JSON.stringify({ files: { "nginx.conf": "# unnotified" } })],
      ),
    );
    // No NOTIFY at all: the kept head (lib/config/latest-head.ts) is trusted for HEAD_MAX_AGE_MS at most.
    await new Promise((r) => setTimeout(r, HEAD_MAX_AGE_MS + 100));
    const next = await getConfig({ wait: "20", ifNoneMatch: `"${latest.contentHash}"` });
    expect(next.status).toBe(200);
    expect(next.headers.get("x-palisade-revision")).toBe(String(latest.number + 1));
  });
});
