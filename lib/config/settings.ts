// The compiler's settings come from the environment of the panel process (never from the database):
// they describe the WAF nodes' machines (where Debian put the engine), not a policy.
//
//   PALISADE_CRS_VERSION        3.3 (default) or 4: decides the CRS variable names
//   PALISADE_CRS_SETUP          default /etc/modsecurity/crs/crs-setup.conf
//   PALISADE_CRS_RULES_DIR      default /usr/share/modsecurity-crs/rules
//   PALISADE_MODSEC_MODULE      default /usr/lib/nginx/modules/ngx_http_modsecurity_module.so
//   PALISADE_UNICODE_MAPPING    default /etc/nginx/unicode.mapping
//   PALISADE_CERT_DIR           default certs (relative to the bundle directory)
//   PALISADE_LISTEN_HTTP        default 80
//   PALISADE_LISTEN_HTTPS       default 443
//   PALISADE_LISTEN_ADDRESSES   comma-separated IP literals; default: every IPv4 address
//   PALISADE_INSTALL_DIR        absolute directory for ModSecurity's paths; default unset (relative paths,
//                               which is what the node agent needs: see lib/agent/agent.ts)
import { AppError } from "@/lib/errors";
import type { CompilerSettings } from "@/lib/waf/types";
import { DEFAULT_COMPILER_SETTINGS } from "@/lib/waf/types";

/** A setting in the environment that cannot be used; the message names the variable. */
export class SettingsError extends AppError {
  constructor(message: string) {
    super(message);
    this.name = "SettingsError";
  }
}

type Env = Record<string, string | undefined>;

export function compilerSettingsFromEnv(env: Env = process.env): CompilerSettings {
  const text = (name: string, fallback: string) => env[name]?.trim() || fallback;
  const port = (name: string, fallback: number) => {
    const raw = env[name]?.trim();
    if (!raw) return fallback;
    if (!/^\d{1,5}$/.test(raw) || Number(raw) < 1 || Number(raw) > 65_535) throw new SettingsError(`${name} must be a port number (1–65535); got "${raw}"`);
    return Number(raw);
  };
  const crsVersion = text("PALISADE_CRS_VERSION", DEFAULT_COMPILER_SETTINGS.crsVersion);
  if (crsVersion !== "3.3" && crsVersion !== "4") throw new SettingsError(`PALISADE_CRS_VERSION must be 3.3 or 4; got "${crsVersion}"`);
  const addresses = env.PALISADE_LISTEN_ADDRESSES?.trim();
  return {
    crsVersion,
    crsSetupPath: text("PALISADE_CRS_SETUP", DEFAULT_COMPILER_SETTINGS.crsSetupPath),
    crsRulesDir: text("PALISADE_CRS_RULES_DIR", DEFAULT_COMPILER_SETTINGS.crsRulesDir),
    modsecModulePath: text("PALISADE_MODSEC_MODULE", DEFAULT_COMPILER_SETTINGS.modsecModulePath),
    unicodeMappingPath: text("PALISADE_UNICODE_MAPPING", DEFAULT_COMPILER_SETTINGS.unicodeMappingPath),
    certDir: text("PALISADE_CERT_DIR", DEFAULT_COMPILER_SETTINGS.certDir),
    listenHttp: port("PALISADE_LISTEN_HTTP", DEFAULT_COMPILER_SETTINGS.listenHttp),
    listenHttps: port("PALISADE_LISTEN_HTTPS", DEFAULT_COMPILER_SETTINGS.listenHttps),
    listenAddresses: addresses ? addresses.split(",").map((a) => a.trim()).filter(Boolean) : [],
    installDir: env.PALISADE_INSTALL_DIR?.trim() || null,
  };
}
