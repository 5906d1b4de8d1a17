import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

// A fresh SQLite database for the run, migrated and seeded with the demo users (lib/db/cli.ts).
export default function globalSetup() {
  const dir = path.join(__dirname, "..", ".test-dbs");
  const file = path.join(dir, `e2e-${process.env.E2E_PORT ?? 3100}.db`);
  fs.mkdirSync(dir, { recursive: true });
  for (const suffix of ["", "-wal", "-shm"]) fs.rmSync(file + suffix, { force: true });
  execFileSync("npx", ["tsx", "lib/db/cli.ts", "setup"], {
    cwd: path.join(__dirname, ".."),
    env: { ...process.env, DATABASE_URL: `file:${file}` },
    stdio: "inherit",
  });
}
