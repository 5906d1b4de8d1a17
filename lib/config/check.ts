// The panel's engine check before a bundle becomes a revision: `nginx -t` on the bundle where the engine
// is installed, and an explicit "not checked" (with the reason) where it is not.
//
// TLS: the panel holds no private keys (they live on the nodes, in <certDir>/<ref>/), so the check puts a
// throwaway self-signed pair (made once per process with openssl) wherever a vhost names a certificate by
// a relative path. nginx -t then checks everything but the real certificate files.
//
// DNS: nginx resolves a proxy_pass host name once, when it loads the config ("host not found in upstream"
// otherwise), and nginx 1.22 open source has no `server name resolve` (measured: "invalid parameter
// \"resolve\""). The panel usually cannot see the nodes' DNS, so the check runs on a copy whose backend
// host names are replaced by 127.0.0.1 (scheme, port and path kept); IP literals stay as they are. The
// stored bundle keeps the names, and the node's own `nginx -t` (lib/agent) resolves them where they live.
import { execFile } from "node:child_process";
import { readFile, rm } from "node:fs/promises";
import path from "node:path";
import { checkBundle, findEngine, type CheckError } from "@/lib/waf/engine";
import type { Bundle, CompilerSettings } from "@/lib/waf/types";
import { makeWorkDir } from "@/lib/waf/work-dir";
import { vhostOfFile } from "./changes";

export type EngineCheck =
  | { checked: false; reason: string }
  | { checked: true; ok: true; warnings: CheckError[]; durationMs: number }
  | { checked: true; ok: false; errors: CheckError[]; output: string };

export type EngineChecker = (bundle: Bundle, settings: CompilerSettings) => Promise<EngineCheck>;

export const checkWithEngine: EngineChecker = async (bundle, settings) => {
  const engine = findEngine(settings);
  if (!engine.available) return { checked: false, reason: engine.message };
  const certPaths = placeholderCertificatePaths(bundle);
  let extraFiles: Record<string, string> = {};
  if (certPaths.length > 0) {
    const pair = await placeholderCertificate();
    if (!pair) return { checked: false, reason: "TLS vhosts need placeholder certificates for nginx -t, and openssl is not installed on the panel's machine." };
    extraFiles = Object.fromEntries(certPaths.map((p) => [p, p.endsWith("privkey.pem") ? pair.key : pair.cert]));
  }
  const result = await checkBundle(withoutBackendNames(bundle), { settings, extraFiles });
  if (result.ok) return { checked: true, ok: true, warnings: result.warnings, durationMs: result.durationMs };
  return { checked: true, ok: false, errors: result.errors.map((e) => locateError(e, bundle)), output: result.output };
};

const PROXY_PASS_NAME = /^(\s*proxy_pass\s+https?:\/\/)([A-Za-z0-9.-]*[A-Za-z-][A-Za-z0-9.-]*)((?::\d+)?(?:\/\S*)?;)$/gm;

/** The bundle as the check sees it: each backend host name in a vhost's proxy_pass becomes 127.0.0.1 (see the top of this file). */
export function withoutBackendNames(bundle: Bundle): Bundle {
  const files: Record<string, string> = {};
  for (const [file, text] of Object.entries(bundle.files)) {
    files[file] = file.startsWith("vhosts/") ? text.replace(PROXY_PASS_NAME, (_m, head: string, _name: string, tail: string) => `${head}127.0.0.1${tail}`) : text;
  }
  return { ...bundle, files };
}

/**
 * Some nginx errors come without a position (a certificate it cannot load is reported when the server
 * blocks are merged, after parsing): find the line of a vhost's file that holds the quoted value.
 */
export function locateError(error: CheckError, bundle: Bundle): CheckError {
  if (error.file !== null) return error;
  const quoted = [...error.message.matchAll(/"([^"]{3,})"/g)].map((m) => m[1]!);
  for (const value of quoted) {
    for (const [file, text] of Object.entries(bundle.files)) {
      const vhost = vhostOfFile(file);
      if (vhost === null) continue;
      const index = text.split("\n").findIndex((l) => l.includes(value));
      if (index >= 0) return { ...error, file, line: index + 1, vhost };
    }
  }
  return error;
}

/** The certificate and key files the server blocks name. */
export function certificatePaths(bundle: Bundle): string[] {
  const paths = new Set<string>();
  for (const [file, text] of Object.entries(bundle.files)) {
    if (!file.startsWith("vhosts/")) continue;
    for (const m of text.matchAll(/^\s*ssl_certificate(?:_key)?\s+(\S+);$/gm)) paths.add(m[1]!);
  }
  return [...paths].sort();
}

/** The certificate files that checkWithEngine fills with a throwaway self-signed pair: those inside the bundle dir. */
export function placeholderCertificatePaths(bundle: Bundle): string[] {
  return certificatePaths(bundle).filter((p) => !path.isAbsolute(p));
}

export type CertificateFile = {
  /** As the server blocks name it: relative to the bundle directory (nginx's prefix), or absolute. */
  path: string;
  kind: "chain" | "key";
  /** The vhosts (domains) whose server block loads it. */
  domains: string[];
};

/** Each certificate or key file the bundle's server blocks load, with the vhosts that use it. */
export function certificateFiles(bundle: Bundle): CertificateFile[] {
  const files = new Map<string, CertificateFile>();
  for (const [file, text] of Object.entries(bundle.files)) {
    const domain = vhostOfFile(file);
    if (domain === null || !file.startsWith("vhosts/")) continue;
    for (const m of text.matchAll(/^\s*(ssl_certificate(?:_key)?)\s+(\S+);$/gm)) {
      const entry = files.get(m[2]!) ?? { path: m[2]!, kind: m[1] === "ssl_certificate" ? "chain" : "key", domains: [] };
      if (!entry.domains.includes(domain)) entry.domains.push(domain);
      files.set(m[2]!, entry);
    }
  }
  return [...files.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** "rules/x.conf line 3 (x): message" — where nginx or ModSecurity says the problem is. */
export function describeCheckError(e: CheckError): string {
  const where = [e.file && `${e.file}${e.line ? ` line ${e.line}` : ""}`, e.vhost && `(virtual host ${e.vhost})`].filter(Boolean).join(" ");
  return where ? `${where}: ${e.message}` : e.message;
}

let placeholder: Promise<{ cert: string; key: string } | null> | undefined;

export function placeholderCertificate(): Promise<{ cert: string; key: string } | null> {
  placeholder ??= (async () => {
    const dir = await makeWorkDir("palisade-placeholder-cert-");
    try {
      const key = path.join(dir, "privkey.pem");
      const cert = path.join(dir, "fullchain.pem");
      await new Promise<void>((resolve, reject) =>
        execFile(
          "openssl",
          ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "3650", "-subj", "/CN=palisade-check-placeholder", "-keyout", key, "-out", cert],
          (err) => (err ? reject(err) : resolve()),
        ),
      );
      return { cert: await readFile(cert, "utf8"), key: await readFile(key, "utf8") };
    } catch {
      return null;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  })();
  return placeholder;
}
