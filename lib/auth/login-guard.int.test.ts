import { describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { createUser } from "@/lib/users/service";
import { installPeerAddressStamp, PEER_HEADER, TRUSTED_PROXIES_ENV } from "@/lib/http/client-address";
import { LoginLockedError, MAX_FAILURES_PER_EMAIL, MAX_FAILURES_PER_IP } from "./login-guard";
import { loginMeta, verifyCredentials } from "./options";

const ctx = { actor: { id: null, email: "setup@example.test" } };

describe(`sign-in throttling (${process.env.TEST_DB})`, () => {
  it("accepts the right password, refuses a wrong one and a disabled account with the same answer", async () => {
    const u = await createUser(ctx, { email: "ok@example.test", name: "Ok", role: "EDITOR", password: "correct horse battery" });
    expect(await verifyCredentials({ email: "OK@example.test", password: "correct horse battery" })).toMatchObject({ id: u.id, role: "EDITOR" });
    expect(await verifyCredentials({ email: "ok@example.test", password: "wrong" })).toBeNull();
    expect(await verifyCredentials({ email: "nobody@example.test", password: "whatever" })).toBeNull();
    await db.user.update({ where: { id: u.id }, data: { disabled: true } });
    expect(await verifyCredentials({ email: "ok@example.test", password: "correct horse battery" })).toBeNull();
    expect(await verifyCredentials({ email: "not an email", password: "x" })).toBeNull();
  });

  it("locks an email after repeated failures, even for the right password, and records one security event", async () => {
    await createUser(ctx, { email: "target@example.test", name: "T", role: "ADMIN", password: "the real password" });
    const meta = { ip: "192.0.2.50", userAgent: "test" };
    for (let i = 0; i < MAX_FAILURES_PER_EMAIL; i++) {
      expect(await verifyCredentials({ email: "target@example.test", password: `guess ${i}` }, meta)).toBeNull();
    }
    const err = await verifyCredentials({ email: "target@example.test", password: "the real password" }, meta).catch((e) => e);
    expect(err).toBeInstanceOf(LoginLockedError);
    expect((err as Error).message).toMatch(/Too many failed sign-ins\. Try again in \d+ minute/);
    const events = await db.auditEvent.findMany({ where: { action: "security.login_locked" } });
    expect(events).toHaveLength(1);
    expect(events[0]!.entityId).toBe("target@example.test");
    expect(events[0]!.ip).toBe("192.0.2.50");
    // Other accounts are not affected by this email's lockout.
    await createUser(ctx, { email: "other@example.test", name: "O", role: "EDITOR", password: "another password" });
    expect(await verifyCredentials({ email: "other@example.test", password: "another password" }, { ip: "192.0.2.51", userAgent: null })).not.toBeNull();
  });

  it("locks a source address that tries many emails", async () => {
    const meta = { ip: "198.51.100.99", userAgent: null };
    // Two real failures through the check, the rest recorded directly (each real check costs a bcrypt hash).
    for (let i = 0; i < 2; i++) expect(await verifyCredentials({ email: `spray${i}@example.test`, password: "x" }, meta)).toBeNull();
    await db.loginAttempt.createMany({
      data: Array.from({ length: MAX_FAILURES_PER_IP - 2 }, (_, i) => ({ email: `spray${i + 2}@example.test`, ip: meta.ip, success: false })),
    });
    await createUser(ctx, { email: "sprayed@example.test", name: "S", role: "EDITOR", password: "right password here" });
    await expect(verifyCredentials({ email: "sprayed@example.test", password: "right password here" }, meta)).rejects.toBeInstanceOf(LoginLockedError);
    expect(await verifyCredentials({ email: "sprayed@example.test", password: "right password here" }, { ip: "198.51.100.100", userAgent: null })).not.toBeNull();
  });

  it("forgets failures older than the window", async () => {
    await createUser(ctx, { email: "old@example.test", name: "Old", role: "EDITOR", password: "old user password" });
    const long = new Date(Date.now() - 60 * 60 * 1000);
    await db.loginAttempt.createMany({ data: Array.from({ length: 10 }, () => ({ email: "old@example.test", ip: null, success: false, createdAt: long })) });
    expect(await verifyCredentials({ email: "old@example.test", password: "old user password" })).not.toBeNull();
  });

  // The sign-in route hands authorize() next-auth's request, whose headers come from the HTTP request: the
  // socket's address in PEER_HEADER (stamped by instrumentation.ts) and whatever X-Forwarded-For the client sent.
  it("keeps an address locked out when the client changes X-Forwarded-For, and audits the real address", async () => {
    installPeerAddressStamp();
    const from = (xff: string) => loginMeta({ headers: { [PEER_HEADER]: "203.0.113.77", "x-forwarded-for": xff, "user-agent": "spray" } });
    await db.loginAttempt.createMany({
      data: Array.from({ length: MAX_FAILURES_PER_IP - 1 }, (_, i) => ({ email: `xff${i}@example.test`, ip: "203.0.113.77", success: false })),
    });
    expect(await verifyCredentials({ email: "xff-last@example.test", password: "x" }, from("198.51.100.1"))).toBeNull();
    await createUser(ctx, { email: "xff-target@example.test", name: "X", role: "EDITOR", password: "right password here" });
    for (const xff of ["198.51.100.2", "=1+2", "10.0.0.1, 10.0.0.2", ""]) {
      await expect(verifyCredentials({ email: "xff-target@example.test", password: "right password here" }, from(xff)), xff).rejects.toBeInstanceOf(LoginLockedError);
    }
    const ips = await db.loginAttempt.findMany({ where: { email: { startsWith: "xff" } }, distinct: ["ip"], select: { ip: true } });
    expect(ips).toEqual([{ ip: "203.0.113.77" }]);

    // Five failures for one email, each with another X-Forwarded-For: the lockout event names the socket's address.
    await createUser(ctx, { email: "xff-audit@example.test", name: "A", role: "EDITOR", password: "right password here" });
    for (let i = 0; i < MAX_FAILURES_PER_EMAIL; i++) {
      await verifyCredentials({ email: "xff-audit@example.test", password: `guess ${i}` }, loginMeta({ headers: { [PEER_HEADER]: "203.0.113.78", "x-forwarded-for": `=${i}+2` } }));
    }
    const locked = await db.auditEvent.findFirstOrThrow({ where: { action: "security.login_locked", entityId: "xff-audit@example.test" } });
    expect(locked.ip).toBe("203.0.113.78");
  });

  it("behind a trusted proxy, counts the address the proxy saw", async () => {
    installPeerAddressStamp();
    process.env[TRUSTED_PROXIES_ENV] = "10.9.0.0/16";
    try {
      const meta = loginMeta({ headers: { [PEER_HEADER]: "10.9.0.5", "x-forwarded-for": "192.0.2.1, 203.0.113.99" } });
      expect(meta.ip).toBe("203.0.113.99");
      expect(loginMeta({ headers: { [PEER_HEADER]: "198.51.100.5", "x-forwarded-for": "203.0.113.99" } }).ip).toBe("198.51.100.5");
    } finally {
      delete process.env[TRUSTED_PROXIES_ENV];
    }
  });
});
