import { describe, expect, it } from "vitest";
import { safeCallbackPath } from "./callback-url";

const ORIGIN = "https://panel.example";

describe("safeCallbackPath", () => {
  it("follows paths on the panel, with their query and fragment", () => {
    expect(safeCallbackPath("/vhosts", ORIGIN)).toBe("/vhosts");
    expect(safeCallbackPath("/audit?actor=a%40b.test&from=2026-01-01#top", ORIGIN)).toBe("/audit?actor=a%40b.test&from=2026-01-01#top");
    expect(safeCallbackPath("/vhosts/../users", ORIGIN)).toBe("/users");
    expect(safeCallbackPath(`${ORIGIN}/users`, ORIGIN)).toBe("/users");
    expect(safeCallbackPath("/%2F%2Fevil.example", ORIGIN)).toBe("/%2F%2Fevil.example"); // encoded: a path on this panel
  });

  it("goes to / for nothing", () => {
    expect(safeCallbackPath(null, ORIGIN)).toBe("/");
    expect(safeCallbackPath(undefined, ORIGIN)).toBe("/");
    expect(safeCallbackPath("", ORIGIN)).toBe("/");
  });

  // Each of these leaves the panel when a browser follows it (the URLSearchParams value is already decoded:
  // `callbackUrl=/%5Cevil.example` arrives as `/\evil.example`).
  const hostile = [
    "//evil.example",
    "//evil.example/path",
    "/\\evil.example",
    "\\\\evil.example",
    "\\/evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    "/\r\n/evil.example",
    "\t//evil.example",
    " //evil.example",
    "\u0000//evil.example",
    "\u001f//evil.example",
    "/.//evil.example",
    "/./\\evil.example",
    "https:evil.example",
    "https:/evil.example",
    "http://evil.example",
    "HTTPS://evil.example",
    "https://panel.example@evil.example",
    "https://panel.example.evil.example/",
    "http://panel.example/", // other scheme, other origin
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    " javascript:alert(1)",
    "java\tscript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "//%65vil.example",
    "///evil.example",
    "/\\/evil.example",
  ];
  it.each(hostile)("refuses %j", (raw) => {
    const result = safeCallbackPath(raw, ORIGIN);
    expect(result.startsWith("/") && !result.startsWith("//") && !result.startsWith("/\\")).toBe(true);
    const resolved = new URL(result, ORIGIN);
    expect(resolved.origin).toBe(ORIGIN);
    // What the router is handed is exactly the path it resolves to (no `/.//host` left to reinterpret).
    expect(resolved.pathname + resolved.search + resolved.hash).toBe(result);
  });

  it("turns the reported shapes into /", () => {
    // /login?callbackUrl=/%5Cevil.example and /login?callbackUrl=/%09/evil.example, as the page reads them.
    for (const query of ["callbackUrl=/%5Cevil.example", "callbackUrl=/%09/evil.example", "callbackUrl=%2F%2Fevil.example"]) {
      const raw = new URLSearchParams(query).get("callbackUrl");
      expect(safeCallbackPath(raw, ORIGIN), query).toBe("/");
    }
  });
});
