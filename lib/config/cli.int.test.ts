// waf:build on a real database (SQLite and PostgreSQL): the bundle of the stored state, written to a folder.
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { findEngine } from "@/lib/waf/engine";
import { main } from "./cli";
import { makeVhost } from "@/lib/testing/config-fixtures";

const tmp: string[] = [];
afterAll(async () => {
  for (const d of tmp) await rm(d, { recursive: true, force: true });
});

function capture() {
  const out = { log: [] as string[], error: [] as string[] };
  return { out, io: { log: (s: string) => out.log.push(s), error: (s: string) => out.error.push(s) } };
}

describe(`waf:build (${process.env.TEST_DB})`, () => {
  it("writes the stored state's bundle, and replaces its own earlier output", async () => {
    await makeVhost("one.build.test");
    const two = await makeVhost("two.build.test");
    const dir = path.join(await mkdtemp(path.join(os.tmpdir(), "palisade-build-")), "out");
    tmp.push(path.dirname(dir));

    let c = capture();
    expect(await main(["--out", dir], c.io)).toBe(0);
    expect(c.out.log[0]).toMatch(new RegExp(`^Wrote 2 virtual hosts, 6 files \\(content hash [0-9a-f]{12}\\) to ${dir}$`));
    expect(c.out.log.slice(1, -1)).toEqual(["Certificates: none needed (no virtual host serves HTTPS)."]);
    expect(await readFile(path.join(dir, "nginx.conf"), "utf8")).toContain("include vhosts/two.build.test.conf;");
    expect(existsSync(path.join(dir, "logs"))).toBe(true);
    // No absolute path of this machine but the engine's own (settings).
    const all = (await Promise.all(["nginx.conf", "vhosts/one.build.test.conf", "rules/one.build.test.conf", "modsecurity/main.conf"].map((f) => readFile(path.join(dir, f), "utf8")))).join("\n");
    expect(all).not.toContain(dir);
    expect(all).not.toContain(process.cwd());

    await db.virtualHost.update({ where: { id: two.id }, data: { enabled: false } });
    c = capture();
    expect(await main(["build", "--out", dir], c.io)).toBe(0);
    expect(existsSync(path.join(dir, "vhosts/two.build.test.conf"))).toBe(false);
    expect(existsSync(path.join(dir, "vhosts/one.build.test.conf"))).toBe(true);
  });

  it("lists the certificate files the bundle expects, where, and whether they are there", async () => {
    const tls = await makeVhost("tls.build.test", { tlsMode: "TERMINATE", certificateRef: "tls-build" });
    const dir = path.join(await mkdtemp(path.join(os.tmpdir(), "palisade-build-")), "out");
    tmp.push(path.dirname(dir));
    const listing = (suffix: string) => [
      "Certificates: nginx loads 2 files the bundle does not contain (PEM; the panel holds no private keys). Put yours there before nginx starts:",
      `  ${dir}/certs/tls-build/fullchain.pem  certificate + chain for tls.build.test${suffix}`,
      `  ${dir}/certs/tls-build/privkey.pem    private key for tls.build.test${suffix}`,
    ];

    let c = capture();
    expect(await main(["--out", dir], c.io)).toBe(0);
    expect(c.out.log[0]).toMatch(/^Wrote /);
    expect(c.out.log.slice(1, -1)).toEqual(listing(" (missing)"));
    expect(c.out.log.at(-1)).toMatch(/^Run it there: /);

    await mkdir(path.join(dir, "certs/tls-build"), { recursive: true });
    await writeFile(path.join(dir, "certs/tls-build/fullchain.pem"), "x");
    await writeFile(path.join(dir, "certs/tls-build/privkey.pem"), "x");
    c = capture();
    expect(await main(["--out", dir], c.io)).toBe(0);
    expect(c.out.log.slice(1, -1)).toEqual(listing(""));
    // A rebuild replaces the generated files only: the certificates stay.
    expect(await readFile(path.join(dir, "certs/tls-build/privkey.pem"), "utf8")).toBe("x");

    const engine = findEngine();
    if (engine.available) {
      // --check says its nginx -t used placeholders, not these files.
      c = capture();
      expect(await main(["--out", dir, "--check"], c.io)).toBe(0);
      expect(c.out.error).toEqual([]);
      expect(c.out.log[0]).toBe("nginx -t: OK, with self-signed placeholders in place of the 2 certificate files listed below: your real certificates and keys were not checked.");
      expect(c.out.log.slice(2, -1)).toEqual(listing(""));
    } else {
      console.warn(`[cli.int.test] --check not run: ${engine.message}`);
    }
    await db.virtualHost.update({ where: { id: tls.id }, data: { enabled: false } });
  });

  it("refuses a folder that holds something else, and bad arguments", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "palisade-build-"));
    tmp.push(dir);
    await writeFile(path.join(dir, "notes.txt"), "mine");
    let c = capture();
    expect(await main(["--out", dir], c.io)).toBe(64);
    expect(c.out.error).toEqual([`${dir} is not empty and holds no bundle written by Palisade: choose an empty or new folder.`]);
    for (const args of [[], ["--out"], ["--out", "--check"], ["--out", dir, "--what"]]) {
      c = capture();
      expect(await main(args, c.io), args.join(" ")).toBe(64);
      expect(c.out.error).toEqual(["Usage: npm run waf:build -- --out DIR [--check]"]);
    }
  });

  it("says which vhost and field the compiler refuses", async () => {
    const bad = await makeVhost("bad.build.test");
    await db.virtualHost.update({ where: { id: bad.id }, data: { backendUrl: "ftp://x" } });
    const c = capture();
    expect(await main(["--out", path.join(os.tmpdir(), `palisade-build-never-${Date.now()}`)], c.io)).toBe(1);
    expect(c.out.error[0]).toMatch(/^Refused by the compiler: Virtual host "bad\.build\.test": backendUrl: /);
  });
});
