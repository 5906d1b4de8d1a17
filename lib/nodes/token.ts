// Node tokens: `pn_` + 32 random bytes in base64url (256 bits). Only the SHA-256 of the token is stored
// (a token is already high-entropy, so a fast hash is enough: there is nothing to brute-force), with a
// short prefix to recognise it in the panel. The token itself is shown once, when made.
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

export const TOKEN_PREFIX = "pn_";
export const TOKEN_PATTERN = /^pn_[A-Za-z0-9_-]{43}$/;
/** How much of the token the panel shows to tell tokens apart (the `pn_` and 8 characters). */
export const SHOWN_PREFIX_LENGTH = 11;

export function generateToken(): string {
  return `${TOKEN_PREFIX}${randomBytes(32).toString("base64url")}`;
}

export function hashToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

export function tokenPrefix(token: string): string {
  return token.slice(0, SHOWN_PREFIX_LENGTH);
}

export function isTokenFormat(token: string): boolean {
  return TOKEN_PATTERN.test(token);
}

/** Equal hex hashes, compared in constant time. */
export function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, "utf8");
  const y = Buffer.from(b, "utf8");
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The token of an `Authorization: Bearer <token>` header, or null. */
export function bearerToken(header: string | null): string | null {
  const m = /^Bearer[ ]+(\S+)[ ]*$/i.exec(header ?? "");
  return m ? m[1]! : null;
}
