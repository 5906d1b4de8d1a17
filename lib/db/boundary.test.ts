// Only lib/db knows which database runs (issue 17): a file outside it that imports a database driver or
// a generated client, asks dbKind()/dbKindOf(), or compares against a provider name fails here. What
// differs between the databases is asked of `dialect()` (lib/db/dialect). Test setup may pick a database:
// lib/testing/**, *.test.ts / *.int.test.ts / *.spec.ts, and the e2e files that create the databases.
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(__dirname, "..", "..");
const SCANNED = ["app", "components", "lib", "e2e"];
/** Test setup that legitimately opens or names a database. */
const E2E_SETUP = ["e2e/databases.ts", "e2e/db-snapshot.ts", "e2e/global-setup.ts", "e2e/global-teardown.ts", "e2e/prepare-db.ts"];

function exempt(rel: string): boolean {
  return (
    rel.startsWith("lib/db/") ||
    rel.startsWith("lib/testing/") ||
    /\.(test|spec)\.tsx?$/.test(rel) ||
    E2E_SETUP.includes(rel)
  );
}

/** Module specifiers only lib/db may import: the drivers, Prisma's adapters and client, the generated clients. */
const FORBIDDEN_MODULE = /^(pg|pg-[\w-]+|postgres|better-sqlite3|sqlite3|node:sqlite|@prisma\/adapter-[\w-]+|@prisma\/client)(\/.*)?$|(^|\/)generated\/(postgres|sqlite)(\/|$)/;
const SPECIFIER = /\b(?:from|import|require)\s*\(?\s*(["'])([^"'\n]+)\1/g;
const KIND_CALL = /\bdbKind(?:Of)?\s*\(/g;
const PROVIDER = `["'\`](?:sqlite|postgres|postgresql)["'\`]`;
const PROVIDER_COMPARISON = new RegExp(`(?:[!=]==?\\s*${PROVIDER})|(?:${PROVIDER}\\s*[!=]==?)|(?:\\bcase\\s+${PROVIDER}\\s*:)`, "g");

/** The source with comments blanked out (strings kept, line numbers kept), so a comment naming a driver is no violation. */
export function stripComments(src: string): string {
  let out = "";
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    const next = src[i + 1];
    if (c === "/" && next === "/") {
      while (i < src.length && src[i] !== "\n") i++;
    } else if (c === "/" && next === "*") {
      const end = src.indexOf("*/", i + 2);
      const stop = end === -1 ? src.length : end + 2;
      out += src.slice(i, stop).replace(/[^\n]/g, " ");
      i = stop;
    } else if (c === '"' || c === "'" || c === "`") {
      let j = i + 1;
      while (j < src.length && src[j] !== c) j += src[j] === "\\" ? 2 : 1;
      out += src.slice(i, j + 1);
      i = j + 1;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

export type Violation = { file: string; line: number; rule: string; text: string };

/** Every place in `src` (the file `file`) that knows which database runs. */
export function findViolations(file: string, src: string): Violation[] {
  const code = stripComments(src);
  const found: Violation[] = [];
  const at = (index: number, rule: string) => {
    const line = code.slice(0, index).split("\n").length;
    found.push({ file, line, rule, text: src.split("\n")[line - 1]!.trim() });
  };
  for (const m of code.matchAll(SPECIFIER)) if (FORBIDDEN_MODULE.test(m[2]!)) at(m.index!, `imports ${m[2]} (only lib/db opens a database)`);
  for (const m of code.matchAll(KIND_CALL)) at(m.index!, "asks which database runs (use dialect() from lib/db)");
  for (const m of code.matchAll(PROVIDER_COMPARISON)) at(m.index!, "branches on the database provider (use dialect() from lib/db)");
  return found;
}

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === "node_modules" || e.name === "generated" ? [] : sourceFiles(p);
    return /\.tsx?$/.test(e.name) && !e.name.endsWith(".d.ts") ? [p] : [];
  });
}

describe("only lib/db knows which database runs", () => {
  it("no file outside lib/db and test setup imports a driver or branches on the provider", () => {
    const files = SCANNED.flatMap((d) => sourceFiles(path.join(ROOT, d))).map((p) => path.relative(ROOT, p).split(path.sep).join("/"));
    const checked = files.filter((f) => !exempt(f));
    expect(checked.length).toBeGreaterThan(100);
    expect(checked).toContain("lib/audit/audited.ts");
    const violations = checked.flatMap((f) => findViolations(f, fs.readFileSync(path.join(ROOT, f), "utf8")));
    expect(violations.map((v) => `${v.file}:${v.line} ${v.rule}: ${v.text}`)).toEqual([]);
  });

  it("catches each kind of violation", () => {
    const src = [
      `import pg from "pg";`,
      `import Database from 'better-sqlite3';`,
      `import { PrismaPg } from "@prisma/adapter-pg";`,
      `import type { Role } from "@/lib/db/generated/postgres/enums";`,
      `const { PrismaClient } = require("../db/generated/sqlite/client");`,
      `const m = await import("pg/lib/client");`,
      `if (dbKind() === "sqlite") skip();`,
      `const k = dbKindOf(url);`,
      `const cast = kind === "postgres" ? "CAST" : "";`,
      `if ("sqlite" !== scope.kind) return;`,
      `switch (kind) { case 'postgresql': break; }`,
    ].join("\n");
    const lines = findViolations("lib/x.ts", src).map((v) => v.line).sort((a, b) => a - b);
    // Line 7 twice: it asks dbKind() and compares against "sqlite".
    expect(lines).toEqual([1, 2, 3, 4, 5, 6, 7, 7, 8, 9, 10, 11]);
  });

  it("lets comments, unrelated strings and the dialect interface pass", () => {
    const src = [
      `// better-sqlite3 is synchronous; dbKind() === "sqlite" was how it was done`,
      `/* import pg from "pg" */`,
      `import { db, dialect } from "@/lib/db";`,
      `import { pgUrl } from "../lib/testing/test-db";`,
      `const url = "postgresql://postgres@127.0.0.1:5432/x"; // a URL, not a comparison`,
      `const day = dialect().timeBucket("createdAt", "day");`,
      `const title = \`\${dialect().name} · a.\`;`,
      `const pgTarget = { postgres: 2, sqlite: 3 };`,
    ].join("\n");
    expect(findViolations("lib/x.ts", src)).toEqual([]);
  });

  it("exempts lib/db, test setup and tests only", () => {
    expect(["lib/db/raw.ts", "lib/testing/test-db.ts", "lib/audit/audited.int.test.ts", "e2e/audit.spec.ts", "e2e/db-snapshot.ts"].every(exempt)).toBe(true);
    expect(["lib/audit/audited.ts", "lib/bench/seed-scale.ts", "e2e/fixtures.ts", "app/(panel)/audit/page.tsx"].some(exempt)).toBe(false);
  });
});
