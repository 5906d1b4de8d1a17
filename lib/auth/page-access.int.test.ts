import { beforeAll, describe, expect, it, vi } from "vitest";
import { db } from "@/lib/db";
import { createUser } from "@/lib/users/service";
import { canOpenPage, requirePageAccess } from "./page-access";
import { runWithSession, type SessionUser } from "./session";

const system = { actor: { id: null, email: "system:test" } };

async function user(role: "ADMIN" | "EDITOR" | "AUDITOR", tag = ""): Promise<SessionUser> {
  const u = await createUser(system, { email: `${role.toLowerCase()}${tag}@page-access.test`, name: role, role, password: "correct horse battery" });
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

describe(`requirePageAccess (${process.env.TEST_DB})`, () => {
  // What `experimental.authInterrupts` (next.config.js) sets in the server build; forbidden() throws without it.
  beforeAll(() => {
    vi.stubEnv("__NEXT_EXPERIMENTAL_AUTH_INTERRUPTS", "true");
  });
  const claimOf = async (u: SessionUser) => {
    const row = await db.user.findUniqueOrThrow({ where: { id: u.id }, select: { sessionVersion: true } });
    return { uid: u.id, sv: row.sessionVersion };
  };

  it("returns the user whose role may open the page", async () => {
    const admin = await user("ADMIN", "-2");
    const got = await runWithSession(await claimOf(admin), () => requirePageAccess("/templates/new"));
    expect(got).toMatchObject({ id: admin.id, role: "ADMIN" });
  });

  it("answers 403 (Next's forbidden interrupt) for a role that may not, and records the refused view", async () => {
    const editor = await user("EDITOR", "-2");
    const err = await runWithSession(await claimOf(editor), () => requirePageAccess("/templates/new")).catch((e: unknown) => e);
    expect((err as { digest?: string }).digest).toBe("NEXT_HTTP_ERROR_FALLBACK;403");
    const denied = await db.auditEvent.findFirst({ where: { action: "security.denied", actorId: editor.id } });
    expect(denied).toMatchObject({ entityId: "GET /templates/new", summary: "editor-2@page-access.test (EDITOR) was refused GET /templates/new: needs template.manage" });
  });

  it("refuses to guard a page that has no rule in the table", async () => {
    const admin = await user("ADMIN", "-3");
    await expect(runWithSession(await claimOf(admin), () => requirePageAccess("/nowhere"))).rejects.toThrow(/no entry in PAGE_RULES/);
  });
});
