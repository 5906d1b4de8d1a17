import fs from "node:fs";
import path from "node:path";

export default function globalTeardown() {
  fs.rmSync(path.join(__dirname, "..", ".test-dbs"), { recursive: true, force: true });
}
