// OpenID Connect settings from the environment, and the mapping from the provider's group/role claim to a
// panel role. Pure: no database, no network (lib/auth/oidc.ts does the sign-in and the re-checks).
import type { Role } from "@/lib/db";

export type OidcConfig = {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** The sign-in button's label: "Continue with <name>". */
  name: string;
  scopes: string;
  roleClaim: string;
  /** Claim value (group or role name) → panel role. */
  roleMap: ReadonlyMap<string, Role>;
  /** How long a session's last check at the provider holds; 0: every request. */
  recheckSeconds: number;
  /** Signing out of Palisade ends the provider's session too (RP-initiated logout); PALISADE_OIDC_LOGOUT=off turns it off. */
  logoutAtProvider: boolean;
};

const ROLES: readonly Role[] = ["ADMIN", "EDITOR", "AUDITOR"];
/** A user in several mapped groups gets the strongest of their roles. */
const RANK: Record<Role, number> = { ADMIN: 3, EDITOR: 2, AUDITOR: 1 };

type Env = Record<string, string | undefined>;

export class OidcConfigError extends Error {}

/** Parses "waf-admins=ADMIN,waf-editors=EDITOR" (commas or new lines between entries). */
export function parseRoleMap(text: string): Map<string, Role> {
  const map = new Map<string, Role>();
  for (const entry of text.split(/[,\n]/).map((s) => s.trim()).filter(Boolean)) {
    const at = entry.lastIndexOf("=");
    const value = at > 0 ? entry.slice(0, at).trim() : "";
    const role = (at > 0 ? entry.slice(at + 1).trim().toUpperCase() : "") as Role;
    if (!value || !ROLES.includes(role)) {
      throw new OidcConfigError(`PALISADE_OIDC_ROLE_MAP: "${entry}" is not "<group or role>=ADMIN|EDITOR|AUDITOR"`);
    }
    map.set(value, role);
  }
  if (map.size === 0) throw new OidcConfigError("PALISADE_OIDC_ROLE_MAP is empty: nobody could sign in through the identity provider");
  return map;
}

/** The OIDC settings, or null when PALISADE_OIDC_ISSUER is unset (single sign-on off). Throws on an incomplete setup. */
export function oidcConfig(env: Env = process.env): OidcConfig | null {
  const issuer = env.PALISADE_OIDC_ISSUER?.trim();
  if (!issuer) return null;
  const missing = ["PALISADE_OIDC_CLIENT_ID", "PALISADE_OIDC_CLIENT_SECRET", "PALISADE_OIDC_ROLE_MAP"].filter((k) => !env[k]?.trim());
  if (missing.length) throw new OidcConfigError(`PALISADE_OIDC_ISSUER is set but ${missing.join(", ")} ${missing.length > 1 ? "are" : "is"} not`);
  let url: URL;
  try {
    url = new URL(issuer);
  } catch {
    throw new OidcConfigError(`PALISADE_OIDC_ISSUER is not a URL: ${issuer}`);
  }
  if (url.protocol !== "https:" && !["127.0.0.1", "localhost", "[::1]"].includes(url.hostname)) {
    throw new OidcConfigError("PALISADE_OIDC_ISSUER must be https:// (plain http only on a loopback address, for tests)");
  }
  const recheck = env.PALISADE_OIDC_RECHECK_SECONDS?.trim() || "60";
  if (!/^\d{1,5}$/.test(recheck)) throw new OidcConfigError("PALISADE_OIDC_RECHECK_SECONDS must be a whole number of seconds (0–99999)");
  return {
    issuer: issuer.replace(/\/+$/, ""),
    clientId: env.PALISADE_OIDC_CLIENT_ID!.trim(),
    clientSecret: env.PALISADE_OIDC_CLIENT_SECRET!.trim(),
    name: env.PALISADE_OIDC_NAME?.trim() || "single sign-on",
    scopes: env.PALISADE_OIDC_SCOPES?.trim() || "openid email profile",
    roleClaim: env.PALISADE_OIDC_ROLE_CLAIM?.trim() || "groups",
    roleMap: parseRoleMap(env.PALISADE_OIDC_ROLE_MAP!),
    recheckSeconds: Number(recheck),
    logoutAtProvider: env.PALISADE_OIDC_LOGOUT?.trim().toLowerCase() !== "off",
  };
}

/** False when PALISADE_LOCAL_LOGIN=off: only the identity provider signs users in. */
export function localLoginEnabled(env: Env = process.env): boolean {
  return env.PALISADE_LOCAL_LOGIN?.trim().toLowerCase() !== "off";
}

/**
 * The panel role for a user's claims: the strongest role any of the claim's values maps to, or null when
 * none maps (the user is refused). The claim may be a list or one string; a dotted name reads a nested
 * claim ("realm_access.roles" in Keycloak). Keycloak writes groups as paths ("/waf-admins"): a value
 * matches with or without its leading slash.
 */
export function roleFromClaims(claims: Record<string, unknown>, config: Pick<OidcConfig, "roleClaim" | "roleMap">): Role | null {
  let value: unknown = claims;
  for (const part of config.roleClaim.split(".")) {
    value = value && typeof value === "object" ? (value as Record<string, unknown>)[part] : undefined;
  }
  const values = Array.isArray(value) ? value : typeof value === "string" ? [value] : [];
  let best: Role | null = null;
  for (const v of values) {
    if (typeof v !== "string") continue;
    const role = config.roleMap.get(v) ?? config.roleMap.get(v.replace(/^\//, ""));
    if (role && (!best || RANK[role] > RANK[best])) best = role;
  }
  return best;
}

/** Messages for /login?error=…: next-auth's own codes and ours (lib/auth/oidc.ts). */
export const OIDC_SIGN_IN_ERRORS: Record<string, string> = {
  OidcUnmapped: "Your account at the identity provider is in no group that has access to Palisade. Ask an administrator to add you to one.",
  OidcDisabled: "Your Palisade account is disabled. Ask an administrator.",
  OidcEmailTaken: "A Palisade account with your email already exists and signs in with a password. Ask an administrator to remove or rename it before you use single sign-on.",
  OidcNoEmail: "The identity provider did not send your email address, which Palisade needs. Ask an administrator to release the email claim.",
  OidcUnavailable: "The identity provider could not be reached to confirm your access; try again in a moment.",
  OAuthCallback: "Sign-in through the identity provider failed: its answer could not be verified.",
  OAuthSignin: "Sign-in through the identity provider could not start; try again in a moment.",
  Callback: "Sign-in through the identity provider failed; try again in a moment.",
  AccessDenied: "Sign-in through the identity provider was refused.",
  SessionRequired: "Please sign in.",
};
