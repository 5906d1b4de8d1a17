// Test support shared by the property tests and the engine tests: a vhost that uses every stored
// string field, one mutator per field, and generators of hostile text.
import fc from "fast-check";
import { sampleInput, sampleVhost } from "@/lib/waf/samples";
import type { CompileInput, CompilerSettings, VhostInput } from "@/lib/waf/types";

/** A valid custom rule with a quoted operator, an escaped quote and a single-quoted msg. */
export const CUSTOM_RULE = `SecRule ARGS:q|REQUEST_HEADERS:User-Agent "@rx ^a\\"b$" "id:4001,phase:2,deny,status:403,log,msg:'m, n'"`;

export const BASE: VhostInput = sampleVhost("prop.example.com", {
  aliases: ["www.prop.example.com", "*.prop.example.org"],
  backendUrl: "https://backend.example.net:8443/app",
  tlsMode: "REDIRECT",
  certificateRef: "prop-cert",
  hsts: true,
  ipEntries: [
    { kind: "DENY", cidr: "203.0.113.0/24", note: "scanner" },
    { kind: "ALLOW", cidr: "2001:db8::/32", note: "office" },
  ],
  customRules: [{ ruleId: 4001, description: "quoted admin", secRule: CUSTOM_RULE, enabled: true, position: 1 }],
  exclusions: [
    { kind: "REMOVE_TARGET_BY_ID", ruleId: 942100, ruleIdEnd: null, tag: null, target: "ARGS:password", pathPrefix: "/login", note: "pw" },
    { kind: "REMOVE_BY_TAG", ruleId: null, ruleIdEnd: null, tag: "attack-xss", target: null, pathPrefix: null, note: "editor" },
    { kind: "REMOVE_TARGET_BY_TAG", ruleId: null, ruleIdEnd: null, tag: "attack-sqli", target: "ARGS:q", pathPrefix: null, note: null },
  ],
});
export const OTHER: VhostInput = sampleVhost("other.example.com");
export const baseInput = (vhost: VhostInput = BASE, settings: Partial<CompilerSettings> = {}): CompileInput => sampleInput([vhost, OTHER], settings);

export type Mutator = {
  field: string;
  valid: string;
  /** The base input with this field set to s (settings: extra settings, e.g. stub CRS paths). */
  apply: (s: string, settings?: Partial<CompilerSettings>) => CompileInput;
  /** The CompileError's field must start with this. */
  errorField: string;
  errorVhost: string | null;
};

const vhostField = (field: string, valid: string, set: (v: VhostInput, s: string) => VhostInput, errorField = field): Mutator => ({
  field,
  valid,
  apply: (s, settings) => baseInput(set(structuredClone(BASE), s), settings),
  errorField,
  errorVhost: "vhost",
});
const settingsField = (key: keyof CompilerSettings & string, valid: string): Mutator => ({
  field: `settings.${key}`,
  valid,
  apply: (s, settings) => baseInput(BASE, { ...settings, ...(key === "listenAddresses" ? { listenAddresses: [s] } : { [key]: s }) }),
  errorField: `settings.${key}`,
  errorVhost: null,
});

export const MUTATORS: Mutator[] = [
  vhostField("domain", BASE.domain, (v, s) => ({ ...v, domain: s })),
  vhostField("id", BASE.id, (v, s) => ({ ...v, id: s })),
  vhostField("aliases[0]", BASE.aliases[0]!, (v, s) => ({ ...v, aliases: [s, ...v.aliases.slice(1)] }), "aliases"),
  vhostField("backendUrl", BASE.backendUrl, (v, s) => ({ ...v, backendUrl: s })),
  vhostField("certificateRef", BASE.certificateRef!, (v, s) => ({ ...v, certificateRef: s })),
  vhostField("ipEntries[0].cidr", "203.0.113.0/24", (v, s) => ({ ...v, ipEntries: [{ ...v.ipEntries[0]!, cidr: s }, v.ipEntries[1]!] })),
  vhostField("ipEntries[1].note", "office", (v, s) => ({ ...v, ipEntries: [v.ipEntries[0]!, { ...v.ipEntries[1]!, note: s }] })),
  vhostField("customRules[0].secRule", CUSTOM_RULE, (v, s) => ({ ...v, customRules: [{ ...v.customRules[0]!, secRule: s }] })),
  vhostField("customRules[0].description", "quoted admin", (v, s) => ({ ...v, customRules: [{ ...v.customRules[0]!, description: s }] })),
  ...(["target", "pathPrefix", "note"] as const).map((key) =>
    vhostField(`exclusions[0].${key}`, String(BASE.exclusions[0]![key]), (v, s) => ({ ...v, exclusions: [{ ...v.exclusions[0]!, [key]: s }, ...v.exclusions.slice(1)] })),
  ),
  vhostField("exclusions[1].tag", "attack-xss", (v, s) => ({ ...v, exclusions: [v.exclusions[0]!, { ...v.exclusions[1]!, tag: s }, v.exclusions[2]!] })),
  vhostField("exclusions[2].target", "ARGS:q", (v, s) => ({ ...v, exclusions: [v.exclusions[0]!, v.exclusions[1]!, { ...v.exclusions[2]!, target: s }] })),
  settingsField("crsSetupPath", "/etc/modsecurity/crs/crs-setup.conf"),
  settingsField("crsRulesDir", "/usr/share/modsecurity-crs/rules"),
  settingsField("modsecModulePath", "/usr/lib/nginx/modules/ngx_http_modsecurity_module.so"),
  settingsField("unicodeMappingPath", "/etc/nginx/unicode.mapping"),
  settingsField("certDir", "certs"),
  settingsField("installDir", "/var/lib/palisade"),
  settingsField("listenAddresses", "127.0.0.1"),
];

/** Pieces that end or start directives in nginx or ModSecurity files, or confuse their parsers. */
export const DANGER = [
  "\n",
  "\r",
  "\r\n",
  "\u0000",
  "\u2028",
  "\u0085",
  '"',
  "'",
  "\\",
  "\\\n",
  "\\\"",
  "\\\\\"",
  "''",
  "#",
  "{",
  "}",
  ";",
  " ",
  "\t",
  "$",
  "%{tx.x}",
  "`",
  "|",
  ",",
  ":",
  "@",
  "!",
  "*",
  "/",
  "/../",
  "//",
  "SecRuleEngine Off",
  " SecRuleEngine Off",
  "\nSecRuleEngine Off\n",
  '" "id:1" SecRuleEngine Off',
  '" SecRule ARGS "@rx x" "id:4002,deny',
  ",chain",
  "} server { listen 1; } #",
  "; include /etc/passwd;",
];

export const piece = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...DANGER) },
  { weight: 1, arbitrary: fc.string({ maxLength: 4 }) },
  { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 4 }) },
);

export const hostile = (valid: string) =>
  fc.oneof(
    fc.array(piece, { maxLength: 8 }).map((p) => p.join("")),
    fc
      .tuple(fc.nat({ max: valid.length }), fc.array(piece, { minLength: 1, maxLength: 4 }))
      .map(([at, p]) => valid.slice(0, at) + p.join("") + valid.slice(at)),
    fc.tuple(fc.constantFrom(...DANGER), fc.integer({ min: 2000, max: 20000 })).map(([d, n]) => valid + d + "a".repeat(n)),
  );

