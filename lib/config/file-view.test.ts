import { describe, expect, it } from "vitest";
import { fileTree, highlightConfig, languageOf } from "./file-view";

describe("fileTree", () => {
  it("nests paths into directories, directories first, each by name", () => {
    expect(fileTree(["vhosts/b.test.conf", "nginx.conf", "rules/a.test.conf", "vhosts/a.test.conf", "modsecurity/main.conf"])).toEqual([
      { kind: "dir", name: "modsecurity", path: "modsecurity", children: [{ kind: "file", name: "main.conf", path: "modsecurity/main.conf" }] },
      { kind: "dir", name: "rules", path: "rules", children: [{ kind: "file", name: "a.test.conf", path: "rules/a.test.conf" }] },
      {
        kind: "dir",
        name: "vhosts",
        path: "vhosts",
        children: [
          { kind: "file", name: "a.test.conf", path: "vhosts/a.test.conf" },
          { kind: "file", name: "b.test.conf", path: "vhosts/b.test.conf" },
        ],
      },
      { kind: "file", name: "nginx.conf", path: "nginx.conf" },
    ]);
  });

  it("handles deeper directories and an empty bundle", () => {
    expect(fileTree([])).toEqual([]);
    const [a] = fileTree(["a/b/c.conf"]);
    expect(a).toMatchObject({ kind: "dir", path: "a", children: [{ kind: "dir", path: "a/b", children: [{ kind: "file", path: "a/b/c.conf" }] }] });
  });
});

describe("highlightConfig", () => {
  it("reads nginx files as nginx and ModSecurity files as Apache configuration", () => {
    expect(languageOf("nginx.conf")).toBe("nginx");
    expect(languageOf("vhosts/a.test.conf")).toBe("nginx");
    expect(languageOf("rules/a.test.conf")).toBe("apache");
    expect(languageOf("modsecurity/main.conf")).toBe("apache");
    expect(highlightConfig("nginx.conf", "server_name a.test;")).toContain('<span class="hljs-attribute">server_name</span>');
    expect(highlightConfig("rules/a.test.conf", "SecRuleEngine On")).toContain('<span class="hljs-attribute">SecRuleEngine</span>');
  });

  it("escapes the text: markup in a rule never becomes markup in the page", () => {
    const html = highlightConfig("rules/a.test.conf", `SecRule ARGS "@rx <script>alert(1)</script>" "id:1,deny,msg:'&'"`);
    expect(html).not.toContain("<script>");
    expect(html).toContain("&lt;script&gt;");
    // Stripping the highlighter's spans and unescaping gives the text back.
    const text = html.replace(/<\/?span[^>]*>/g, "").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&#x27;/g, "'").replace(/&amp;/g, "&");
    expect(text).toBe(`SecRule ARGS "@rx <script>alert(1)</script>" "id:1,deny,msg:'&'"`);
  });
});
