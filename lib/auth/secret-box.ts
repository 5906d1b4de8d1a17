// Encryption at rest for secrets the panel must read back (TOTP secrets): AES-256-GCM with a key derived
// from the auth secret (lib/auth/secret.ts) by HKDF, one key per purpose. A database dump alone does not
// reveal them. Changing NEXTAUTH_SECRET makes stored values unreadable: users must enrol again (README).
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";
import { authSecret } from "./secret";

const VERSION = "v1";

function keyFor(purpose: string, secret: string): Buffer {
  return Buffer.from(hkdfSync("sha256", secret, "palisade-secret-box", purpose, 32));
}

export function sealSecret(plain: string, purpose: string, secret = authSecret()): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", keyFor(purpose, secret), iv);
  const body = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
  return [VERSION, iv.toString("base64url"), cipher.getAuthTag().toString("base64url"), body.toString("base64url")].join(":");
}

/** The plain text, or throws when the value was sealed with another key or altered. */
export function openSecret(sealed: string, purpose: string, secret = authSecret()): string {
  const [version, iv, tag, body] = sealed.split(":");
  if (version !== VERSION || !iv || !tag || body === undefined) throw new Error("Not a sealed secret");
  const decipher = createDecipheriv("aes-256-gcm", keyFor(purpose, secret), Buffer.from(iv, "base64url"));
  decipher.setAuthTag(Buffer.from(tag, "base64url"));
  return Buffer.concat([decipher.update(Buffer.from(body, "base64url")), decipher.final()]).toString("utf8");
}
