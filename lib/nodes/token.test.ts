import { describe, expect, it } from "vitest";
import { bearerToken, generateToken, hashToken, isTokenFormat, sameHash, tokenPrefix } from "./token";

describe("node tokens", () => {
  it("are pn_ and 43 base64url characters (32 random bytes), different every time", () => {
    const tokens = Array.from({ length: 200 }, generateToken);
    for (const t of tokens) {
      expect(t).toMatch(/^pn_[A-Za-z0-9_-]{43}$/);
      expect(isTokenFormat(t)).toBe(true);
      expect(Buffer.from(t.slice(3), "base64url")).toHaveLength(32);
    }
    expect(new Set(tokens).size).toBe(tokens.length);
  });

  it("are stored as their SHA-256 and recognised by a short prefix", () => {
    const t = generateToken();
    expect(hashToken(t)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashToken(t)).toBe(hashToken(t));
    expect(hashToken(t)).not.toBe(hashToken(generateToken()));
    expect(hashToken(t)).not.toContain(t.slice(3, 15));
    expect(tokenPrefix(t)).toBe(t.slice(0, 11));
    expect(tokenPrefix(t).startsWith("pn_")).toBe(true);
  });

  it("refuses other shapes", () => {
    for (const bad of ["", "pn_", "pn_short", `pn_${"a".repeat(44)}`, `xx_${"a".repeat(43)}`, `pn_${"a".repeat(42)}=`, ` pn_${"a".repeat(43)}`]) {
      expect(isTokenFormat(bad), bad).toBe(false);
    }
  });

  it("compares hashes in constant time, and reads the bearer header", () => {
    const h = hashToken("x");
    expect(sameHash(h, hashToken("x"))).toBe(true);
    expect(sameHash(h, hashToken("y"))).toBe(false);
    expect(sameHash(h, "short")).toBe(false);
    expect(bearerToken("Bearer abc")).toBe("abc");
    expect(bearerToken("bearer abc")).toBe("abc");
    expect(bearerToken("Basic abc")).toBeNull();
    expect(bearerToken("Bearer")).toBeNull();
    expect(bearerToken("Bearer a b")).toBeNull();
    expect(bearerToken(null)).toBeNull();
  });
});
