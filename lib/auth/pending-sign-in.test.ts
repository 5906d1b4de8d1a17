import { describe, expect, it } from "vitest";
import { credentialFingerprint, openPendingSignIn, PENDING_SIGN_IN_TTL_SECONDS, sealPendingSignIn } from "./pending-sign-in";

const SECRET = "unit-test-secret-0123456789abcdefghijklmnopqrstuvwxyz";
const PENDING = { uid: "6f1c2d8e-0000-4000-8000-000000000001", email: "ann@example.test", fp: "fingerprint" };
const NOW = Date.UTC(2026, 11, 6, 12, 0, 0);

describe("pending sign-in token", () => {
  it("opens to what was sealed while it is fresh, and does not show it in clear", () => {
    const token = sealPendingSignIn(PENDING, NOW, SECRET);
    expect(token).not.toContain(PENDING.email);
    expect(token).not.toContain(PENDING.uid);
    expect(openPendingSignIn(token, NOW + (PENDING_SIGN_IN_TTL_SECONDS - 1) * 1000, SECRET)).toEqual(PENDING);
  });

  it("refuses an expired token", () => {
    const token = sealPendingSignIn(PENDING, NOW, SECRET);
    expect(openPendingSignIn(token, NOW + PENDING_SIGN_IN_TTL_SECONDS * 1000, SECRET)).toBeNull();
    expect(openPendingSignIn(token, NOW + 3600_000, SECRET)).toBeNull();
  });

  it("refuses a token with any part altered", () => {
    const token = sealPendingSignIn(PENDING, NOW, SECRET);
    const parts = token.split(":");
    for (let i = 1; i < parts.length; i++) {
      const bytes = Buffer.from(parts[i]!, "base64url");
      bytes[0] = bytes[0]! ^ 1;
      const tampered = [...parts.slice(0, i), bytes.toString("base64url"), ...parts.slice(i + 1)].join(":");
      expect(openPendingSignIn(tampered, NOW, SECRET), `part ${i} altered`).toBeNull();
    }
    expect(openPendingSignIn(token.slice(0, -2), NOW, SECRET)).toBeNull();
  });

  it("refuses a token sealed with another secret, another purpose's sealed value, and junk", async () => {
    const token = sealPendingSignIn(PENDING, NOW, SECRET);
    expect(openPendingSignIn(token, NOW, `${SECRET}-other`)).toBeNull();
    const { sealSecret } = await import("./secret-box");
    const exp = Math.floor(NOW / 1000) + 60;
    expect(openPendingSignIn(sealSecret(JSON.stringify({ ...PENDING, exp }), "totp", SECRET), NOW, SECRET)).toBeNull();
    for (const junk of [undefined, null, 42, "", "v1:::", "v1:a:b:c", "x".repeat(5000)]) expect(openPendingSignIn(junk, NOW, SECRET)).toBeNull();
  });

  it("refuses a well-sealed value that is not a pending sign-in", async () => {
    const { sealSecret } = await import("./secret-box");
    const exp = Math.floor(NOW / 1000) + 60;
    expect(openPendingSignIn(sealSecret(JSON.stringify({ uid: PENDING.uid, exp }), "pending-sign-in", SECRET), NOW, SECRET)).toBeNull();
    expect(openPendingSignIn(sealSecret("not json", "pending-sign-in", SECRET), NOW, SECRET)).toBeNull();
  });

  it("changes its fingerprint when the password hash or the session version changes", () => {
    const a = credentialFingerprint({ passwordHash: "hash-1", sessionVersion: 0 });
    expect(credentialFingerprint({ passwordHash: "hash-1", sessionVersion: 0 })).toBe(a);
    expect(credentialFingerprint({ passwordHash: "hash-2", sessionVersion: 0 })).not.toBe(a);
    expect(credentialFingerprint({ passwordHash: "hash-1", sessionVersion: 1 })).not.toBe(a);
  });
});
