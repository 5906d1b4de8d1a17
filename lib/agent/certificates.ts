// The TLS certificates the live bundle serves, read on the node for its status report (lib/nodes/api.ts):
// each vhost's `ssl_certificate` file, parsed with node:crypto. Only public facts leave the node — where
// the certificate is served (vhost and file path), its subject, names, issuer, serial, SHA-256 fingerprint
// and expiry. Private keys are never opened: the `ssl_certificate_key` files are not read at all, and of
// each certificate file only its first CERTIFICATE block is parsed (a file that also holds a key keeps it).
import { X509Certificate } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { CERT_FIELD_MAX, MAX_REPORTED_CERTIFICATES, type CertificateReport } from "@/lib/nodes/schema";

/** Where a vhost's certificate is served: its first server name and the path as the bundle writes it. */
export type CertificateRef = { domain: string; reference: string };

/**
 * The certificate files a vhost config names, paired with the server_name before them in the same file
 * (the compiler writes `server_name` first in every server block). Comments are skipped.
 */
export function certificateRefs(conf: string): CertificateRef[] {
  const refs: CertificateRef[] = [];
  let domain = "";
  for (const raw of conf.split("\n")) {
    const line = raw.replace(/#.*$/, "").trim();
    const serverName = /^server_name\s+([^\s;]+)[^;]*;/.exec(line);
    if (serverName) domain = serverName[1]!;
    const cert = /^ssl_certificate\s+([^\s;]+)\s*;/.exec(line);
    if (cert) refs.push({ domain, reference: cert[1]! });
  }
  return refs;
}

/** The first PEM certificate block of a file's text (a chain's leaf comes first), or null. */
export function firstCertificatePem(text: string): string | null {
  const m = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(text);
  return m ? m[0] : null;
}

const clip = (s: string) => (s.length > CERT_FIELD_MAX ? `${s.slice(0, CERT_FIELD_MAX - 1)}…` : s);
/** "CN=a\nO=b" (node's multi-line form) → "CN=a, O=b". */
const oneLine = (dn: string) => dn.split("\n").filter(Boolean).join(", ");

/** What the report says of one certificate (every field within the panel's limits). */
export function describeCertificate(ref: CertificateRef, pem: string): CertificateReport {
  const cert = new X509Certificate(pem);
  return {
    domain: clip(ref.domain),
    reference: clip(ref.reference),
    subject: clip(oneLine(cert.subject)),
    altNames: clip(cert.subjectAltName ?? ""),
    issuer: clip(oneLine(cert.issuer)),
    serial: clip(cert.serialNumber),
    fingerprint: cert.fingerprint256,
    notAfter: new Date(cert.validTo).toISOString(),
  };
}

export type CertificateScan = { certificates: CertificateReport[]; problems: string[] };

/**
 * Reads every certificate the live release (DIR/current/vhosts/*.conf) names. Relative paths are nginx's:
 * relative to DIR, its prefix. A file that is missing or not a certificate is left out and named in
 * `problems` (for the agent's log); at most MAX_REPORTED_CERTIFICATES are reported.
 */
export async function scanCertificates(dir: string): Promise<CertificateScan> {
  const vhostsDir = path.join(dir, "current", "vhosts");
  const names = (await readdir(vhostsDir).catch(() => [] as string[])).filter((n) => n.endsWith(".conf")).sort();
  const certificates: CertificateReport[] = [];
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const name of names) {
    const conf = await readFile(path.join(vhostsDir, name), "utf8").catch(() => "");
    for (const ref of certificateRefs(conf)) {
      const key = `${ref.domain}\n${ref.reference}`;
      if (seen.has(key)) continue;
      seen.add(key);
      if (certificates.length >= MAX_REPORTED_CERTIFICATES) {
        problems.push(`more than ${MAX_REPORTED_CERTIFICATES} certificates: the rest are not reported`);
        return { certificates, problems };
      }
      const file = path.resolve(dir, ref.reference);
      const text = await readFile(file, "utf8").catch((err: NodeJS.ErrnoException) => {
        problems.push(`${ref.domain}: cannot read ${file} (${err.code ?? err.message})`);
        return null;
      });
      if (text === null) continue;
      const pem = firstCertificatePem(text);
      try {
        if (!pem) throw new Error("no PEM certificate in it");
        certificates.push(describeCertificate(ref, pem));
      } catch (err) {
        problems.push(`${ref.domain}: ${file} is not a readable certificate (${(err as Error).message})`);
      }
    }
  }
  return { certificates, problems };
}
