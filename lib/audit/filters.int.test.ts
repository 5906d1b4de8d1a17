// A NUL (or another control character) in a filter taken from the URL: refused as bad input by the
// parsers, so the queries never send it (PostgreSQL refuses a NUL in a text parameter: a 500). Runs on
// SQLite and PostgreSQL, down to the queries and the export route.
import { beforeAll, describe, expect, it } from "vitest";
import { GET as exportRoute } from "@/app/api/audit/export/route";
import { runWithSession } from "@/lib/auth/session";
import { makeVhost } from "@/lib/testing/config-fixtures";
import { db } from "@/lib/db";
import { createUser } from "@/lib/users/service";
import { listVhosts, parseVhostListParams } from "@/lib/vhosts/queries";
import { parseAuditFilter } from "./filters";
import { auditOverview, listAuditEvents } from "./queries";

const HOSTILE = ["\u0000", "a\u0000b", "admin@example.test\u0000", "\u0001", "x\u007f"];
let auditor: { uid: string; sv: number };

beforeAll(async () => {
  await makeVhost("nul.example.test");
  const u = await createUser({ actor: { id: null, email: "setup@example.test" } }, { email: "auditor@example.test", name: "A", role: "AUDITOR", password: "auditor password 1" });
  auditor = { uid: u.id, sv: 0 };
});

describe(`control characters in list filters (${process.env.TEST_DB})`, () => {
  it.each(HOSTILE)("audit filter %j: each free-text field is refused with a message, and the list and overview still answer", async (bad) => {
    const { filter, problems } = parseAuditFilter(new URLSearchParams({ q: `deny ${bad}`, actor: bad, entity: "VirtualHost", entityId: bad }));
    expect(filter).toEqual({ entity: "VirtualHost" });
    expect(problems).toEqual([
      "The search contains a control character (such as NUL), which no audit event has. (q ignored)",
      "The actor contains a control character (such as NUL), which no audit event has. (actor ignored)",
      "The entity contains a control character (such as NUL), which no audit event has. (entityId ignored)",
    ]);
    await expect(listAuditEvents({ filter })).resolves.toBeDefined();
    await expect(auditOverview(filter)).resolves.toBeDefined();
  });

  it("the queries would fail on PostgreSQL without the check (what the parser keeps away from them)", async () => {
    // Started one at a time: a second query failing while the first is awaited would be an unhandled rejection.
    const attempts = [() => listAuditEvents({ filter: { actor: "a\u0000b" } }), () => listVhosts({ q: "a\u0000b", sort: "domain", dir: "asc", page: 1 })];
    for (const attempt of attempts) {
      if (process.env.TEST_DB === "postgres") await expect(attempt()).rejects.toThrow();
      else await expect(attempt()).resolves.toBeDefined();
    }
  });

  it("the export route answers 400 naming the problem", async () => {
    for (const query of ["actor=%00", "q=x%00y", "entity=VirtualHost&entityId=%00"]) {
      const res = await runWithSession(auditor, () => exportRoute(new Request(`http://panel.test/api/audit/export?format=csv&${query}`)));
      expect(res.status, query).toBe(400);
      const body = (await res.json()) as { error: string; problems: string[] };
      expect(body.error).toBe("The filter has values that cannot be used.");
      expect(body.problems.join(" ")).toMatch(/control character \(such as NUL\)/);
    }
    expect(await db.auditEvent.count({ where: { action: "audit.export" } })).toBe(0);
  });

  it.each(HOSTILE)("vhost search %j: ignored with a message, and the list still answers", async (bad) => {
    const { params, problems } = parseVhostListParams({ q: `nul${bad}` });
    expect(params.q).toBe("");
    expect(problems).toEqual(["The search contains a control character (such as NUL), which no domain has: search ignored."]);
    expect((await listVhosts(params)).total).toBeGreaterThanOrEqual(1);
    expect(parseVhostListParams({ q: "nul.example" })).toMatchObject({ params: { q: "nul.example" }, problems: [] });
  });
});
