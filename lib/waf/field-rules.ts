// What a valid backend URL and certificate name are: one definition, used by the config compiler
// (./validate.ts) and the vhost form's schema (lib/vhosts/schema.ts). It lives with the compiler because it
// is nginx's rule: a value the form saves can always be written into nginx's config, where proxy_pass and
// ssl_certificate take it as one unquoted word.
import ipaddr from "ipaddr.js";

export const BACKEND_URL_MAX = 2048;
export const CERTIFICATE_REF_MAX = 128;

export type BackendUrl = { ok: true; url: string; https: boolean } | { ok: false; message: string };

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const FOUR_PART = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$/;
const PATH = /^\/[A-Za-z0-9._~/-]*$/;

/**
 * http(s)://host[:port][/path]: host a DNS name, an IPv4 address or a bracketed IPv6 address; no user
 * info, query or fragment; the path in a narrow alphabet. Returns the URL as the compiler writes it
 * (scheme and host in lower case, IPv6 and port in canonical form).
 */
export function parseBackendUrl(value: string): BackendUrl {
  const bad = (message: string): BackendUrl => ({ ok: false, message });
  // nginx refuses a parameter longer than its 4 KB read buffer ("too long parameter", measured).
  if (value.length > BACKEND_URL_MAX) return bad(`The backend URL is too long (at most ${BACKEND_URL_MAX.toLocaleString("en")} characters).`);
  // '$' too: nginx would expand it as a variable in proxy_pass.
  if (/[\s"'`{};\\<>$\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u.test(value)) {
    return bad("The backend URL cannot contain spaces, quotes, braces, semicolons, backslashes or '$'.");
  }
  const scheme = /^(https?):\/\//i.exec(value);
  if (!scheme) {
    return /^[A-Za-z][A-Za-z0-9+.-]*:(?!\d)/.test(value)
      ? bad("The backend URL must start with http:// or https://.")
      : bad("Enter a full URL starting with http:// or https://, e.g. http://10.0.0.5:8080.");
  }
  const rest = value.slice(scheme[0].length);
  const authorityEnd = rest.search(/[/?#]/);
  const authority = authorityEnd === -1 ? rest : rest.slice(0, authorityEnd);
  const tail = authorityEnd === -1 ? "" : rest.slice(authorityEnd);
  if (authority.includes("@")) return bad("Do not put credentials in the backend URL.");
  if (tail.includes("?")) return bad("The backend URL cannot have a query string ('?…'): nginx passes each request's own query to the backend.");
  if (tail.includes("#")) return bad("The backend URL cannot have a #fragment.");

  const hostPort = /^(\[[^\]]*\]|[^:]*)(?::(.*))?$/.exec(authority);
  const hostText = hostPort?.[1] ?? "";
  const portText = hostPort?.[2];
  if (hostText === "") return bad("The backend URL needs a host.");
  let host: string;
  if (hostText.startsWith("[")) {
    const inner = hostText.slice(1, -1);
    if (!/^[0-9A-Fa-f:.]+$/.test(inner) || !ipaddr.IPv6.isValid(inner)) return bad(`${quote(hostText)} is not a valid IPv6 address.`);
    host = `[${ipaddr.IPv6.parse(inner).toString()}]`;
  } else if (/^[0-9.]+$/.test(hostText)) {
    const m = FOUR_PART.exec(hostText);
    if (!m || m.slice(1, 5).some((o) => Number(o) > 255)) return bad(`${quote(hostText)} is not a valid IPv4 address (four numbers from 0 to 255).`);
    host = hostText;
  } else {
    host = hostText.toLowerCase();
    if (host.includes("_")) return bad(`The host name ${quote(hostText)} cannot contain '_': host names use letters, digits, hyphens and dots.`);
    if (host.length > 253 || !host.split(".").every((l) => LABEL.test(l))) {
      return bad(`${quote(hostText)} is not a valid host name: use letters, digits and hyphens in dot-separated labels (write international names as xn--), or an IP address.`);
    }
  }

  let port = "";
  if (portText !== undefined) {
    if (portText === "") return bad("The port after ':' is missing.");
    if (!/^[0-9]+$/.test(portText)) return bad(`The port ${quote(portText)} is not a number.`);
    const n = Number(portText);
    if (n < 1 || n > 65_535) return bad(`The port ${portText.length > 12 ? `${portText.slice(0, 12)}…` : portText} is out of range (1–65535).`);
    port = `:${n}`;
  }

  if (tail !== "" && !PATH.test(tail)) {
    if (tail.includes("%")) return bad("The backend path cannot contain '%' escapes: use letters, digits and . _ ~ / - only.");
    const ch = [...tail].find((c) => !/[A-Za-z0-9._~/-]/.test(c)) ?? "";
    return bad(`The backend path cannot contain ${quote(ch)}: use letters, digits and . _ ~ / - only.`);
  }
  const https = scheme[1]!.toLowerCase() === "https";
  return { ok: true, url: `${https ? "https" : "http"}://${host}${port}${tail}`, https };
}

/**
 * A certificate name in the certificate store: the bundle reads `<certDir>/<name>/fullchain.pem` and
 * `privkey.pem`, so the name is one folder name. Null when valid.
 */
export function certificateRefProblem(ref: string): string | null {
  if (ref.includes("/")) return "A certificate name cannot contain '/': enter the name of the certificate's folder in the certificate store.";
  if (ref.length > CERTIFICATE_REF_MAX) return `A certificate name has at most ${CERTIFICATE_REF_MAX} characters.`;
  if (!/^[A-Za-z0-9._-]+$/.test(ref)) return "A certificate name may contain only letters, digits, '.', '_' and '-'.";
  if (!/^[A-Za-z0-9]/.test(ref)) return "A certificate name starts with a letter or digit.";
  return null;
}

function quote(s: string): string {
  return JSON.stringify(s.length > 60 ? `${s.slice(0, 60)}…` : s);
}
