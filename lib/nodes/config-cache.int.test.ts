// What the config pull keeps in memory (lib/nodes/api.ts): the revision's body, the
// latest revision's head (lib/config/latest-head.ts) and a token's node (authenticateNodeCached), and
// that none of them ever hands a node a stale revision or a revoked token a revision's content. On
// PostgreSQL also what another panel instance does: its publish and its revocation arrive by NOTIFY.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GET } from "@/app/api/v1/nodes/config/route";
import { HEAD_MAX_AGE_MS } from "@/lib/config/latest-head";
import { publishConfig } from "@/lib/config/service";
import { databaseUrl, db, dbKind } from "@/lib/db";
import { closeSignals, receivesSignals } from "@/lib/db/signal";
import { installPeerAddressStamp, PEER_HEADER } from "@/lib/http/client-address";
import { admin, changePolicy, makeVhost, passingChecker } from "@/lib/testing/config-fixtures";
import { registerNode, revokeNode } from "./service";

const BASE = "http://panel.test/api/v1/nodes";
let token = "";
let vhostId = "";
let threshold = 5;

function getConfig(options: { token?: string; ifNoneMatch?: string; acceptEncoding?: string } = {}) {
  const headers = new Headers({ [PEER_HEADER]: "198.51.100.88", authorization: `Bearer ${options.token ?? token}` });
  if (options.ifNoneMatch) headers.set("if-none-match", options.ifNoneMatch);
  if (options.acceptEncoding) headers.set("accept-encoding", options.acceptEncoding);
  return GET(new Request(`${BASE}/config`, { headers }));
}

async function publishChange() {
  await changePolicy(vhostId, { inboundThreshold: ++threshold });
  const latest = await db.configRevision.findFirst({ orderBy: { number: "desc" }, select: { number: true } });
  const out = await publishConfig(admin, { basedOn: latest?.number ?? null, checker: passingChecker });
  if (out.status !== "published") throw new Error(out.status);
  return out.revision;
}

const latestRow = () => db.configRevision.findFirstOrThrow({ orderBy: { number: "desc" }, select: { number: true, contentHash: true } });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  installPeerAddressStamp();
  token = (await registerNode(admin, { name: "cache-node" })).token;
  vhostId = (await makeVhost("cache.config.test")).id;
  await publishChange();
});

afterAll(async () => {
  await closeSignals();
});

describe(`the config pull's kept answers (${process.env.TEST_DB})`, () => {
  it("answers the same kept JSON body whatever the Accept-Encoding (next start compresses it), with Vary: Accept, Accept-Encoding (the gzip file is another representation)", async () => {
    const plain = await getConfig();
    expect(plain.status).toBe(200);
    expect(plain.headers.get("vary")).toBe("Accept, Accept-Encoding");
    const text = await plain.text();
    expect(JSON.parse(text)).toMatchObject({ revision: Number(plain.headers.get("x-palisade-revision")) });
    // Next 16 drops a route handler's Content-Encoding and compresses by itself: the handler never encodes.
    for (const acceptEncoding of ["gzip", "br, gzip;q=0.5", "identity"]) {
      const res = await getConfig({ acceptEncoding });
      expect(res.headers.get("content-encoding"), acceptEncoding).toBeNull();
      expect(await res.text()).toBe(text);
    }
    const notModified = await getConfig({ ifNoneMatch: plain.headers.get("etag")!, acceptEncoding: "gzip" });
    expect(notModified.status).toBe(304);
    expect(notModified.headers.get("vary")).toBe("Accept, Accept-Encoding");
  });

  it("answers a poll right after a publish in this process with the new revision, not the kept head", async () => {
    const before = await latestRow();
    expect((await getConfig({ ifNoneMatch: `"${before.contentHash}"` })).status).toBe(304); // the head is kept now
    const published = await publishChange();
    const res = await getConfig({ ifNoneMatch: `"${before.contentHash}"` });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-palisade-revision")).toBe(String(published.number));
    const body = (await res.json()) as { revision: number; contentHash: string };
    expect(body).toMatchObject({ revision: published.number, contentHash: published.contentHash });
  });

  it("never refuses the current content as unknown: a node naming a revision the kept head does not know yet is asked of the database", async () => {
    const before = await latestRow();
    expect((await getConfig({ ifNoneMatch: `"${before.contentHash}"` })).status).toBe(304);
    // A revision this process heard nothing of (another instance's publish whose signal is still on its way).
    const hash = "a".repeat(64);
    await db.configRevision.create({
      data: { number: before.number + 1, contentHash: hash, bundle: { files: { "nginx.conf": "# unheard" } }, summary: "unheard", changes: {}, engineChecked: true, createdByEmail: "other@instance" },
    });
    // A node that already has it (it polled the other instance) is told it is current, and is never sent the older one.
    const current = await getConfig({ ifNoneMatch: `"${hash}"` });
    expect(current.status).toBe(304);
    expect(current.headers.get("x-palisade-revision")).toBe(String(before.number + 1));
    // A node without If-None-Match always reads the database.
    const fresh = await getConfig();
    expect(fresh.headers.get("x-palisade-revision")).toBe(String(before.number + 1));
    // One that names the older content converges within HEAD_MAX_AGE_MS even with no signal at all.
    await sleep(HEAD_MAX_AGE_MS + 100);
    const converged = await getConfig({ ifNoneMatch: `"${before.contentHash}"` });
    expect(converged.status).toBe(200);
    expect(converged.headers.get("x-palisade-revision")).toBe(String(before.number + 1));
  });

  it("gives a revoked token no content even while its node is kept: 401 at once in the revoking process", async () => {
    const other = await registerNode(admin, { name: "cache-revoked" });
    const latest = await latestRow();
    expect((await getConfig({ token: other.token })).status).toBe(200); // verified in the database, now kept
    expect((await getConfig({ token: other.token, ifNoneMatch: `"${latest.contentHash}"` })).status).toBe(304);
    await revokeNode(admin, { id: other.node.id });
    expect((await getConfig({ token: other.token, ifNoneMatch: `"${latest.contentHash}"` })).status).toBe(401);
    expect((await getConfig({ token: other.token })).status).toBe(401);
  });
});

describe(`a long poll's token (${process.env.TEST_DB})`, () => {
  it("is checked again before the wait ends with content: a token revoked while its node waits gets 401, not the new revision", async () => {
    const other = await registerNode(admin, { name: "revoked-while-waiting" });
    const latest = await latestRow();
    const headers = new Headers({ [PEER_HEADER]: "198.51.100.89", authorization: `Bearer ${other.token}`, "if-none-match": `"${latest.contentHash}"` });
    const waiting = GET(new Request(`${BASE}/config?wait=20`, { headers }));
    await sleep(300);
    await revokeNode(admin, { id: other.node.id });
    await publishChange();
    const res = await waiting;
    expect(res.status).toBe(401);
    expect(res.headers.get("etag")).toBeNull();
  });
});

describe.runIf(dbKind() === "postgres")("the config pull's kept answers across panel instances (postgres)", () => {
  async function otherInstance<T>(run: (c: pg.Client) => Promise<T>): Promise<T> {
    const c = new pg.Client({ connectionString: databaseUrl() });
    await c.connect();
    try {
      return await run(c);
    } finally {
      await c.end();
    }
  }

  it("drops the kept head when another instance publishes (NOTIFY): the next poll gets the new revision", async () => {
    const before = await latestRow();
    expect((await getConfig({ ifNoneMatch: `"${before.contentHash}"` })).status).toBe(304);
    const hash = "b".repeat(64);
    await otherInstance(async (c) => {
      await c.query("BEGIN");
      await c.query(
        `INSERT INTO "ConfigRevision" (id, number, "contentHash", bundle, summary, changes, "engineChecked", "createdByEmail") VALUES (gen_random_uuid(), $1, $2, $3, 'other instance', '{}', true, 'b@test')`,
        [before.number + 1, hash, JSON.stringify({ files: { "nginx.conf": "# other" } })],
      );
      await c.query("SELECT pg_notify('palisade_revision', $1)", [String(before.number + 1)]);
      await c.query("COMMIT");
    });
    // The notification arrives within milliseconds; poll until then (not a timing assertion: the answer is).
    let res = await getConfig({ ifNoneMatch: `"${before.contentHash}"` });
    for (let i = 0; i < 50 && res.status === 304; i++) {
      await sleep(20);
      res = await getConfig({ ifNoneMatch: `"${before.contentHash}"` });
    }
    expect(res.status).toBe(200);
    expect(res.headers.get("x-palisade-revision")).toBe(String(before.number + 1));
  });

  it("stops accepting a kept token revoked by another instance when its NOTIFY arrives", async () => {
    const other = await registerNode(admin, { name: "cache-revoked-elsewhere" });
    const latest = await latestRow();
    expect((await getConfig({ token: other.token })).status).toBe(200);
    expect((await getConfig({ token: other.token, ifNoneMatch: `"${latest.contentHash}"` })).status).toBe(304);
    await otherInstance(async (c) => {
      await c.query("BEGIN");
      await c.query(`UPDATE "WafNode" SET "revokedAt" = now() WHERE id = $1`, [other.node.id]);
      await c.query("SELECT pg_notify('palisade_node', $1)", [other.node.id]);
      await c.query("COMMIT");
    });
    let status = 304;
    for (let i = 0; i < 50 && status === 304; i++) {
      await sleep(20);
      status = (await getConfig({ token: other.token, ifNoneMatch: `"${latest.contentHash}"` })).status;
    }
    expect(status).toBe(401);
  });

  it("keeps nothing while its LISTEN connection is down: a revocation then is seen by the next poll", async () => {
    const other = await registerNode(admin, { name: "cache-revoked-unheard" });
    const latest = await latestRow();
    expect((await getConfig({ token: other.token })).status).toBe(200);
    await otherInstance(async (c) => {
      await c.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'palisade-signals' AND pid <> pg_backend_pid()");
      // No NOTIFY: this process could not have heard one anyway.
      await c.query(`UPDATE "WafNode" SET "revokedAt" = now() WHERE id = $1`, [other.node.id]);
    });
    // Until this process has noticed the terminated connection (it may also have listened again meanwhile:
    // a new connection resyncs, which drops every kept token too).
    for (let i = 0; i < 200 && receivesSignals("palisade_node"); i++) await sleep(10);
    expect((await getConfig({ token: other.token, ifNoneMatch: `"${latest.contentHash}"` })).status).toBe(401);
  });
});
