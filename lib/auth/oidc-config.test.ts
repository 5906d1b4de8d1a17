import { describe, expect, it } from "vitest";
import { localLoginEnabled, OidcConfigError, oidcConfig, parseRoleMap, roleFromClaims } from "./oidc-config";

const base = {
  PALISADE_OIDC_ISSUER: "https://sso.example.com/realms/corp/",
  PALISADE_OIDC_CLIENT_ID: "palisade",
  PALISADE_OIDC_CLIENT_SECRET: "s3cret",
  PALISADE_OIDC_ROLE_MAP: "waf-admins=ADMIN, waf-editors=editor,waf-auditors=AUDITOR",
};

describe("OIDC settings", () => {
  it("is off without an issuer, and complete or refused with one", () => {
    expect(oidcConfig({})).toBeNull();
    const cfg = oidcConfig(base)!;
    expect(cfg).toMatchObject({ issuer: "https://sso.example.com/realms/corp", roleClaim: "groups", recheckSeconds: 60, scopes: "openid email profile" });
    expect([...cfg.roleMap]).toEqual([["waf-admins", "ADMIN"], ["waf-editors", "EDITOR"], ["waf-auditors", "AUDITOR"]]);
    expect(() => oidcConfig({ ...base, PALISADE_OIDC_CLIENT_SECRET: "" })).toThrow(/PALISADE_OIDC_CLIENT_SECRET/);
    expect(() => oidcConfig({ ...base, PALISADE_OIDC_ISSUER: "http://sso.example.com" })).toThrow(/https/);
    expect(oidcConfig({ ...base, PALISADE_OIDC_ISSUER: "http://127.0.0.1:4000" })?.issuer).toBe("http://127.0.0.1:4000");
    expect(() => oidcConfig({ ...base, PALISADE_OIDC_RECHECK_SECONDS: "-1" })).toThrow(OidcConfigError);
    expect(oidcConfig({ ...base, PALISADE_OIDC_RECHECK_SECONDS: "0" })?.recheckSeconds).toBe(0);
  });

  it("parses the role map and refuses what it cannot read", () => {
    expect(parseRoleMap("a=ADMIN\nb = auditor").get("b")).toBe("AUDITOR");
    expect(() => parseRoleMap("cn=x,ou=y=EDITOR")).toThrow(/"cn=x"/); // commas separate entries
    expect(() => parseRoleMap("waf-admins=ROOT")).toThrow(/ROOT/);
    expect(() => parseRoleMap("=ADMIN")).toThrow(OidcConfigError);
    expect(() => parseRoleMap(" , ")).toThrow(/empty/);
  });

  it("local sign-in is on unless PALISADE_LOCAL_LOGIN=off", () => {
    expect(localLoginEnabled({})).toBe(true);
    expect(localLoginEnabled({ PALISADE_LOCAL_LOGIN: "OFF" })).toBe(false);
    expect(localLoginEnabled({ PALISADE_LOCAL_LOGIN: "on" })).toBe(true);
  });
});

describe("role from the claim", () => {
  const cfg = { roleClaim: "groups", roleMap: parseRoleMap("waf-admins=ADMIN,waf-editors=EDITOR,waf-auditors=AUDITOR") };
  it("gives the strongest mapped role, null when nothing maps", () => {
    expect(roleFromClaims({ groups: ["waf-auditors", "waf-admins", "staff"] }, cfg)).toBe("ADMIN");
    expect(roleFromClaims({ groups: ["waf-editors"] }, cfg)).toBe("EDITOR");
    expect(roleFromClaims({ groups: ["staff"] }, cfg)).toBeNull();
    expect(roleFromClaims({ groups: [] }, cfg)).toBeNull();
    expect(roleFromClaims({}, cfg)).toBeNull();
    expect(roleFromClaims({ groups: [{ name: "waf-admins" }, 7, null] }, cfg)).toBeNull();
    expect(roleFromClaims({ groups: "waf-editors" }, cfg)).toBe("EDITOR");
  });
  it("reads Keycloak's group paths and nested role claims", () => {
    expect(roleFromClaims({ groups: ["/waf-admins"] }, cfg)).toBe("ADMIN");
    expect(roleFromClaims({ groups: ["/corp/waf-admins"] }, cfg)).toBeNull();
    const nested = { roleClaim: "realm_access.roles", roleMap: parseRoleMap("waf-auditor=AUDITOR") };
    expect(roleFromClaims({ realm_access: { roles: ["offline_access", "waf-auditor"] } }, nested)).toBe("AUDITOR");
    expect(roleFromClaims({ realm_access: "waf-auditor" }, nested)).toBeNull();
  });
  it("does not read inherited properties as claims", () => {
    expect(roleFromClaims({}, { roleClaim: "constructor.name", roleMap: parseRoleMap("Object=ADMIN") })).toBeNull();
  });
});
