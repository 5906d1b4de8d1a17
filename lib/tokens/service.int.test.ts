// Personal API tokens on a real database: shown once and stored hashed, created and revoked in audited
// transactions, a user revokes only their own, an administrator anyone's; authentication refuses what
// it must.
import { beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { NotFoundError } from "@/lib/errors";
import { createUser } from "@/lib/users/service";
import { authenticateApiToken, createApiToken, revokeApiToken } from "./service";
import { hashApiToken } from "./token";

const ctx = { actor: { id: null, email: "setup@tokens.test" } };
let alice: { id: string; email: string };
let bob: { id: string; email: string };

beforeAll(async () => {
  alice = await createUser(ctx, { email: "alice@tokens.test", name: "Alice", role: "EDITOR", password: "tokens-password-1" });
  bob = await createUser(ctx, { email: "bob@tokens.test", name: "Bob", role: "AUDITOR", password: "tokens-password-1" });
});

describe(`API tokens (${process.env.TEST_DB})`, () => {
  it("stores only the hash, audits the creation, and authenticates the token as its user", async () => {
    const { token, row } = await createApiToken({ actor: { id: alice.id, email: alice.email } }, { userId: alice.id, name: "CI", scope: "write", expiresInDays: 30 });
    expect(token).toMatch(/^pal_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    const stored = await db.apiToken.findUniqueOrThrow({ where: { id: row.id } });
    expect(stored.hash).toBe(hashApiToken(token));
    expect(JSON.stringify(stored)).not.toContain(token.split("_").at(-1)!);
    const audit = await db.auditEvent.findFirstOrThrow({ where: { action: "token.create", entityId: row.id } });
    expect(audit.actorEmail).toBe(alice.email);
    expect(JSON.stringify(audit)).not.toContain(token);
    const ok = await authenticateApiToken(token);
    expect(ok).toMatchObject({ user: { id: alice.id, role: "EDITOR" }, token: { id: row.id, scope: "write" } });
    // One character off: unknown.
    const last = token.at(-1) === "A" ? "B" : "A";
    expect(await authenticateApiToken(token.slice(0, -1) + last)).toEqual({ refused: "unknown" });
    expect(await authenticateApiToken("Bearer x")).toEqual({ refused: "malformed" });
    expect(await authenticateApiToken(null)).toEqual({ refused: "missing" });
    expect(await authenticateApiToken(token, new Date(Date.now() + 31 * 86_400_000))).toEqual({ refused: "expired" });
  });

  it("lets a user revoke only their own tokens, an administrator anyone's, and audits it", async () => {
    const { token, row } = await createApiToken(ctx, { userId: alice.id, name: "Laptop", scope: "read", expiresInDays: 7 });
    await expect(revokeApiToken({ actor: { id: bob.id, email: bob.email } }, { id: row.id, asUserId: bob.id })).rejects.toBeInstanceOf(NotFoundError);
    expect(await authenticateApiToken(token)).toMatchObject({ token: { id: row.id } });
    await revokeApiToken({ actor: { id: alice.id, email: alice.email } }, { id: row.id, asUserId: alice.id });
    expect(await authenticateApiToken(token)).toEqual({ refused: "revoked" });
    const audit = await db.auditEvent.findFirstOrThrow({ where: { action: "token.revoke", entityId: row.id } });
    expect(audit.summary).toContain('Revoked API token "Laptop"');

    const other = await createApiToken(ctx, { userId: bob.id, name: "Report", scope: "read", expiresInDays: 7 });
    await revokeApiToken({ actor: { id: null, email: "admin@tokens.test" } }, { id: other.row.id, asUserId: null });
    expect(await authenticateApiToken(other.token)).toEqual({ refused: "revoked" });
  });

  it("refuses the token of a disabled user, and makes none for one", async () => {
    const { token } = await createApiToken(ctx, { userId: bob.id, name: "Cron", scope: "read", expiresInDays: 7 });
    await db.user.update({ where: { id: bob.id }, data: { disabled: true } });
    expect(await authenticateApiToken(token)).toEqual({ refused: "user-disabled" });
    await expect(createApiToken(ctx, { userId: bob.id, name: "More", scope: "read", expiresInDays: 7 })).rejects.toBeInstanceOf(NotFoundError);
  });
});
