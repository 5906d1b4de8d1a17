// Representative compiler inputs: the CLI's built-in sample and the golden-file tests' cases.
import type { CompileInput, CompilerSettings, PolicyInput, VhostInput } from "./types";
import { DEFAULT_COMPILER_SETTINGS } from "./types";

export const DEFAULT_POLICY: PolicyInput = {
  engineMode: "BLOCKING",
  blockingParanoia: 1,
  detectionParanoia: 1,
  inboundThreshold: 5,
  outboundThreshold: 4,
};

/** A vhost with the schema's defaults; override what a case is about. */
export function sampleVhost(domain: string, overrides: Partial<VhostInput> = {}): VhostInput {
  return {
    id: `00000000-0000-4000-8000-${domain.replace(/[^a-z0-9]/g, "").slice(0, 12).padEnd(12, "0")}`,
    domain,
    aliases: [],
    backendUrl: "http://127.0.0.1:3000",
    tlsMode: "NONE",
    certificateRef: null,
    hsts: false,
    minTlsVersion: "TLS1_2",
    enabled: true,
    policy: { ...DEFAULT_POLICY },
    ipEntries: [],
    customRules: [],
    exclusions: [],
    ...overrides,
  };
}

export function sampleInput(vhosts: VhostInput[], settings: Partial<CompilerSettings> = {}): CompileInput {
  return { vhosts, settings: { ...DEFAULT_COMPILER_SETTINGS, ...settings } };
}

/** One of everything: what `waf:check` compiles when given no input file. */
export const SAMPLE_INPUT: CompileInput = sampleInput([
  sampleVhost("shop.example.com", {
    aliases: ["www.shop.example.com"],
    backendUrl: "http://127.0.0.1:8081",
    policy: { ...DEFAULT_POLICY, blockingParanoia: 1, detectionParanoia: 2 },
    ipEntries: [
      { kind: "DENY", cidr: "203.0.113.0/24", note: "scanner network" },
      { kind: "DENY", cidr: "2001:db8:bad::/48", note: null },
      { kind: "ALLOW", cidr: "192.0.2.10/32", note: "office" },
    ],
    exclusions: [
      { kind: "REMOVE_TARGET_BY_ID", ruleId: 942100, ruleIdEnd: null, tag: null, target: "ARGS:password", pathPrefix: "/login", note: "passwords look like SQL" },
      { kind: "REMOVE_BY_TAG", ruleId: null, ruleIdEnd: null, tag: "attack-xss", target: null, pathPrefix: "/cms/editor", note: null },
      { kind: "REMOVE_BY_ID", ruleId: 920350, ruleIdEnd: null, tag: null, target: null, pathPrefix: null, note: "health checks by IP" },
    ],
    customRules: [
      {
        ruleId: 2001,
        description: "Block the old admin path",
        secRule: `SecRule REQUEST_FILENAME "@beginsWith /wp-admin" "id:2001,phase:1,deny,status:403,log,msg:'Old admin path'"`,
        enabled: true,
        position: 1,
      },
    ],
  }),
  sampleVhost("api.example.com", {
    backendUrl: "http://127.0.0.1:8082",
    policy: { ...DEFAULT_POLICY, engineMode: "DETECTION_ONLY" },
  }),
]);
