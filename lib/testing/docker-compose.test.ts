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

// The compose CLI (Debian's is docker-compose 1, in Python) takes a second or more per call, several under load.
describe("docker-compose.yml", { timeout: 30_000 }, () => {
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

  it.skipIf(!cli)("runs two panel replicas on the one database behind nginx as the load balancer, with TLS in front of it", () => {
    const [cmd, ...args] = cli!;
    const services = spawnSync(cmd!, [...args, "config", "--services"], { encoding: "utf8", env: { ...process.env, NEXTAUTH_SECRET: "x".repeat(40) } });
    expect(services.status).toBe(0);
    expect(services.stdout.split("\n").filter(Boolean).sort()).toEqual(["db", "lb", "node-api", "panel-1", "panel-2", "tls"]);
    const r = spawnSync(cmd!, [...args, "config"], { encoding: "utf8", env: { ...process.env, NEXTAUTH_SECRET: "x".repeat(40) } });
    const service = (name: string) => {
      // `compose config` prints services sorted, two-space indented: a service's block runs to the next one.
      const m = new RegExp(`\\n  ${name}:\\n([\\s\\S]*?)(?=\\n  [a-z0-9-]+:\\n|\\n[a-z]+:)`).exec(r.stdout);
      expect(m, `service ${name} in compose config`).not.toBeNull();
      return m![1]!;
    };
    for (const panel of ["panel-1", "panel-2"]) {
      const block = service(panel);
      expect(block).toMatch(/DATABASE_URL: postgresql:\/\/palisade:[^@]+@db:5432\/palisade/);
      expect(block).toMatch(/NEXTAUTH_SECRET: x{40}/);
      expect(block).toMatch(/PALISADE_TRUSTED_PROXIES: 172\.30\.77\.10 172\.30\.77\.11/);
      expect(block).not.toMatch(/ports:/); // reached only through the load balancer
    }
    const lb = service("lb");
    expect(lb).toMatch(/image: nginx/);
    expect(lb).toMatch(/deploy\/nginx-lb\.conf:\/etc\/nginx\/conf\.d\/default\.conf/);
    expect(lb).toMatch(/ipv4_address: 172\.30\.77\.11/);
    expect(service("tls")).toMatch(/lb:8080/); // Caddy (TLS) proxies to the load balancer, not to one replica
    // The load balancer's config names both replicas and outlasts the longest long poll (60 s).
    const nginx = fs.readFileSync("deploy/nginx-lb.conf", "utf8");
    expect(nginx).toMatch(/server panel-1:3000/);
    expect(nginx).toMatch(/server panel-2:3000/);
    expect(nginx).toMatch(/proxy_pass http:\/\/palisade_panels;/);
    expect(Number(/proxy_read_timeout (\d+)s;/.exec(nginx)?.[1])).toBeGreaterThan(60);
    // The nodes' requests go to the node-API server (npm run node-api), on the same database, trusting the same proxies.
    const nodeApi = service("node-api");
    expect(nodeApi).toMatch(/npm[\s\S]*run[\s\S]*node-api/);
    expect(nodeApi).toMatch(/DATABASE_URL: postgresql:\/\/palisade:[^@]+@db:5432\/palisade/);
    expect(nodeApi).toMatch(/PALISADE_TRUSTED_PROXIES: 172\.30\.77\.10 172\.30\.77\.11/);
    expect(nodeApi).not.toMatch(/ports:/);
    expect(nginx).toMatch(/location \/api\/v1\/nodes\/ \{\s*proxy_pass http:\/\/palisade_node_api;/);
    expect(nginx).toMatch(/server node-api:3001/);
  });

  it("starts the panel with migrations applied on start", () => {
    const dockerfile = fs.readFileSync("Dockerfile", "utf8");
    expect(dockerfile).toMatch(/npm run build/);
    expect(dockerfile).toMatch(/db:bootstrap/);
  });
});
