import { describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { createUser } from "@/lib/users/service";
import { canOpenPage } from "./page-access";
import type { SessionUser } from "./session";

const system = { actor: { id: null, email: "system:test" } };

async function user(role: "ADMIN" | "EDITOR" | "AUDITOR"): Promise<SessionUser> {
  const u = await createUser(system, { email: `${role.toLowerCase()}@page-access.test`, name: role, role, password: "correct horse battery" });
  return { id: u.id, email: u.email, name: u.name, role: u.role };
}

describe(`refused page views (${process.env.TEST_DB})`, () => {
  it("lets a permitted role open the page and records nothing", async () => {
    const admin = await user("ADMIN");
    const before = await db.auditEvent.count();
    expect(await canOpenPage(admin, "user.manage", "/users")).toBe(true);
    expect(await db.auditEvent.count()).toBe(before);
  });

  it("refuses other roles and records each refused view as a security event", async () => {
    const editor = await user("EDITOR");
    const auditor = await user("AUDITOR");
    expect(await canOpenPage(editor, "user.manage", "/users")).toBe(false);
    expect(await canOpenPage(editor, "audit.verify", "/audit/verify")).toBe(false);
    expect(await canOpenPage(auditor, "vhost.write", "/vhosts/new")).toBe(false);
    const events = await db.auditEvent.findMany({ where: { action: "security.denied" }, orderBy: { seq: "asc" } });
    expect(events.map((e) => [e.actorEmail, e.entityType, e.entityId])).toEqual([
      ["editor@page-access.test", "Request", "GET /users"],
      ["editor@page-access.test", "Request", "GET /audit/verify"],
      ["auditor@page-access.test", "Request", "GET /vhosts/new"],
    ]);
    expect(events[0]).toMatchObject({ actorId: editor.id, summary: "editor@page-access.test (EDITOR) was refused GET /users: needs user.manage" });
    expect(events[0]!.after).toEqual({ request: "GET /users", permission: "user.manage", role: "EDITOR" });
  });
});
