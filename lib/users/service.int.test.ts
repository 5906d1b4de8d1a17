// User management against a real database (once on SQLite, once on PostgreSQL): the self and last-admin
// rules hold even under concurrent attempts, every change ends the user's sessions, and each change commits
// with its audit row.
import { beforeAll, describe, expect, it } from "vitest";
import type { AuditContext } from "@/lib/audit/audited";
import { verifyCredentials } from "@/lib/auth/options";
import { db, type Role } from "@/lib/db";
import { FieldValidationError, NotFoundError } from "@/lib/errors";
import { countActiveAdmins, listUsers } from "./queries";
import { ChangeRoleSchema, CreateUserSchema, ResetPasswordSchema } from "./schema";
import { changeRole, createUser, resetPassword, setUserDisabled, UserRuleError } from "./service";

const system: AuditContext = { actor: { id: null, email: "system@palisade.test" } };
let root: AuditContext;

async function caught(run: () => Promise<unknown>): Promise<Error> {
  try {
    await run();
  } catch (err) {
    return err as Error;
  }
  throw new Error("expected the call to fail");
}

let n = 0;
async function newUser(role: Role, patch: { password?: string } = {}) {
  n += 1;
  return createUser(system, { email: `user${n}@palisade.test`, name: `User ${n}`, role, password: patch.password ?? `long-password-${n}-xyz` });
}

function as(u: { id: string; email: string }): AuditContext {
  return { actor: { id: u.id, email: u.email }, meta: { ip: "192.0.2.1", userAgent: "vitest" } };
}

/** Leaves exactly these users as active admins (test setup, outside the service on purpose). */
async function onlyActiveAdmins(...ids: string[]) {
  await db.user.updateMany({ where: { role: "ADMIN", id: { notIn: ids } }, data: { role: "EDITOR" } });
  await db.user.updateMany({ where: { id: { in: ids } }, data: { role: "ADMIN", disabled: false } });
}

async function auditCount() {
  return db.auditEvent.count();
}

beforeAll(async () => {
  const r = await createUser(system, { email: "Root@Palisade.test", name: "Root", role: "ADMIN", password: "root-password-123" });
  root = as(r);
});

describe(`user service (${process.env.TEST_DB})`, () => {
  describe("createUser", () => {
    it("creates the user with a lowercased email and a bcrypt hash, audited without the hash", async () => {
      const u = await createUser(root, { email: "  New.Editor@Palisade.TEST ", name: " New Editor ", role: "EDITOR", password: "correct horse battery" });
      expect(u).toMatchObject({ email: "new.editor@palisade.test", name: "New Editor", role: "EDITOR", disabled: false, sessionVersion: 0 });
      expect(u.passwordHash).toMatch(/^\$2[aby]\$12\$/);
      const [e] = await db.auditEvent.findMany({ where: { action: "user.create", entityId: u.id } });
      expect(e).toMatchObject({ actorEmail: "root@palisade.test", summary: "Created user new.editor@palisade.test (EDITOR)" });
      expect(JSON.stringify(e)).not.toContain(u.passwordHash);
      expect(await verifyCredentials({ email: "new.editor@palisade.test", password: "correct horse battery" })).toMatchObject({ id: u.id, role: "EDITOR" });
    });

    it("enforces the password policy in the service too: 12+ characters, at most 1024, not the email", async () => {
      const before = await auditCount();
      for (const [password, message] of [
        ["short-pw", "at least 12"],
        ["x".repeat(1025), "at most 1024"],
        ["Policy@Palisade.test", "cannot be the email"],
      ] as const) {
        const err = await caught(() => createUser(root, { email: "policy@palisade.test", name: "P", role: "EDITOR", password }));
        expect(err).toBeInstanceOf(FieldValidationError);
        expect((err as FieldValidationError).fieldErrors.password?.join(" ")).toContain(message);
      }
      expect(await db.user.findUnique({ where: { email: "policy@palisade.test" } })).toBeNull();
      expect(await auditCount()).toBe(before);
    });

    it("refuses a duplicate email (any letter case) as a field error", async () => {
      await createUser(root, { email: "dup@palisade.test", name: "Dup", role: "AUDITOR", password: "dup-password-123" });
      const err = await caught(() => createUser(root, { email: "DUP@palisade.test", name: "Dup 2", role: "EDITOR", password: "dup-password-456" }));
      expect(err).toBeInstanceOf(FieldValidationError);
      expect((err as FieldValidationError).fieldErrors).toEqual({ email: ["A user with the email dup@palisade.test already exists."] });
    });

    it("shares its schema with the form: the confirmation must match and the role must be known", () => {
      const base = { email: "a@palisade.test", name: "A", role: "EDITOR", password: "a-long-password", confirmPassword: "a-long-password" };
      expect(CreateUserSchema.safeParse(base).success).toBe(true);
      const differ = CreateUserSchema.safeParse({ ...base, confirmPassword: "another-password" });
      expect(differ.success || differ.error.issues.map((i) => i.path.join("."))).toEqual(["confirmPassword"]);
      expect(CreateUserSchema.safeParse({ ...base, role: "ROOT" }).success).toBe(false);
      expect(ChangeRoleSchema.safeParse({ id: "not-a-uuid", role: "ADMIN" }).success).toBe(false);
      expect(ResetPasswordSchema.safeParse({ id: crypto.randomUUID(), password: "short", confirmPassword: "short" }).success).toBe(false);
    });
  });

  describe("changeRole", () => {
    it("changes the role, bumps sessionVersion (ending their sessions) and audits before and after", async () => {
      const u = await newUser("EDITOR", { password: "role-change-password" });
      const updated = await changeRole(root, { id: u.id, role: "AUDITOR" });
      expect(updated).toMatchObject({ role: "AUDITOR", sessionVersion: u.sessionVersion + 1 });
      const [e] = await db.auditEvent.findMany({ where: { action: "user.role", entityId: u.id } });
      expect(e!.summary).toBe(`Changed the role of ${u.email}: EDITOR → AUDITOR (their sessions ended)`);
      expect(e!.before).toMatchObject({ role: "EDITOR", sessionVersion: 0 });
      expect(e!.after).toMatchObject({ role: "AUDITOR", sessionVersion: 1 });
      // A new login carries the new session version; tokens issued before (sv 0) no longer match it.
      expect(await verifyCredentials({ email: u.email, password: "role-change-password" })).toMatchObject({ role: "AUDITOR", sessionVersion: 1 });
    });

    it("refuses to remove the caller's own admin role, even with other admins around", async () => {
      const me = await newUser("ADMIN");
      const before = await auditCount();
      const err = await caught(() => changeRole(as(me), { id: me.id, role: "EDITOR" }));
      expect(err).toBeInstanceOf(FieldValidationError);
      expect((err as FieldValidationError).fieldErrors.role?.[0]).toContain("You cannot remove your own admin role");
      expect(await db.user.findUniqueOrThrow({ where: { id: me.id } })).toMatchObject({ role: "ADMIN", sessionVersion: 0 });
      expect(await auditCount()).toBe(before);
    });

    it("refuses to demote the last active admin, and allows it once there is another", async () => {
      const last = await newUser("ADMIN");
      const other = await newUser("ADMIN");
      await onlyActiveAdmins(last.id);
      const err = await caught(() => changeRole(system, { id: last.id, role: "EDITOR" }));
      expect(err).toBeInstanceOf(FieldValidationError);
      expect(err.message).toBe(`${last.email} is the last active admin: removing the role would leave nobody able to manage users. Make another user an admin first.`);
      expect(await countActiveAdmins()).toBe(1);

      // A disabled admin does not count as another admin.
      await db.user.update({ where: { id: other.id }, data: { role: "ADMIN", disabled: true } });
      await expect(changeRole(system, { id: last.id, role: "EDITOR" })).rejects.toBeInstanceOf(FieldValidationError);

      await changeRole(system, { id: other.id, role: "EDITOR" }); // demoting a disabled admin is fine
      await changeRole(system, { id: other.id, role: "ADMIN" });
      await setUserDisabled(system, { id: other.id, disabled: false });
      await changeRole(as(other), { id: last.id, role: "AUDITOR" });
      expect(await db.user.findUniqueOrThrow({ where: { id: last.id } })).toMatchObject({ role: "AUDITOR" });
    });

    it("lets only one of two concurrent demotions of the last two admins through", async () => {
      const a = await newUser("ADMIN");
      const b = await newUser("ADMIN");
      await onlyActiveAdmins(a.id, b.id);
      const results = await Promise.allSettled([changeRole(system, { id: a.id, role: "EDITOR" }), changeRole(system, { id: b.id, role: "AUDITOR" })]);
      expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
      const refused = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
      expect(refused.reason).toBeInstanceOf(FieldValidationError);
      expect(String(refused.reason.message)).toContain("is the last active admin");
      expect(await countActiveAdmins()).toBe(1);
    });

    it("refuses an unknown user and a no-op change", async () => {
      await expect(changeRole(root, { id: crypto.randomUUID(), role: "EDITOR" })).rejects.toBeInstanceOf(NotFoundError);
      const u = await newUser("EDITOR");
      await expect(changeRole(root, { id: u.id, role: "EDITOR" })).rejects.toThrow("already has the editor role");
    });
  });

  describe("setUserDisabled", () => {
    it("disables (bumping sessionVersion, so logins and sessions stop) and enables again", async () => {
      const u = await newUser("EDITOR", { password: "disable-me-please" });
      const off = await setUserDisabled(root, { id: u.id, disabled: true });
      expect(off).toMatchObject({ disabled: true, sessionVersion: 1 });
      expect(await verifyCredentials({ email: u.email, password: "disable-me-please" })).toBeNull();
      const on = await setUserDisabled(root, { id: u.id, disabled: false });
      expect(on).toMatchObject({ disabled: false, sessionVersion: 2 });
      expect(await verifyCredentials({ email: u.email, password: "disable-me-please" })).toMatchObject({ id: u.id, sessionVersion: 2 });
      const events = await db.auditEvent.findMany({ where: { entityId: u.id }, orderBy: { seq: "asc" } });
      expect(events.map((e) => e.action)).toEqual(["user.create", "user.disable", "user.enable"]);
      expect(events[1]!.before).toMatchObject({ disabled: false });
      expect(events[1]!.after).toMatchObject({ disabled: true });
    });

    it("refuses to let a user disable themself", async () => {
      const me = await newUser("ADMIN");
      const err = await caught(() => setUserDisabled(as(me), { id: me.id, disabled: true }));
      expect(err).toBeInstanceOf(UserRuleError);
      expect(err.message).toBe("You cannot disable your own account: ask another admin to do it.");
      expect(await db.user.findUniqueOrThrow({ where: { id: me.id } })).toMatchObject({ disabled: false, sessionVersion: 0 });
    });

    it("refuses to disable the last active admin, also when two admins disable each other at once", async () => {
      const a = await newUser("ADMIN");
      await onlyActiveAdmins(a.id);
      await expect(setUserDisabled(system, { id: a.id, disabled: true })).rejects.toThrow(`${a.email} is the last active admin: disabling them`);

      const b = await newUser("ADMIN");
      await onlyActiveAdmins(a.id, b.id);
      const results = await Promise.allSettled([setUserDisabled(as(a), { id: b.id, disabled: true }), setUserDisabled(as(b), { id: a.id, disabled: true })]);
      expect(results.map((r) => r.status).sort()).toEqual(["fulfilled", "rejected"]);
      expect(await countActiveAdmins()).toBe(1);

      // Mixed: one demotes, the other disables, at the same time.
      const c = await newUser("ADMIN");
      await onlyActiveAdmins(a.id, c.id);
      const mixed = await Promise.allSettled([changeRole(system, { id: a.id, role: "EDITOR" }), setUserDisabled(system, { id: c.id, disabled: true })]);
      expect(mixed.filter((r) => r.status === "fulfilled")).toHaveLength(1);
      expect(await countActiveAdmins()).toBe(1);
    });
  });

  describe("resetPassword", () => {
    it("sets a new password that verifyCredentials accepts, ends sessions and audits without the hash", async () => {
      const u = await newUser("AUDITOR", { password: "the-old-password" });
      const r = await resetPassword(root, { id: u.id, password: "the-new-password" });
      expect(r).toMatchObject({ id: u.id, email: u.email });
      expect(await verifyCredentials({ email: u.email, password: "the-old-password" })).toBeNull();
      expect(await verifyCredentials({ email: u.email, password: "the-new-password" })).toMatchObject({ id: u.id, sessionVersion: 1 });
      const row = await db.user.findUniqueOrThrow({ where: { id: u.id } });
      const [e] = await db.auditEvent.findMany({ where: { action: "user.password_reset", entityId: u.id } });
      expect(e!.summary).toBe(`Reset the password of ${u.email} (their sessions ended)`);
      expect(e!.after).toMatchObject({ passwordChanged: true, sessionVersion: 1 });
      expect(JSON.stringify(e)).not.toContain(row.passwordHash);
      expect(JSON.stringify(e)).not.toContain(u.passwordHash);
    });

    it("refuses a password that is too short or is the user's email, and changes nothing", async () => {
      const u = await newUser("EDITOR", { password: "keep-this-password" });
      const before = await auditCount();
      const short = await caught(() => resetPassword(root, { id: u.id, password: "short" }));
      expect((short as FieldValidationError).fieldErrors.password?.[0]).toContain("at least 12");
      const email = await caught(() => resetPassword(root, { id: u.id, password: u.email.toUpperCase() }));
      expect((email as FieldValidationError).fieldErrors).toEqual({ password: ["The password cannot be the email address."] });
      expect(await verifyCredentials({ email: u.email, password: "keep-this-password" })).toMatchObject({ sessionVersion: 0 });
      expect(await auditCount()).toBe(before);
      await expect(resetPassword(root, { id: crypto.randomUUID(), password: "a-long-password" })).rejects.toBeInstanceOf(NotFoundError);
    });
  });

  it("lists users admins first, then by email, without password hashes", async () => {
    const rows = await listUsers();
    expect(rows.length).toBeGreaterThan(5);
    const ranks = rows.map((r) => ({ ADMIN: 0, EDITOR: 1, AUDITOR: 2 })[r.role]);
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
    expect(Object.keys(rows[0]!)).not.toContain("passwordHash");
  });
});
