import { describe, expect, it } from "vitest";
import { openSecret, sealSecret } from "@/lib/auth/secret-box";
import {
  hashRecoveryCode,
  looksLikeRecoveryCode,
  newRecoveryCode,
  newTotpSecret,
  recoveryCodeMatches,
  totpCode,
  totpStep,
  totpUri,
  verifyTotp,
} from "./totp";

const T = Date.UTC(2026, 11, 7, 12, 0, 15); // 15 s into a 30 s step

describe("verifyTotp", () => {
  const secret = newTotpSecret();

  it("accepts the current code and returns its time step", () => {
    expect(verifyTotp(secret, totpCode(secret, T), T)).toBe(totpStep(T));
  });

  it("accepts one step either side (clock drift) and reports that step", () => {
    expect(verifyTotp(secret, totpCode(secret, T - 30_000), T)).toBe(totpStep(T) - 1);
    expect(verifyTotp(secret, totpCode(secret, T + 30_000), T)).toBe(totpStep(T) + 1);
  });

  it("refuses codes two steps away, another secret's code, and malformed input", () => {
    expect(verifyTotp(secret, totpCode(secret, T - 60_000), T)).toBeNull();
    expect(verifyTotp(secret, totpCode(secret, T + 60_000), T)).toBeNull();
    expect(verifyTotp(secret, totpCode(newTotpSecret(), T), T)).toBeNull();
    expect(verifyTotp(secret, "12345", T)).toBeNull();
    expect(verifyTotp(secret, "abcdef", T)).toBeNull();
  });

  it("ignores spaces inside the code", () => {
    const code = totpCode(secret, T);
    expect(verifyTotp(secret, `${code.slice(0, 3)} ${code.slice(3)}`, T)).toBe(totpStep(T));
  });

  it("writes an otpauth URI with the issuer, the account and the secret", () => {
    const uri = totpUri(secret, "admin@palisade.local");
    expect(uri).toMatch(/^otpauth:\/\/totp\/Palisade:admin%40palisade\.local\?/);
    expect(uri).toContain(`secret=${secret}`);
  });
});

describe("recovery codes", () => {
  it("are 10 unambiguous characters shown as two groups", () => {
    const codes = Array.from({ length: 50 }, newRecoveryCode);
    for (const c of codes) {
      expect(c).toMatch(/^[a-z2-9]{5}-[a-z2-9]{5}$/);
      expect(c).not.toMatch(/[01ilo]/);
      expect(looksLikeRecoveryCode(c)).toBe(true);
    }
    expect(new Set(codes).size).toBe(codes.length);
    expect(looksLikeRecoveryCode("123456")).toBe(false);
  });

  it("are hashed with a salt of their own and match however they are typed", () => {
    const code = newRecoveryCode();
    const a = hashRecoveryCode(code);
    const b = hashRecoveryCode(code);
    expect(a).not.toBe(b);
    expect(a).not.toContain(code.replace("-", ""));
    expect(recoveryCodeMatches(code, a)).toBe(true);
    expect(recoveryCodeMatches(code.toUpperCase().replace("-", " "), b)).toBe(true);
    expect(recoveryCodeMatches(newRecoveryCode(), a)).toBe(false);
    expect(recoveryCodeMatches(code, "garbage")).toBe(false);
  });
});

describe("secret box", () => {
  const key = "k".repeat(40);
  it("round-trips, and refuses another key, another purpose or an altered value", () => {
    const sealed = sealSecret("JBSWY3DPEHPK3PXP", "totp", key);
    expect(sealed).not.toContain("JBSWY3DPEHPK3PXP");
    expect(openSecret(sealed, "totp", key)).toBe("JBSWY3DPEHPK3PXP");
    expect(() => openSecret(sealed, "totp", "x".repeat(40))).toThrow();
    expect(() => openSecret(sealed, "other", key)).toThrow();
    const parts = sealed.split(":");
    parts[3] = Buffer.from("AAAAAAAAAAAAAAAA").toString("base64url");
    expect(() => openSecret(parts.join(":"), "totp", key)).toThrow();
  });
});
