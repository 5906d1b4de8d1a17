// The domains import each other one way only (README, "How the code is laid out"): policies ← rules ←
// templates ← vhosts, lib/db imports no domain, and no library or app module imports from e2e/.
// Read from the import statements of the files, so a new import that closes a loop fails here.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../..");
const DOMAINS = ["policies", "rules", "templates", "vhosts"] as const;

function productionFiles(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir), { recursive: true, encoding: "utf8" })
    .filter((f) => /\.tsx?$/.test(f) && !/\.test\.tsx?$/.test(f) && !f.split(path.sep).includes("generated"))
    .map((f) => path.join(dir, f));
}

/** The lib/ folder (or e2e/) each value import of a file points at; type-only imports are left out. */
function importedFolders(file: string): string[] {
  const text = readFileSync(path.join(ROOT, file), "utf8");
  const out: string[] = [];
  for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\s+(type\s+)?(?:[^'"]*?\sfrom\s+)?["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g)) {
    if (m[1]) continue;
    const spec = m[2] ?? m[3]!;
    const target = spec.startsWith("@/") ? spec.slice(2) : spec.startsWith(".") ? path.join(path.dirname(file), spec) : null;
    if (!target) continue;
    const parts = path.normalize(target).split(path.sep);
    out.push(parts[0] === "lib" && parts.length > 2 ? `lib/${parts[1]}` : parts[0]!);
  }
  return out;
}

function edges(dir: string) {
  return productionFiles(dir).flatMap((file) => importedFolders(file).map((to) => ({ file, to })));
}

describe("imports between domains", () => {
  it("go one way: policies ← rules ← templates ← vhosts", () => {
    const rank = (d: string) => DOMAINS.indexOf(d.replace(/^lib\//, "") as (typeof DOMAINS)[number]);
    const upward = DOMAINS.flatMap((d) => edges(`lib/${d}`).filter((e) => rank(e.to) > rank(`lib/${d}`)));
    expect(upward.map((e) => `${e.file} imports ${e.to}`)).toEqual([]);
  });

  it("lib/db imports no domain (lib/format, pure text helpers, is not one)", () => {
    const domainish = edges("lib/db").filter((e) => e.to.startsWith("lib/") && e.to !== "lib/db" && e.to !== "lib/errors.ts" && e.to !== "lib/format");
    expect(domainish.map((e) => `${e.file} imports ${e.to}`)).toEqual([]);
  });

  it("library and app code never imports e2e/", () => {
    const bad = ["lib", "app", "components"].flatMap((d) => edges(d)).filter((e) => e.to === "e2e");
    expect(bad.map((e) => `${e.file} imports ${e.to}`)).toEqual([]);
  });
});
