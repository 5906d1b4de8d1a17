// Calls every server action directly — not through the UI — as anonymous, AUDITOR, EDITOR, ADMIN and a
// disabled user, and checks allowed or denied against the table below. An action that the table does
// not list fails the test, so a new action cannot ship without a decision about who may call it.
import fs from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { createUser } from "@/lib/users/service";
import { PERMISSIONS, type Permission } from "./permissions";
import { runWithSession } from "./session";

// action name → the permission it requires
const MATRIX: Record<string, Permission> = {
  signOutEverywhereAction: "session.self",
  changeOwnPasswordAction: "session.self",
  createVhostAction: "vhost.write",
  updateVhostAction: "vhost.write",
  setVhostEnabledAction: "vhost.write",
  deleteVhostAction: "vhost.write",
  updatePolicyAction: "policy.write",
  addIpEntriesAction: "policy.write",
  removeIpEntryAction: "policy.write",
  createCustomRuleAction: "policy.write",
  updateCustomRuleAction: "policy.write",
  setCustomRuleEnabledAction: "policy.write",
  moveCustomRuleAction: "policy.write",
  deleteCustomRuleAction: "policy.write",
  createExclusionAction: "policy.write",
  deleteExclusionAction: "policy.write",
  createUserAction: "user.manage",
  changeRoleAction: "user.manage",
  setUserDisabledAction: "user.manage",
  resetPasswordAction: "user.manage",
  createTemplateAction: "template.manage",
  updateTemplateAction: "template.manage",
  deleteTemplateAction: "template.manage",
  copyPolicyAction: "policy.write",
  archiveAuditAction: "audit.archive",
  publishConfigAction: "config.publish",
  rollbackConfigAction: "config.publish",
  registerNodeAction: "node.manage",
  revokeNodeAction: "node.manage",
  rotateNodeTokenAction: "node.manage",
  startReplayAction: "replay.run",
  cancelReplayAction: "replay.run",
  createApiTokenAction: "session.self",
  revokeOwnApiTokenAction: "session.self",
  revokeAnyApiTokenAction: "user.manage",
  endSessionAction: "session.self",
  enableTwoFactorAction: "session.self",
  disableTwoFactorAction: "session.self",
  resetTwoFactorAction: "user.manage",
  setRequireAdminTwoFactorAction: "security.manage",
  setEventRetentionAction: "event.retention",
};

/** Native form submissions (lib/auth/form-action.ts): each goes through the action named beside it. */
const NATIVE_MATRIX: Record<string, Permission> = {
  createVhostForm: "vhost.write",
  updateVhostForm: "vhost.write",
  updatePolicyForm: "policy.write",
  addIpEntriesForm: "policy.write",
  createCustomRuleForm: "policy.write",
  updateCustomRuleForm: "policy.write",
  createExclusionForm: "policy.write",
  copyPolicyForm: "policy.write",
  createUserForm: "user.manage",
  createTemplateForm: "template.manage",
  updateTemplateForm: "template.manage",
  archiveAuditForm: "audit.archive",
  setEventRetentionForm: "event.retention",
  registerNodeForm: "node.manage",
  changeOwnPasswordForm: "session.self",
  endSessionForm: "session.self",
  enableTwoFactorForm: "session.self",
  disableTwoFactorForm: "session.self",
};

/** What the browser posts for a form with no fields (the shape and start of an empty object). */
function emptyFormPost() {
  const fd = new FormData();
  fd.set("$shape", "{}");
  fd.set("$start", "{}");
  return fd;
}

/**
 * Public by nature (lib/auth/sign-in-actions.ts): signing in needs no session, signing out ends only the
 * caller's own. No role decides anything in them; the test below checks that they grant nothing.
 */
const PUBLIC_ACTIONS = ["signInForm", "signOutForm"];

const DENIED = "Your role does not allow this action.";
const SIGNED_OUT = "Your session has ended. Sign in again.";

function actionFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === "generated" ? [] : actionFiles(p);
    return e.name === "actions.ts" || e.name === "sign-in-actions.ts" ? [p] : [];
  });
}

type Action = (input: unknown) => Promise<{ ok: boolean; error?: string }>;
const actions: Record<string, Action> = {};
const users: Record<string, { uid: string; sv: number } | null> = { anonymous: null };

beforeAll(async () => {
  for (const file of actionFiles(path.join(process.cwd(), "lib"))) {
    const mod = (await import(file)) as Record<string, unknown>;
    for (const [name, fn] of Object.entries(mod)) {
      if (typeof fn !== "function") continue;
      if (name in NATIVE_MATRIX) {
        // A native form action takes (previous state, FormData) and answers { result, values }.
        const native = fn as (prev: null, fd: FormData) => Promise<{ result: { ok: boolean; error?: string } } | null>;
        actions[name] = async () => (await native(null, emptyFormPost()))!.result;
      } else actions[name] = fn as Action;
    }
  }
  const ctx = { actor: { id: null, email: "matrix@example.test" } };
  for (const role of ["ADMIN", "EDITOR", "AUDITOR"] as const) {
    const u = await createUser(ctx, { email: `${role.toLowerCase()}@matrix.test`, name: role, role, password: "matrix-password-1" });
    users[role] = { uid: u.id, sv: u.sessionVersion };
  }
  const disabled = await createUser(ctx, { email: "disabled@matrix.test", name: "Disabled admin", role: "ADMIN", password: "matrix-password-1" });
  await db.user.update({ where: { id: disabled.id }, data: { disabled: true } });
  users.disabled = { uid: disabled.id, sv: disabled.sessionVersion };
  // A session from before a role change or "log out everywhere" (sessionVersion bumped) is dead too.
  const stale = await createUser(ctx, { email: "stale@matrix.test", name: "Stale admin", role: "ADMIN", password: "matrix-password-1" });
  await db.user.update({ where: { id: stale.id }, data: { sessionVersion: { increment: 1 } } });
  users.staleSession = { uid: stale.id, sv: stale.sessionVersion };
});

describe(`authorization matrix (${process.env.TEST_DB})`, () => {
  it("lists every server action, and every listed action exists", () => {
    expect(Object.keys(actions).sort()).toEqual([...Object.keys(MATRIX), ...Object.keys(NATIVE_MATRIX), ...PUBLIC_ACTIONS].sort());
  });

  it("the public sign-in and sign-out actions grant nothing: an empty sign-in is refused for everyone, sign-out only leads to /login", async () => {
    const signIn = actions.signInForm as unknown as (prev: null, fd: FormData) => Promise<unknown>;
    const signOut = actions.signOutForm as unknown as () => Promise<unknown>;
    const before = await db.auditEvent.count();
    for (const [who, claim] of Object.entries(users)) {
      const answer = await runWithSession(claim, () => signIn(null, new FormData()));
      expect(answer, who).toEqual({ step: "password", email: "", error: "Wrong email or password, or the account is disabled." });
      const code = await runWithSession(claim, () => signIn(null, (() => { const fd = new FormData(); fd.set("pending", "forged"); fd.set("code", "123456"); return fd; })()));
      expect(code, who).toMatchObject({ step: "password", error: expect.stringMatching(/took too long or could not be checked/) });
      // Outside a request there is no cookie to end: it only redirects to /login (redirect() throws by design).
      const out = await runWithSession(claim, () => signOut()).catch((e: unknown) => e);
      expect(String((out as { digest?: string }).digest), who).toMatch(/^NEXT_REDIRECT;.*;\/login;/);
    }
    expect(await db.auditEvent.count()).toBe(before);
  });

  it("refuses each action to anonymous, disabled and revoked sessions, and to roles without the permission", async () => {
    const eventsBefore = await db.auditEvent.count({ where: { action: { notIn: ["security.denied", "user.sessions_revoked"] } } });
    const vhostsBefore = await db.virtualHost.count();
    const outcomes: string[] = [];
    for (const [name, permission] of Object.entries({ ...MATRIX, ...NATIVE_MATRIX })) {
      const fn = actions[name]!;
      for (const [who, claim] of Object.entries(users)) {
        // Input that would be invalid anyway: authorization must be decided before parsing.
        // An allowed call may run ("sign out everywhere" takes {}) and bump sessionVersion: keep live claims current.
        if (claim && who !== "staleSession") claim.sv = (await db.user.findUniqueOrThrow({ where: { id: claim.uid } })).sessionVersion;
        const r = await runWithSession(claim, () => fn({}));
        const role = who as keyof typeof PERMISSIONS | string;
        const allowed = ["ADMIN", "EDITOR", "AUDITOR"].includes(role) && (PERMISSIONS[permission] as readonly string[]).includes(role);
        const verdict = r.ok ? "ran" : r.error === DENIED ? "denied" : r.error === SIGNED_OUT ? "signed-out" : "allowed";
        outcomes.push(`${name} as ${who}: ${verdict}`);
        if (allowed) expect(["allowed", "ran"], `${name} as ${who}`).toContain(verdict);
        else if (claim === null || who === "disabled" || who === "staleSession") expect(verdict, `${name} as ${who}`).toBe("signed-out");
        else expect(verdict, `${name} as ${who}`).toBe("denied");
      }
    }
    expect(outcomes.length).toBe((Object.keys(MATRIX).length + Object.keys(NATIVE_MATRIX).length) * Object.keys(users).length);
    // Nothing changed but the security events recording the refusals.
    expect(await db.auditEvent.count({ where: { action: { notIn: ["security.denied", "user.sessions_revoked"] } } })).toBe(eventsBefore);
    expect(await db.virtualHost.count()).toBe(vhostsBefore);
    const denied = await db.auditEvent.count({ where: { action: "security.denied" } });
    const expectedDenials = Object.values(MATRIX).filter((p) => !(PERMISSIONS[p] as readonly string[]).includes("AUDITOR")).length;
    expect(denied).toBeGreaterThanOrEqual(expectedDenials);
  });
});
