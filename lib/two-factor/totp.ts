// Pure TOTP (RFC 6238) and recovery-code helpers, built on the otpauth library. Codes are SHA-1, 6 digits,
// 30 s: what every authenticator app understands. A code is accepted for the current time step and one
// step either side (clock drift); the caller stores the step it was accepted for and refuses any step not
// newer than the last one, so one code signs in once.
import { createHash, randomBytes, randomInt, timingSafeEqual } from "node:crypto";
import { Secret, TOTP } from "otpauth";

export const TOTP_PERIOD_SECONDS = 30;
export const TOTP_DIGITS = 6;
/** Steps accepted either side of the current one. */
export const TOTP_WINDOW = 1;
export const RECOVERY_CODE_COUNT = 10;
export const TOTP_ISSUER = "Palisade";

function totp(secretBase32: string, label = "") {
  return new TOTP({
    issuer: TOTP_ISSUER,
    label,
    algorithm: "SHA1",
    digits: TOTP_DIGITS,
    period: TOTP_PERIOD_SECONDS,
    secret: Secret.fromBase32(secretBase32),
  });
}

/** A new random secret (160 bits, as RFC 4226 recommends), base32. */
export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

/** The otpauth:// URI an authenticator app reads from the QR code. */
export function totpUri(secretBase32: string, account: string): string {
  return totp(secretBase32, account).toString();
}

/** The code for `timestamp` (ms): for tests and the e2e spec, which generate codes like an app. */
export function totpCode(secretBase32: string, timestamp = Date.now()): string {
  return totp(secretBase32).generate({ timestamp });
}

/** The time step of `timestamp` (ms). */
export function totpStep(timestamp = Date.now()): number {
  return Math.floor(timestamp / 1000 / TOTP_PERIOD_SECONDS);
}

/**
 * The time step `code` is valid for (within TOTP_WINDOW steps of `timestamp`), or null. The caller refuses a
 * step it has already accepted (replay).
 */
export function verifyTotp(secretBase32: string, code: string, timestamp = Date.now()): number | null {
  const token = code.replace(/\s+/g, "");
  if (!/^\d{6}$/.test(token)) return null;
  const delta = totp(secretBase32).validate({ token, timestamp, window: TOTP_WINDOW });
  return delta === null ? null : totpStep(timestamp) + delta;
}

// Recovery codes: 10 characters from an alphabet without look-alikes (0/O, 1/I/L), shown as xxxxx-xxxxx:
// about 50 bits each, so a salted SHA-256 is enough (nobody can brute-force 2^50 through a throttled form,
// and a stolen table gives nothing that a dictionary attack would find).
const ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789";

export function newRecoveryCode(): string {
  let s = "";
  for (let i = 0; i < 10; i++) s += ALPHABET[randomInt(ALPHABET.length)];
  return `${s.slice(0, 5)}-${s.slice(5)}`;
}

/** What the user typed, as stored: lower case, no spaces or dashes. */
export function normalizeRecoveryCode(input: string): string {
  return input.toLowerCase().replace(/[\s-]+/g, "");
}

export function looksLikeRecoveryCode(input: string): boolean {
  const n = normalizeRecoveryCode(input);
  return n.length === 10 && [...n].every((c) => ALPHABET.includes(c));
}

/** `salt$sha256(salt + code)`, both hex; a fresh salt per code. */
export function hashRecoveryCode(code: string, salt = randomBytes(16).toString("hex")): string {
  const digest = createHash("sha256").update(salt).update(normalizeRecoveryCode(code)).digest("hex");
  return `${salt}$${digest}`;
}

export function recoveryCodeMatches(code: string, stored: string): boolean {
  const [salt, digest] = stored.split("$");
  if (!salt || !digest) return false;
  const expected = Buffer.from(digest, "hex");
  const actual = Buffer.from(hashRecoveryCode(code, salt).split("$")[1]!, "hex");
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}
