// One schema per input, shared by the form (zodResolver) and the server action.
import { z } from "zod";
import { TLS_MODES, TLS_VERSIONS } from "./fields";
import { certificateRefProblem, parseBackendUrl } from "@/lib/waf/field-rules";
import { toAsciiHostname } from "./hostname";

export { TLS_MODE_LABELS, TLS_MODES, TLS_VERSIONS } from "./fields";

const hostname = z.string().transform((value, ctx) => {
  const r = toAsciiHostname(value);
  if (!r.ok) {
    ctx.addIssue({ code: "custom", message: r.error });
    return z.NEVER;
  }
  return r.ascii;
});

/** Aliases are typed one per line (or separated by commas) and stored as a list of punycode names. */
const aliases = z
  .string()
  .max(10_000, "Too many aliases.")
  .transform((text, ctx) => {
    const items = text.split(/[\n,]+/).map((s) => s.trim()).filter(Boolean);
    const out: string[] = [];
    for (const [i, item] of items.entries()) {
      const r = toAsciiHostname(item);
      if (!r.ok) ctx.addIssue({ code: "custom", message: `Alias ${i + 1} ("${item.slice(0, 80)}"): ${r.error}` });
      else if (out.includes(r.ascii)) ctx.addIssue({ code: "custom", message: `Alias ${i + 1} ("${item}") is listed twice.` });
      else out.push(r.ascii);
    }
    if (out.length > 50) ctx.addIssue({ code: "custom", message: "At most 50 aliases per virtual host." });
    return out;
  });

/** The backend URL and certificate name rules live in lib/waf/field-rules.ts, shared with the config compiler. */
const backendUrl = z
  .string()
  .trim()
  .min(1, "Enter the backend URL, e.g. http://10.0.0.5:8080.")
  .superRefine((value, ctx) => {
    const r = parseBackendUrl(value);
    if (!r.ok) ctx.addIssue({ code: "custom", message: r.message });
  });

const certificateRef = z
  .string()
  .trim()
  .superRefine((value, ctx) => {
    const problem = value === "" ? null : certificateRefProblem(value);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  });

export const VhostFieldsSchema = z
  .object({
    domain: hostname,
    aliases,
    backendUrl,
    tlsMode: z.enum(TLS_MODES),
    certificateRef,
    hsts: z.boolean(),
    minTlsVersion: z.enum(TLS_VERSIONS),
    enabled: z.boolean(),
    confirmInternalBackend: z.boolean().optional(), // lib/vhosts/backend-risk.ts: loopback, link-local, metadata, the node's own address
  })
  .superRefine((v, ctx) => {
    if (v.tlsMode !== "NONE" && !v.certificateRef) {
      ctx.addIssue({ code: "custom", path: ["certificateRef"], message: "HTTPS needs a certificate: enter its name." });
    }
    if (v.tlsMode === "NONE" && v.hsts) {
      ctx.addIssue({ code: "custom", path: ["hsts"], message: "HSTS only makes sense with HTTPS: choose a TLS mode first." });
    }
    if (v.aliases.includes(v.domain)) {
      ctx.addIssue({ code: "custom", path: ["aliases"], message: "An alias repeats the domain itself." });
    }
  });

/** Create only: the template the new vhost's WAF policy starts from; "" (none) means CRS defaults. */
const templateId = z
  .union([z.literal(""), z.uuid("Choose a template from the list.")])
  .optional()
  .transform((v) => v || undefined);

export const CreateVhostSchema = z.intersection(VhostFieldsSchema, z.object({ templateId }));
export const UpdateVhostSchema = z.intersection(
  VhostFieldsSchema,
  z.object({ id: z.uuid(), version: z.number().int().min(1) }),
);
export const VhostRefSchema = z.object({ id: z.uuid(), version: z.number().int().min(1) });
export const SetVhostEnabledSchema = VhostRefSchema.extend({ enabled: z.boolean() });

export type VhostFormValues = z.input<typeof VhostFieldsSchema>;
export type CreateVhostFormValues = z.input<typeof CreateVhostSchema>;
/** templateId is optional for callers (seeds, tests, the node API): without it the vhost gets CRS defaults. */
export type CreateVhostInput = z.output<typeof VhostFieldsSchema> & { templateId?: string };
export type UpdateVhostInput = z.output<typeof UpdateVhostSchema>;

/** The stored columns of a vhost's validated fields (what the service writes and the compiler later reads). */
export function vhostColumns(input: z.output<typeof VhostFieldsSchema>) {
  return {
    domain: input.domain,
    aliases: input.aliases,
    backendUrl: input.backendUrl,
    tlsMode: input.tlsMode,
    certificateRef: input.certificateRef || null,
    hsts: input.hsts,
    minTlsVersion: input.minTlsVersion,
    enabled: input.enabled,
  };
}

export const EMPTY_VHOST_FORM: VhostFormValues = {
  domain: "",
  aliases: "",
  backendUrl: "",
  tlsMode: "NONE",
  certificateRef: "",
  hsts: false,
  minTlsVersion: "TLS1_2",
  enabled: true,
  confirmInternalBackend: false,
};
