// Faults: a PostgreSQL connection killed mid-transaction, SQLite's write lock held by another process.
// Neither may leave a partial write, both must surface as a clear retryable message, and the panel's
// client must serve the next request.
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { audited } from "@/lib/audit/audited";
import { toActionError } from "@/lib/auth/action";
import { listVhosts, VhostListParamsSchema } from "@/lib/vhosts/queries";
import { createVhost } from "@/lib/vhosts/service";
import { startTcpProxy } from "@/lib/testing/tcp-proxy";
import { db, disconnectDb, isTransientDbError } from "./index";
import { pgAdmin } from "@/lib/testing/test-db";

const ctx = { actor: { id: null, email: "faults@example.test" } };
const input = (domain: string) => ({
  domain,
  aliases: [],
  backendUrl: "http://10.0.0.1",
  tlsMode: "NONE" as const,
  certificateRef: "",
  hsts: false,
  minTlsVersion: "TLS1_2" as const,
  enabled: true,
});
const RETRY_MESSAGE = "The database was busy or the connection dropped, so nothing was saved. Try again in a moment.";

describe.runIf(process.env.TEST_DB === "postgres")("PostgreSQL connection killed mid-transaction", () => {
  it("leaves no partial write, gives a clear retryable error, and the next request works", async () => {
    const events = await db.auditEvent.count();
    const err = await audited(ctx, async (tx) => {
      const v = await tx.virtualHost.create({ data: { ...input("killed.example.test"), certificateRef: null } });
      const [row] = await tx.$queryRawUnsafe<{ pid: number }[]>("SELECT pg_backend_pid() AS pid");
      const pid = row!.pid;
      await pgAdmin((c) => c.query("SELECT pg_terminate_backend($1)", [pid]));
      await tx.wafPolicy.create({ data: { vhostId: v.id } });
      return { result: v, audit: { action: "vhost.create", entityType: "VirtualHost", entityId: v.id, summary: "x" } };
    }).catch((e) => e);
    expect(err).toBeInstanceOf(Error);
    expect(isTransientDbError(err), `${(err as { code?: string }).code} ${(err as Error).message}`).toBe(true);
    expect(toActionError(err)).toEqual({ ok: false, error: RETRY_MESSAGE });
    // The pool replaces the dead connection: the next request works, and nothing of the first remains.
    expect(await db.virtualHost.findUnique({ where: { domain: "killed.example.test" } })).toBeNull();
    expect(await db.auditEvent.count()).toBe(events);
    const v = await createVhost(ctx, input("after-kill.example.test"));
    expect(v.domain).toBe("after-kill.example.test");
  });
});

describe.runIf(process.env.TEST_DB === "postgres")("PostgreSQL drops the connection under a page query", () => {
  it("the query is retried once and the page shows its data instead of an error", async () => {
    await createVhost(ctx, input("retried.example.test"));
    const realUrl = process.env.DATABASE_URL!;
    const u = new URL(realUrl);
    const proxy = await startTcpProxy({ host: u.hostname, port: Number(u.port || 5432) });
    try {
      process.env.DATABASE_URL = proxy.via(realUrl);
      await disconnectDb();
      await db.user.count(); // the panel's pool is connected through the proxy
      proxy.resetNextQuery(); // the next statement dies with its connection, as in a restart
      const page = await listVhosts(VhostListParamsSchema.parse({}));
      expect(page.rows.map((r) => r.domain)).toContain("retried.example.test");
    } finally {
      await disconnectDb();
      process.env.DATABASE_URL = realUrl;
      await proxy.close();
    }
  });
});

describe.runIf(process.env.TEST_DB !== "postgres")("SQLite locked by another writer", () => {
  it("gives a clear retryable error instead of crashing, writes nothing, and works once the lock is gone", async () => {
    const file = process.env.DATABASE_URL!.replace(/^file:/, "");
    await db.user.count(); // open the panel's connection first
    const other = new Database(file);
    try {
      other.prepare("BEGIN IMMEDIATE").run(); // another process holds the write lock
      const err = await createVhost(ctx, input("locked.example.test")).catch((e) => e);
      expect(isTransientDbError(err)).toBe(true);
      expect(toActionError(err)).toEqual({ ok: false, error: RETRY_MESSAGE });
      other.prepare("ROLLBACK").run();
    } finally {
      other.close();
    }
    expect(await db.virtualHost.findUnique({ where: { domain: "locked.example.test" } })).toBeNull();
    const v = await createVhost(ctx, input("locked.example.test"));
    expect(v.domain).toBe("locked.example.test");
  }, 30_000);
});
