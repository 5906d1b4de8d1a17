// The npm registry this project installs from lacks some platform builds of optional native packages
// (e.g. @next/swc-darwin-arm64), so `npm install` leaves them out of package-lock.json and `npm ci` then
// refuses the lock as out of sync. This adds the missing optional entries (version, os, cpu), which npm ci
// skips on other platforms and fetches where they exist. Run after changing dependencies: npm run lock:fix
import fs from "node:fs";
const file = process.argv[2];
const lock = JSON.parse(fs.readFileSync(file, "utf8"));
const pk = lock.packages;
let added = 0;
for (const [key, meta] of Object.entries(pk)) {
  for (const [dep, spec] of Object.entries(meta.optionalDependencies ?? {})) {
    const at = `node_modules/${dep}`;
    if (pk[at]) continue;
    const m = /-(darwin|win32|linux|android|freebsd|openbsd|sunos|aix|wasm32)-?([a-z0-9]+)?/.exec(dep.split("/").pop());
    const entry = { version: spec.replace(/^[\^~=]/, ""), optional: true };
    if (m) {
      if (m[1] === "wasm32") entry.cpu = ["wasm32"];
      else { entry.os = [m[1]]; if (m[2]) entry.cpu = [m[2]]; }
    }
    pk[at] = entry;
    added++;
    console.log(`${at}@${entry.version} ${JSON.stringify(entry.os ?? "")} ${JSON.stringify(entry.cpu ?? "")}`);
  }
}
lock.packages = Object.fromEntries(Object.entries(pk).sort(([a], [b]) => (a === "" ? -1 : b === "" ? 1 : a.localeCompare(b))));
fs.writeFileSync(file, JSON.stringify(lock, null, 2) + "\n");
console.log(`added ${added}`);
