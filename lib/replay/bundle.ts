// A bundle made safe to replay traffic through on the panel's machine: every `listen` moves to loopback
// on the replay's own ports (plain HTTP on one, TLS on the next) and every `proxy_pass` goes to the local
// stub backend (scheme, host and port replaced; the path kept, as nginx would rewrite it). Nothing else
// changes, so the engine decides exactly as the bundle would on a node. Replayed requests can never reach a
// real backend: a proxy_pass this rewrite does not recognise is refused, not left as it was.
import type { Bundle } from "@/lib/waf/types";

export type ReplayPorts = { http: number; https: number; stub: number };

const LISTEN = /^(\s*)listen\s+([^;]+);\s*$/;
const PROXY_PASS = /^(\s*)proxy_pass\s+(\S+);\s*$/;
const UPSTREAM_URL = /^https?:\/\/(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(?::\d+)?(\/\S*)?$/;

export class ReplayBundleError extends Error {}

export function replayBundle(bundle: Bundle, ports: ReplayPorts): Bundle {
  const files: Record<string, string> = {};
  for (const [file, text] of Object.entries(bundle.files)) {
    files[file] = file.endsWith(".conf") && (file === "nginx.conf" || file.startsWith("vhosts/")) ? rewrite(file, text, ports) : text;
  }
  return { files };
}

function rewrite(file: string, text: string, ports: ReplayPorts): string {
  const out: string[] = [];
  // listen lines already written in the current server block: several listen addresses collapse into one.
  let seen = new Set<string>();
  for (const line of text.split("\n")) {
    if (/^\s*server\s*\{/.test(line)) seen = new Set();
    const listen = LISTEN.exec(line);
    if (listen) {
      const params = listen[2]!.trim().split(/\s+/).slice(1);
      const ssl = params.includes("ssl");
      const kept = params.filter((p) => p === "ssl" || p === "default_server");
      const rewritten = `${listen[1]}listen 127.0.0.1:${ssl ? ports.https : ports.http}${kept.length ? ` ${kept.join(" ")}` : ""};`;
      if (!seen.has(rewritten)) out.push(rewritten);
      seen.add(rewritten);
      continue;
    }
    const proxy = PROXY_PASS.exec(line);
    if (proxy) {
      const url = UPSTREAM_URL.exec(proxy[2]!);
      if (!url) throw new ReplayBundleError(`${file}: cannot point "${line.trim()}" at the replay's stub backend`);
      out.push(`${proxy[1]}proxy_pass http://127.0.0.1:${ports.stub}${url[1] ?? ""};`);
      continue;
    }
    if (/^\s*proxy_ssl_/.test(line)) continue; // the stub speaks plain HTTP
    out.push(line);
  }
  return out.join("\n");
}
