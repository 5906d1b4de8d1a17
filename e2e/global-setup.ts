import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

// A fresh SQLite database for the run, migrated and seeded with the demo users (lib/db/cli.ts).
export default function globalSetup() {
  const dir = path.join(__dirname, "..", ".test-dbs");
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  execFileSync("npx", ["tsx", "lib/db/cli.ts", "setup"], {
    cwd: path.join(__dirname, ".."),
    env: { ...process.env, DATABASE_URL: `file:${path.join(dir, "e2e.db")}` },
    stdio: "inherit",
  });
}
