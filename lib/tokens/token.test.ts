import { describe, expect, it } from "vitest";
import { apiTokenPrefix, generateApiToken, hashApiToken } from "./token";

describe("API token format", () => {
  it("makes pal_<12 hex>_<43 base64url> tokens whose prefix finds them", () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const { token, prefix } = generateApiToken();
      expect(token).toMatch(/^pal_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
      expect(apiTokenPrefix(token)).toBe(prefix);
      seen.add(token);
    }
    expect(seen.size).toBe(200);
  });

  it("recognises nothing else", () => {
    for (const t of ["", "pal_", "pn_abc", `pal_0123456789AB_${"a".repeat(43)}`, `pal_0123456789ab_${"a".repeat(42)}`, `pal_0123456789ab_${"a".repeat(43)} `, `xpal_0123456789ab_${"a".repeat(43)}`]) {
      expect(apiTokenPrefix(t), JSON.stringify(t)).toBeNull();
    }
  });

  it("hashes with SHA-256 hex", () => {
    expect(hashApiToken("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });
});
