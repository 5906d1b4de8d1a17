import { describe, expect, it } from "vitest";
import { pageRule, rolesThatMay } from "./page-permissions";

describe("pageRule", () => {
  it("finds a page's rule by its path, ids filled into the back link", () => {
    expect(pageRule("/templates/new")).toMatchObject({ permission: "template.manage", back: { href: "/templates" } });
    expect(pageRule("/users/")).toMatchObject({ route: "/users", permission: "user.manage" });
    expect(pageRule("/vhosts/abc-123/events")).toMatchObject({ route: "/vhosts/[id]/events", back: { href: "/vhosts/abc-123" } });
  });

  it("has no rule for other pages, nor for a pattern with an empty id", () => {
    expect(pageRule("/vhosts")).toBeNull();
    expect(pageRule("/vhosts/abc/policy")).toBeNull();
    expect(pageRule("/vhosts//events")).toBeNull();
  });
});

describe("rolesThatMay", () => {
  it("names the roles a permission allows, in words", () => {
    expect(rolesThatMay("user.manage")).toBe("admins");
    expect(rolesThatMay("vhost.write")).toBe("admins and editors");
    expect(rolesThatMay("audit.verify")).toBe("admins and auditors");
    expect(rolesThatMay("event.read")).toBe("admins, editors and auditors");
  });
});
