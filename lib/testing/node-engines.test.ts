// The Node versions Palisade supports (package.json "engines", stated in the README) are ones every
// runtime piece it depends on supports: npm ci warns about nothing but what the README explains.
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { describe, expect, it } from "vitest";

// semver comes with npm's own dependency tree (next → sharp, better-sqlite3 → node-abi); not worth a dependency of its own.
const semver = createRequire(import.meta.url)("semver") as { subset: (a: string, b: string) => boolean; satisfies: (v: string, r: string) => boolean };

const root = process.cwd();
const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8"));
const lock = JSON.parse(fs.readFileSync(path.join(root, "package-lock.json"), "utf8"));
const engines: string | undefined = pkg.engines?.node;

// Needed at run time or by every command of the README (install, generate, build, test).
const PIECES = ["next", "prisma", "@prisma/client", "better-sqlite3", "pg", "vitest", "@playwright/test", "tsx", "zod-openapi", "otpauth", "qrcode", "yaml", "srvx", "p-limit", "pg-copy-streams"];

describe("supported Node versions", () => {
  it("are declared in package.json and stated in the README", () => {
    expect(engines).toBeTruthy();
    expect(fs.readFileSync(path.join(root, "README.md"), "utf8")).toContain(`\`${engines}\``);
  });

  it.each(PIECES)("lie within what %s supports", (name) => {
    const declared: string | undefined = lock.packages[`node_modules/${name}`]?.engines?.node;
    if (declared) expect(semver.subset(engines!, declared), `${name} needs node ${declared}`).toBe(true);
  });

  it("include the Node this suite runs on", () => {
    expect(semver.satisfies(process.versions.node, engines!)).toBe(true);
  });
});
