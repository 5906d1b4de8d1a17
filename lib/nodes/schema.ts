import { z } from "zod";

export const NODE_NAME_MAX = 64;
export const NODE_MESSAGE_MAX = 2000;

export const NodeNameSchema = z
  .string()
  .trim()
  .min(1, "Name the node, e.g. edge-1.")
  .max(NODE_NAME_MAX, `Keep the name under ${NODE_NAME_MAX + 1} characters.`)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, "Use letters, digits, dots, dashes and underscores, starting with a letter or digit.");

export const RegisterNodeSchema = z.object({ name: NodeNameSchema });
export type RegisterNodeInput = z.infer<typeof RegisterNodeSchema>;

export const NodeRefSchema = z.object({ id: z.uuid("Choose a node.") });
export type NodeRef = z.infer<typeof NodeRefSchema>;

/** The most certificates one status report may list, and the longest text field of one. */
export const MAX_REPORTED_CERTIFICATES = 300;
export const CERT_FIELD_MAX = 500;

const certText = (name: string, min = 0) =>
  z
    .string({ error: `${name} must be a string` })
    .min(min, `${name} must not be empty`)
    .max(CERT_FIELD_MAX, `${name} is longer than ${CERT_FIELD_MAX} characters`)
    .refine((s) => !/[\u0000-\u001f\u007f]/.test(s), `${name} must not contain control characters`);

/** One TLS certificate a node serves: where, which (by public facts only: never a key), and until when. */
export const CertificateReportSchema = z.strictObject(
  {
    domain: certText("domain", 1),
    reference: certText("reference", 1),
    subject: certText("subject"),
    altNames: certText("altNames"),
    issuer: certText("issuer"),
    serial: z.string({ error: "serial must be a string" }).regex(/^[0-9A-Fa-f]{1,128}$/, "serial must be the certificate's serial number in hex"),
    fingerprint: z
      .string({ error: "fingerprint must be a string" })
      .regex(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/, "fingerprint must be the SHA-256 fingerprint as AA:BB:… (32 bytes, upper-case hex)"),
    notAfter: z.iso.datetime({ offset: true, error: "notAfter must be an ISO 8601 date and time, e.g. 2027-01-31T12:00:00Z" }),
  },
  // A strict object: a field the panel does not know (a key, say) is refused, not silently dropped.
  { error: (issue) => (issue.code === "unrecognized_keys" ? `unknown field${issue.keys.length > 1 ? "s" : ""} ${issue.keys.join(", ")}: a certificate is reported by its public facts only` : undefined) },
);
export type CertificateReport = z.infer<typeof CertificateReportSchema>;

/** What a node's agent reports after trying to apply a revision (POST /api/v1/nodes/status). */
export const StatusReportSchema = z.object({
  revision: z.number({ error: "revision must be the number of the revision the node tried to apply" }).int().min(1).max(1_000_000_000),
  ok: z.boolean({ error: "ok must be true (applied and reloaded) or false" }),
  message: z.string({ error: "message must be a string" }).max(NODE_MESSAGE_MAX * 4, "message is too long").optional().default(""),
  /** The certificates the applied bundle serves; when present they replace the node's list, when absent (an older agent) it is kept. */
  certificates: z
    .array(CertificateReportSchema, { error: "certificates must be a list" })
    .max(MAX_REPORTED_CERTIFICATES, `certificates: at most ${MAX_REPORTED_CERTIFICATES} per report`)
    .optional(),
});
export type StatusReport = z.output<typeof StatusReportSchema>;
