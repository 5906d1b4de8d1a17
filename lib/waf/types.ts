// Input and output of the WAF config compiler. The compiler is pure: the caller loads these shapes
// from the database (or a JSON file) and gets back the text of every file nginx + ModSecurity read.
import { AppError } from "../errors";
import type { RuleExclusionKind, StoredExclusion } from "../rules/exclusions";

export type TlsMode = "NONE" | "TERMINATE" | "REDIRECT";
export type TlsVersion = "TLS1_2" | "TLS1_3";
export type EngineMode = "OFF" | "DETECTION_ONLY" | "BLOCKING";
export type IpListKind = "ALLOW" | "DENY";
export type ExclusionKind = RuleExclusionKind;

export type PolicyInput = {
  engineMode: EngineMode;
  blockingParanoia: number;
  detectionParanoia: number;
  inboundThreshold: number;
  outboundThreshold: number;
};

export type IpEntryInput = { kind: IpListKind; cidr: string; note: string | null };

export type CustomRuleInput = {
  ruleId: number;
  description: string;
  /** One SecRule/SecAction directive (or a chain of SecRules) on one line; its id must equal ruleId. */
  secRule: string;
  enabled: boolean;
  position: number;
};

/** A stored exclusion as the RuleExclusion row holds it (pathPrefix null: the whole vhost); one type with lib/rules. */
export type ExclusionInput = StoredExclusion;

export type VhostInput = {
  id: string;
  domain: string;
  aliases: string[];
  backendUrl: string;
  tlsMode: TlsMode;
  certificateRef: string | null;
  hsts: boolean;
  minTlsVersion: TlsVersion;
  enabled: boolean;
  policy: PolicyInput;
  ipEntries: IpEntryInput[];
  customRules: CustomRuleInput[];
  exclusions: ExclusionInput[];
};

export type CompilerSettings = {
  /** Decides the CRS variable names for paranoia levels (3.3: paranoia_level; 4: blocking_paranoia_level). */
  crsVersion: "3.3" | "4";
  crsSetupPath: string;
  /** Every `*.conf` in it is included, in name order. */
  crsRulesDir: string;
  modsecModulePath: string;
  unicodeMappingPath: string;
  /** Where certificateRef names resolve: `<certDir>/<ref>/fullchain.pem` and `privkey.pem`. Relative to the bundle. */
  certDir: string;
  listenHttp: number;
  listenHttps: number;
  /** IP literals to listen on; empty: every IPv4 address (`listen <port>`). */
  listenAddresses: string[];
  /**
   * The absolute directory the bundle will be installed in, or null.
   * nginx resolves its own relative paths against its prefix (-p), but ModSecurity resolves the
   * rules files, audit log and tmp/data dirs against the process's working directory. With null those
   * paths are relative and nginx must run with the bundle directory as its working directory; set it to
   * write them absolute instead.
   */
  installDir: string | null;
};

export type CompileInput = { vhosts: VhostInput[]; settings: CompilerSettings };

/** Relative path inside the bundle (e.g. "vhosts/example.com.conf") → file text. */
export type Bundle = { files: Record<string, string> };

export const DEFAULT_COMPILER_SETTINGS: CompilerSettings = {
  crsVersion: "3.3",
  crsSetupPath: "/etc/modsecurity/crs/crs-setup.conf",
  crsRulesDir: "/usr/share/modsecurity-crs/rules",
  modsecModulePath: "/usr/lib/nginx/modules/ngx_http_modsecurity_module.so",
  unicodeMappingPath: "/etc/nginx/unicode.mapping",
  certDir: "certs",
  listenHttp: 80,
  listenHttps: 443,
  listenAddresses: [],
  installDir: null,
};

/**
 * Rule ids. ModSecurity reserves 1–99,999 for local rules and 900,000–999,999 for the CRS.
 * Each vhost's rules file is its own rule set (measured: the same id in two vhosts' files is accepted),
 * so the generated ids below repeat in every vhost; custom rules keep the rest of the local range and are
 * unique installation-wide.
 */
export const RULE_IDS = {
  customMin: 1,
  customMax: 89_999,
  generatedMin: 90_000,
  generatedMax: 99_999,
  /** The deny-list rule of a vhost. */
  ipDeny: 90_100,
  /** The allow-list rule of a vhost. */
  ipAllow: 90_200,
  /** Path-scoped exclusions: one rule each, numbered in sorted order from here. */
  pathExclusionFirst: 91_000,
  pathExclusionLast: 99_999,
  /** CRS's own setup ids (crs-setup.conf.example): paranoia and anomaly thresholds. */
  crsParanoia: 900_000,
  crsThresholds: 900_110,
} as const;

/** A stored value that cannot be written into the configuration safely, named by vhost and field. */
export class CompileError extends AppError {
  constructor(
    /** The vhost's domain as stored (null for a settings error). */
    public readonly vhost: string | null,
    public readonly vhostId: string | null,
    /** The field, e.g. "backendUrl" or "exclusions[2].target" or "settings.certDir". */
    public readonly field: string,
    public readonly reason: string,
  ) {
    super(`${vhost === null ? "Settings" : `Virtual host ${JSON.stringify(shorten(vhost))}`}: ${field}: ${reason}`);
    this.name = "CompileError";
  }
}

function shorten(s: string): string {
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}
