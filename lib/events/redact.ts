// Redaction at the source: what the node agent removes from an event before it leaves the node. Stored
// events must never hold a session cookie, a credential or a password someone typed into a form, even
// when that value is what a rule matched.
//
// Two layers, because ModSecurity logs values in many places (matched data, the variable's value, the
// URI, REQUEST_LINE, REQUEST_BODY…):
// 1. By name: a match on a cookie, on a sensitive header or on an argument whose name looks like a secret
//    has its data and value replaced; `name=value` pairs with such names are redacted in every text.
// 2. By value: every secret value seen in the raw transaction (cookie values, Authorization credentials,
//    secret arguments) is replaced wherever it appears, raw or percent-encoded. Values shorter than
//    MIN_SCRUB_LENGTH are left to layer 1 (scrubbing "1" everywhere would destroy the event).
import type { EventMatch, WafEvent } from "./schema";

export const REDACTED = "[redacted]";
export const MIN_SCRUB_LENGTH = 4;

/** Header names (lower case) whose values are credentials. */
export const SENSITIVE_HEADERS = ["cookie", "set-cookie", "authorization", "proxy-authorization"] as const;

/**
 * Argument-name words that mark a secret. A name is split into words (user[password], api_key, accessToken
 * → user/password, api/key, access/token) and is secret when one word, or the whole name, is listed.
 */
export const DEFAULT_SECRET_NAMES = [
  "password", "passwd", "pwd", "pass", "passphrase", "secret", "token", "key", "apikey", "api_key",
  "auth", "credential", "credentials", "session", "sessionid", "otp", "pin", "ssn",
] as const;

export type RedactOptions = {
  /** Replaces DEFAULT_SECRET_NAMES (lower case words). */
  secretNames?: readonly string[];
};

/** The parts of a raw audit-log transaction redaction reads. */
export type RawForRedaction = {
  uri: string;
  requestHeaders: Record<string, string>;
  responseHeaders: Record<string, string>;
  /** Variable/value pairs from the messages, before any redaction. */
  matched: { variable: string | null; value: string | null; data: string | null }[];
};

function words(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
}

export function isSecretName(name: string, options: RedactOptions = {}): boolean {
  const list = new Set((options.secretNames ?? DEFAULT_SECRET_NAMES).map((n) => n.toLowerCase()));
  const lower = name.toLowerCase().trim();
  return list.has(lower) || words(name).some((w) => list.has(w));
}

const ARG_COLLECTIONS = new Set(["ARGS", "ARGS_GET", "ARGS_POST", "MATCHED_VAR", "MATCHED_VARS", "TX"]);

/** A match whose data and value are a secret because of where they were found. */
export function isSensitiveVariable(variable: string | null, options: RedactOptions = {}): boolean {
  if (!variable) return false;
  const colon = variable.indexOf(":");
  const collection = (colon < 0 ? variable : variable.slice(0, colon)).toUpperCase();
  const key = colon < 0 ? "" : variable.slice(colon + 1);
  if (collection === "REQUEST_COOKIES" || collection === "RESPONSE_COOKIES") return true;
  if (collection === "REQUEST_HEADERS" || collection === "RESPONSE_HEADERS") {
    return (SENSITIVE_HEADERS as readonly string[]).includes(key.toLowerCase());
  }
  if (ARG_COLLECTIONS.has(collection) || collection === "FILES") return key !== "" && isSecretName(key, options);
  return false;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, " "));
  } catch {
    return text;
  }
}

/**
 * Replaces the values of `name=value` pairs whose name looks secret, in a query string, a URI, a request
 * line or a form body (also when the text was cut off inside the value).
 */
export function redactPairs(text: string, options: RedactOptions = {}): string {
  return text.replace(/(^|[?&;\s])([^=&;?\s]+)=([^&;\s]*)/g, (whole, lead: string, name: string, value: string) => {
    if (value === "" || value === REDACTED) return whole;
    return isSecretName(safeDecode(name), options) ? `${lead}${name}=${REDACTED}` : whole;
  });
}

/** Every value in the raw transaction that is a secret, longest first. */
export function collectSecrets(raw: RawForRedaction, options: RedactOptions = {}): string[] {
  const found = new Set<string>();
  const add = (v: string | null | undefined) => {
    const t = v?.trim();
    if (t && t.length >= MIN_SCRUB_LENGTH && t !== REDACTED) found.add(t);
  };
  const headers = [...Object.entries(raw.requestHeaders), ...Object.entries(raw.responseHeaders)];
  for (const [name, value] of headers) {
    const n = name.toLowerCase();
    if (!(SENSITIVE_HEADERS as readonly string[]).includes(n) || typeof value !== "string") continue;
    add(value);
    if (n === "cookie" || n === "set-cookie") {
      for (const part of value.split(/;\s*/)) {
        const eq = part.indexOf("=");
        if (eq > 0) add(part.slice(eq + 1));
      }
    } else {
      const [scheme, credential] = value.trim().split(/\s+/, 2);
      add(credential);
      if (scheme?.toLowerCase() === "basic" && credential) {
        const decoded = Buffer.from(credential, "base64").toString("utf8");
        add(decoded);
        add(decoded.slice(decoded.indexOf(":") + 1));
      }
    }
  }
  const query = raw.uri.includes("?") ? raw.uri.slice(raw.uri.indexOf("?") + 1) : "";
  for (const pair of query.split(/[&;]/)) {
    const eq = pair.indexOf("=");
    if (eq > 0 && isSecretName(safeDecode(pair.slice(0, eq)), options)) {
      add(pair.slice(eq + 1));
      add(safeDecode(pair.slice(eq + 1)));
    }
  }
  for (const m of raw.matched) {
    if (isSensitiveVariable(m.variable, options)) {
      add(m.value);
      add(m.data);
    }
  }
  return [...found].sort((a, b) => b.length - a.length);
}

/** Replaces every occurrence of each secret, raw and percent-encoded. */
export function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) {
    for (const form of new Set([s, encodeURIComponent(s), encodeURI(s)])) {
      if (form.length >= MIN_SCRUB_LENGTH && out.includes(form)) out = out.split(form).join(REDACTED);
    }
  }
  return out;
}

/** The event with every secret replaced by REDACTED. Pure: `secrets` comes from collectSecrets. */
export function redactEvent(event: WafEvent, secrets: readonly string[], options: RedactOptions = {}): WafEvent {
  const text = (t: string) => scrub(redactPairs(t, options), secrets);
  const nullable = (t: string | null) => (t === null ? null : text(t));
  return {
    ...event,
    uri: text(event.uri),
    matches: event.matches.map(
      (m): EventMatch => ({
        ...m,
        message: text(m.message),
        variable: m.variable === null ? null : scrub(m.variable, secrets),
        data: isSensitiveVariable(m.variable, options) && m.data !== null ? REDACTED : nullable(m.data),
        value: isSensitiveVariable(m.variable, options) && m.value !== null ? REDACTED : nullable(m.value),
      }),
    ),
  };
}
