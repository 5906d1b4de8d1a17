// The signing secret for sessions. Development falls back to a fixed, public value; production refuses
// to start without a real one (checked at server start in instrumentation.ts and again on use).
export const DEV_SECRET = "palisade-development-only-secret-not-for-production";

export function authSecret(): string {
  const secret = process.env.NEXTAUTH_SECRET ?? process.env.AUTH_SECRET;
  if (process.env.NODE_ENV === "production") {
    if (!secret || secret.length < 32 || secret === DEV_SECRET) {
      throw new Error(
        "NEXTAUTH_SECRET must be set to a random value of at least 32 characters in production (e.g. `openssl rand -base64 48`).",
      );
    }
    return secret;
  }
  return secret || DEV_SECRET;
}
