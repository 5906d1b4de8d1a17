// API token format: `pal_<prefix>_<secret>`, prefix 12 hex characters (finds the row; shown in the
// panel), secret 32 random bytes in base64url (256 bits). Only the SHA-256 of the whole token is stored:
// a token is already high-entropy, so a fast hash is enough (nothing to brute-force). Shown once.
import { createHash, randomBytes } from "node:crypto";

export const API_TOKEN_PATTERN = /^pal_([0-9a-f]{12})_[A-Za-z0-9_-]{43}$/;

export function generateApiToken(): { token: string; prefix: string } {
  const prefix = randomBytes(6).toString("hex");
  return { token: `pal_${prefix}_${randomBytes(32).toString("base64url")}`, prefix };
}

export function hashApiToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

/** The row-finding prefix of a well-formed token, or null. */
export function apiTokenPrefix(token: string): string | null {
  return API_TOKEN_PATTERN.exec(token)?.[1] ?? null;
}
