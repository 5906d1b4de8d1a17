// Certificate entries as a node's agent reports them (lib/agent/certificates.ts), for the integration
// tests and the e2e data: well-formed, with a random fingerprint and serial, expiring `days` from `now`.
import { randomBytes } from "node:crypto";
import type { CertificateReport } from "@/lib/nodes/schema";

const DAY_MS = 86_400_000;

export function certificateEntry(domain: string, days: number, now: Date = new Date(), patch: Partial<CertificateReport> = {}): CertificateReport {
  const fingerprint = [...randomBytes(32)].map((b) => b.toString(16).padStart(2, "0").toUpperCase()).join(":");
  return {
    domain,
    reference: `certs/${domain}/fullchain.pem`,
    subject: `CN=${domain}`,
    altNames: `DNS:${domain}, DNS:www.${domain}`,
    issuer: "CN=Palisade Test CA, O=Palisade",
    serial: randomBytes(16).toString("hex").toUpperCase(),
    fingerprint,
    notAfter: new Date(now.getTime() + days * DAY_MS).toISOString(),
    ...patch,
  };
}
