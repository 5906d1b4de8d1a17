import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "./cli";
import { findEngine } from "./engine";
import { sampleInput, sampleVhost } from "./samples";

const capture = () => {
  const lines: string[] = [];
  return { lines, out: { log: (s: string) => lines.push(s), error: (s: string) => lines.push(s) } };
};

describe("waf:check / waf:compile", () => {
  let dir = "";
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "palisade-cli-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("writes a bundle", async () => {
    const { out } = capture();
    expect(await main(["compile", "--out", path.join(dir, "bundle")], out)).toBe(0);
    expect(existsSync(path.join(dir, "bundle/nginx.conf"))).toBe(true);
    expect(existsSync(path.join(dir, "bundle/rules/shop.example.com.conf"))).toBe(true);
    expect(existsSync(path.join(dir, "bundle/logs"))).toBe(true);
  });

  it("reports a refused input with the vhost and field, as text and as JSON", async () => {
    const file = path.join(dir, "bad.json");
    await writeFile(file, JSON.stringify(sampleInput([sampleVhost("ok.example.com", { backendUrl: "http://x;y" })])));
    const text = capture();
    expect(await main(["check", file], text.out)).toBe(1);
    expect(text.lines.join("\n")).toMatch(/Virtual host "ok.example.com": backendUrl: /);
    const json = capture();
    expect(await main(["check", file, "--json"], json.out)).toBe(1);
    expect(JSON.parse(json.lines[0]!)).toMatchObject({ ok: false, stage: "compile", vhost: "ok.example.com", field: "backendUrl" });
  });

  it("explains its usage", async () => {
    const { out, lines } = capture();
    expect(await main(["frobnicate"], out)).toBe(64);
    expect(lines.join("\n")).toMatch(/Usage/);
  });

  it.skipIf(!findEngine().available)("checks the built-in sample with the engine", async () => {
    const { out, lines } = capture();
    expect(await main(["check"], out)).toBe(0);
    expect(lines.join("\n")).toMatch(/nginx -t: OK/);
  });
});
