// docker-compose.yml must stay valid; no Docker engine runs here, but the compose CLI can still
// parse and resolve the file. Skipped (with the reason) where neither `docker compose` nor `docker-compose` exists.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import { describe, expect, it } from "vitest";

function composeCli(): string[] | null {
  if (spawnSync("docker", ["compose", "version"]).status === 0) return ["docker", "compose"];
  if (spawnSync("docker-compose", ["--version"]).status === 0) return ["docker-compose"];
  return null;
}

const cli = composeCli();

describe("docker-compose.yml", () => {
  it.skipIf(!cli)("passes `compose config` and defines PostgreSQL 16 with a volume and healthcheck, and the panel", () => {
    const [cmd, ...args] = cli!;
    const r = spawnSync(cmd!, [...args, "config"], { encoding: "utf8", env: { ...process.env, NEXTAUTH_SECRET: "x".repeat(40) } });
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/image: postgres:16/);
    expect(r.stdout).toMatch(/pg_isready/);
    expect(r.stdout).toMatch(/pgdata/);
    expect(r.stdout).toMatch(/condition: service_healthy/);
  });

  it("starts the panel with migrations applied on start", () => {
    const dockerfile = fs.readFileSync("Dockerfile", "utf8");
    expect(dockerfile).toMatch(/npm run build/);
    expect(dockerfile).toMatch(/db:bootstrap/);
  });
});
