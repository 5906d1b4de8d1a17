import { describe, expect, it } from "vitest";
import { compileBundle } from "@/lib/waf/compile";
import { sampleInput, sampleVhost, DEFAULT_POLICY } from "@/lib/waf/samples";
import { compareBundles, describeChanges, isEmptyChange, vhostFiles, vhostOfFile } from "./changes";
import { bundleHash } from "./hash";

const a = sampleVhost("a.example.com");
const b = sampleVhost("b.example.com");
const c = sampleVhost("c.example.com");
const files = (...vhosts: ReturnType<typeof sampleVhost>[]) => compileBundle(sampleInput(vhosts)).files;

describe("compareBundles", () => {
  it("names added, removed and changed vhosts, and not the include lines of nginx.conf", () => {
    const before = files(a, b);
    const after = files({ ...a, policy: { ...DEFAULT_POLICY, inboundThreshold: 3 } }, c);
    const changes = compareBundles(before, after);
    expect(changes).toEqual({ added: ["c.example.com"], removed: ["b.example.com"], changed: ["a.example.com"], shared: [] });
    expect(describeChanges(changes, { first: false, vhostCount: 2 })).toBe("Added c.example.com; changed a.example.com; removed b.example.com");
  });

  it("reports a changed shared setting, such as the listen port", () => {
    const before = files(a);
    const after = compileBundle(sampleInput([a], { listenHttp: 8080 })).files;
    const changes = compareBundles(before, after);
    expect(changes.changed).toEqual(["a.example.com"]); // its server block listens on the new port
    expect(changes.shared).toEqual(["nginx.conf"]);
    expect(describeChanges(changes, { first: false, vhostCount: 1 })).toBe("Changed a.example.com; shared settings changed (nginx.conf)");
  });

  it("describes the first revision and an empty change", () => {
    const first = compareBundles(null, files(a, b));
    expect(first.added).toEqual(["a.example.com", "b.example.com"]);
    expect(describeChanges(first, { first: true, vhostCount: 2 })).toBe("First revision: 2 virtual hosts (a.example.com, b.example.com)");
    expect(describeChanges(compareBundles(null, files()), { first: true, vhostCount: 0 })).toBe("First revision: no virtual hosts");
    const same = compareBundles(files(a), files(a));
    expect(isEmptyChange(same)).toBe(true);
    expect(describeChanges(same, { first: false, vhostCount: 1 })).toBe("No file changed");
  });

  it("shortens long lists", () => {
    const many = Array.from({ length: 8 }, (_, i) => sampleVhost(`v${i}.example.com`));
    const changes = compareBundles(files(), files(...many));
    expect(describeChanges(changes, { first: false, vhostCount: 8 })).toBe("Added v0.example.com, v1.example.com, v2.example.com, v3.example.com, v4.example.com and 3 more");
  });

  it("maps files to vhosts", () => {
    expect(vhostOfFile("rules/a.example.com.conf")).toBe("a.example.com");
    expect(vhostOfFile("vhosts/a.example.com.conf")).toBe("a.example.com");
    expect(vhostOfFile("nginx.conf")).toBeNull();
    expect(vhostOfFile("modsecurity/main.conf")).toBeNull();
    expect(Object.keys(vhostFiles(files(a, b), "a.example.com"))).toEqual(["vhosts/a.example.com.conf", "rules/a.example.com.conf"]);
  });
});

describe("bundleHash", () => {
  it("is the same for the same files in any order and differs for any change", () => {
    const f = files(a, b);
    const reversed = Object.fromEntries(Object.entries(f).reverse());
    expect(bundleHash(reversed)).toBe(bundleHash(f));
    expect(bundleHash(f)).toMatch(/^[0-9a-f]{64}$/);
    expect(bundleHash({ ...f, "nginx.conf": `${f["nginx.conf"]} ` })).not.toBe(bundleHash(f));
  });
});
