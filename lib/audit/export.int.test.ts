// The export route handler, called directly with a session (lib/auth/session.ts runWithSession): who may
// export, what the file holds for a filter, formula-injection guarding, batching, and the audit event it leaves.
import { beforeAll, describe, expect, it } from "vitest";
import { GET } from "@/app/api/audit/export/route";
import { runWithSession } from "@/lib/auth/session";
import { db } from "@/lib/db";
import { hashEvent } from "./chain";
import { EXPORT_COLUMNS } from "./export-format";
import { auditExportChunks, startAuditExport } from "./export";
import { auditScope } from "./queries";
import { writeEventAt, writeFixture, type FixtureEvent } from "@/lib/testing/audit-fixtures";
import { CreateVhostSchema, EMPTY_VHOST_FORM } from "@/lib/vhosts/schema";
import { createVhost, deleteVhost } from "@/lib/vhosts/service";

const V1 = "33333333-3333-4333-8333-333333333333";
const claims: Record<string, { uid: string; sv: number }> = {};

const FIXTURE: FixtureEvent[] = Array.from({ length: 7 }, (_, i) => ({
  key: `E${i + 1}`,
  at: `2026-04-0${i + 1}T10:00:00Z`,
  actor: i % 2 ? "bob@palisade.test" : "alice@palisade.test",
  action: i === 6 ? "rule.create" : "vhost.update",
  entityType: "VirtualHost",
  entityId: V1,
  vhostId: i < 5 ? V1 : null,
  summary: i === 6 ? `=HYPERLINK("http://evil.test","x")` : `Update ${i + 1} of shop.example.com, "quoted", with a comma`,
  before: { backendUrl: `http://10.0.0.${i}` },
  after: { backendUrl: `http://10.0.0.${i + 1}`, note: i === 3 ? "@SUM(1+1)\nsecond line" : null },
}));
let keyBySeq = new Map<number, string>();

async function get(who: string | null, query: string) {
  return runWithSession(who ? claims[who]! : null, () => GET(new Request(`http://panel.test/api/audit/export?${query}`)));
}

function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') (cell += '"'), i++;
      else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") row.push(cell), (cell = "");
    else if (ch === "\r" && text[i + 1] === "\n") row.push(cell), rows.push(row), (row = []), (cell = ""), i++;
    else cell += ch;
  }
  return rows;
}

beforeAll(async () => {
  keyBySeq = await writeFixture(FIXTURE);
  for (const role of ["ADMIN", "EDITOR", "AUDITOR"] as const) {
    const u = await db.user.create({ data: { email: `${role.toLowerCase()}@export.test`, name: role, passwordHash: "x", role } });
    claims[role] = { uid: u.id, sv: u.sessionVersion };
  }
});

describe(`audit export (${process.env.TEST_DB})`, () => {
  it("streams the filtered events as CSV, newest first, with formulas neutralised", async () => {
    const res = await get("AUDITOR", `format=csv&vhost=${V1}&q=shop`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(res.headers.get("content-disposition")).toMatch(/^attachment; filename="palisade-audit-\d{8}-\d{6}\.csv"$/);
    const rows = parseCsv(await res.text());
    expect(rows[0]).toEqual([...EXPORT_COLUMNS]);
    const col = (name: string) => EXPORT_COLUMNS.indexOf(name as (typeof EXPORT_COLUMNS)[number]);
    expect(rows.slice(1).map((r) => keyBySeq.get(Number(r[col("seq")])))).toEqual(["E5", "E4", "E3", "E2", "E1"]);
    const e4 = rows.find((r) => keyBySeq.get(Number(r[col("seq")])) === "E4")!;
    expect(e4[col("summary")]).toBe(`Update 4 of shop.example.com, "quoted", with a comma`);
    expect(JSON.parse(e4[col("after")]!)).toEqual({ backendUrl: "http://10.0.0.4", note: "@SUM(1+1)\nsecond line" });
    expect(e4[col("actorEmail")]).toBe("bob@palisade.test");
  });

  it("guards a summary that is a formula", async () => {
    const rows = parseCsv(await (await get("ADMIN", "format=csv&action=rule.create")).text());
    expect(rows).toHaveLength(2);
    expect(rows[1]![EXPORT_COLUMNS.indexOf("summary")]).toBe(`'=HYPERLINK("http://evil.test","x")`);
  });

  it("writes JSON Lines whose records still verify against the chain", async () => {
    const res = await get("ADMIN", "format=jsonl&actor=alice@palisade.test");
    expect(res.headers.get("content-type")).toBe("application/x-ndjson; charset=utf-8");
    const lines = (await res.text()).trimEnd().split("\n").map((l) => JSON.parse(l));
    expect(lines.map((l) => keyBySeq.get(l.seq))).toEqual(["E7", "E5", "E3", "E1"]);
    for (const l of lines) expect(hashEvent(l)).toBe(l.hash);
    expect(lines[0].summary).toBe(`=HYPERLINK("http://evil.test","x")`); // JSON is data, not a spreadsheet
  });

  it("records who exported which filter, and leaves its own event out of the file", async () => {
    const head = (await db.auditChainHead.findUniqueOrThrow({ where: { id: 1 } })).lastSeq;
    const res = await get("AUDITOR", `format=jsonl&vhost=${V1}&from=2026-04-02&q=shop`);
    const lines = (await res.text()).trimEnd().split("\n").map((l) => JSON.parse(l));
    const event = await db.auditEvent.findUniqueOrThrow({ where: { seq: head + 1 } });
    expect(event).toMatchObject({ action: "audit.export", actorEmail: "auditor@export.test", entityType: "AuditLog" });
    expect(event.after).toMatchObject({ format: "jsonl", filter: { vhost: V1, from: "2026-04-02", q: "shop" }, throughSeq: head });
    expect(event.summary).toContain(`virtual host ${V1}, from 2026-04-02`);
    expect(lines.every((l) => l.seq <= head)).toBe(true);
    expect(lines.map((l) => keyBySeq.get(l.seq))).toEqual(["E5", "E4", "E3", "E2"]);
  });

  it("refuses editors (recorded as a security event), anonymous users, and bad parameters", async () => {
    const exportsBefore = await db.auditEvent.count({ where: { action: "audit.export" } });
    const editor = await get("EDITOR", "format=csv");
    expect(editor.status).toBe(403);
    expect(await editor.json()).toEqual({ error: "Your role does not allow exporting the audit log.", requestId: editor.headers.get("x-request-id") });
    const denied = await db.auditEvent.findFirstOrThrow({ where: { action: "security.denied" }, orderBy: { seq: "desc" } });
    expect(denied).toMatchObject({ actorEmail: "editor@export.test", entityType: "Request", entityId: "GET /api/audit/export" });

    expect((await get(null, "format=csv")).status).toBe(401);
    const badFormat = await get("ADMIN", "format=xlsx");
    expect(badFormat.status).toBe(400);
    const badFilter = await get("ADMIN", "format=csv&vhost=not-a-uuid&from=yesterday");
    expect(badFilter.status).toBe(400);
    expect((await badFilter.json()).problems).toHaveLength(2);
    expect(await db.auditEvent.count({ where: { action: "audit.export" } })).toBe(exportsBefore);
  });

  it("reads in keyset batches, one batch per chunk, without gaps or repeats", async () => {
    const scope = await auditScope({ entity: "VirtualHost" });
    const head = (await db.auditChainHead.findUniqueOrThrow({ where: { id: 1 } })).lastSeq;
    const chunks: string[] = [];
    for await (const c of auditExportChunks(scope, "jsonl", head, 2)) chunks.push(c);
    expect(chunks.map((c) => c.trimEnd().split("\n").length)).toEqual([2, 2, 2, 1]);
    const seqs = chunks.join("").trimEnd().split("\n").map((l) => JSON.parse(l).seq as number);
    expect(seqs.map((s) => keyBySeq.get(s))).toEqual(["E7", "E6", "E5", "E4", "E3", "E2", "E1"]);

    // The HTTP stream pulls a batch only when the reader asks for it.
    const { stream } = await startAuditExport({ actor: { id: null, email: "t@example.test" } }, { entity: "VirtualHost" }, "csv", { batchSize: 3 });
    const reader = stream.getReader();
    const parts: string[] = [];
    for (let r = await reader.read(); !r.done; r = await reader.read()) parts.push(new TextDecoder().decode(r.value));
    expect(parts.map((p) => p.split("\r\n").length - 1)).toEqual([1, 3, 3, 1]);
  });
});

describe(`audit export names the vhost by domain (${process.env.TEST_DB})`, () => {
  const ctx = { actor: { id: null, email: "system:export-domain" } };
  const create = (domain: string) => createVhost(ctx, CreateVhostSchema.parse({ ...EMPTY_VHOST_FORM, domain, backendUrl: "http://10.0.0.5:8080" }));
  const exported = async (vhostId: string) => {
    const res = await get("AUDITOR", `format=jsonl&vhost=${vhostId}`);
    return (await res.text()).trimEnd().split("\n").map((l) => JSON.parse(l) as { action: string; vhostId: string; vhostDomain: string | null });
  };

  it("gives each event the domain of its virtual host, also once the vhost is deleted", async () => {
    const live = await create("live.export.test");
    await writeEventAt({ id: null, email: "system:export-domain" }, { action: "policy.update", entityType: "WafPolicy", entityId: "p-live", vhostId: live.id, summary: "Policy of live", before: null, after: null }, new Date());
    expect((await exported(live.id)).map((l) => [l.action, l.vhostDomain])).toEqual([
      ["policy.update", "live.export.test"],
      ["vhost.create", "live.export.test"],
    ]);

    const gone = await create("gone.export.test");
    await writeEventAt({ id: null, email: "system:export-domain" }, { action: "policy.update", entityType: "WafPolicy", entityId: "p-gone", vhostId: gone.id, summary: "Policy of gone", before: null, after: null }, new Date());
    await deleteVhost(ctx, { id: gone.id, version: gone.version });
    expect(await db.virtualHost.count({ where: { id: gone.id } })).toBe(0);
    const lines = await exported(gone.id);
    expect(lines.map((l) => l.action)).toEqual(["vhost.delete", "policy.update", "vhost.create"]);
    // The policy event records no domain: it comes from the vhost's own events (its delete kept it).
    expect(lines.map((l) => l.vhostDomain)).toEqual(["gone.export.test", "gone.export.test", "gone.export.test"]);
    const csv = parseCsv(await (await get("AUDITOR", `format=csv&vhost=${gone.id}`)).text());
    expect(csv.slice(1).map((r) => r[EXPORT_COLUMNS.indexOf("vhostDomain")])).toEqual(["gone.export.test", "gone.export.test", "gone.export.test"]);
  });

  it("leaves the domain empty for events about no virtual host", async () => {
    const res = await get("AUDITOR", "format=jsonl&entity=AuditLog");
    const lines = (await res.text()).trimEnd().split("\n").map((l) => JSON.parse(l));
    expect(lines.length).toBeGreaterThan(0);
    for (const l of lines) expect(l.vhostDomain).toBeNull();
  });
});
