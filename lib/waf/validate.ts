// Field validators of the compiler. Each one either returns the value in the exact form the compiler
// writes, or throws a CompileError naming the vhost and the field. The accepted character sets are
// deliberately narrow: a value that passes can be written into nginx and ModSecurity files without
// quoting tricks, so no stored text can end a directive or start a new one.
import ipaddr from "ipaddr.js";
import { validateSecRule } from "../rules/secrule";
import { certificateRefProblem, parseBackendUrl } from "./field-rules";
import { CompileError } from "./types";

export type FieldScope = { vhost: string | null; vhostId: string | null };

export function fail(scope: FieldScope, field: string, reason: string): never {
  throw new CompileError(scope.vhost, scope.vhostId, field, reason);
}

/** Control characters, DEL, C1 controls and the Unicode line/paragraph separators. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

function requireString(scope: FieldScope, field: string, value: unknown): string {
  if (typeof value !== "string") fail(scope, field, "must be a string");
  return value;
}

export function integerIn(scope: FieldScope, field: string, value: unknown, min: number, max: number): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < min || value > max) {
    fail(scope, field, `must be a whole number from ${min} to ${max}`);
  }
  return value;
}

export function oneOf<T extends string>(scope: FieldScope, field: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== "string" || !(allowed as readonly string[]).includes(value)) {
    fail(scope, field, `must be one of ${allowed.join(", ")}`);
  }
  return value as T;
}

/** Treats null, undefined and "" alike: "not set" (a form's empty input). Whitespace is a value. */
export function optionalString(scope: FieldScope, field: string, value: unknown): string | null {
  if (value === null || value === undefined) return null;
  const s = requireString(scope, field, value);
  return s === "" ? null : s;
}

// ---------------------------------------------------------------------------------------------------
// Host names

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** A DNS host name (IDNs in their xn-- form), lower-cased. Aliases may start with "*." (nginx wildcard). */
export function hostName(scope: FieldScope, field: string, value: unknown, allowWildcard: boolean): string {
  const raw = requireString(scope, field, value);
  const name = raw.toLowerCase();
  const body = allowWildcard && name.startsWith("*.") ? name.slice(2) : name;
  const labels = body.split(".");
  if (body.length === 0 || body.length > 253 || !labels.every((l) => LABEL.test(l))) {
    fail(
      scope,
      field,
      `${JSON.stringify(clip(raw))} is not a host name (letters, digits and hyphens in dot-separated labels` +
        `${allowWildcard ? ', optionally starting with "*."' : ""}; write IDNs as xn--)`,
    );
  }
  return name;
}

// ---------------------------------------------------------------------------------------------------
// Backend URL

/** http(s)://host[:port][/path], checked by the vhost form's own rule (lib/waf/field-rules.ts). */
export function backendUrl(scope: FieldScope, field: string, value: unknown): { url: string; https: boolean } {
  const r = parseBackendUrl(requireString(scope, field, value));
  if (!r.ok) return fail(scope, field, r.message);
  return { url: r.url, https: r.https };
}

// ---------------------------------------------------------------------------------------------------
// IP addresses and ranges

export type Cidr = { family: 4 | 6; bytes: number[]; prefix: number; text: string };

/**
 * Four decimal octets without leading zeros: the rule of ipaddr's isValidFourPartDecimal, checked here
 * because that one throws and catches an Error for every IPv6 address and builds objects for every IPv4
 * one: over a tenth of a 10,000-vhost compile (profiled).
 */
const FOUR_PART = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$/;
function fourPartIPv4(s: string): number[] | null {
  const m = FOUR_PART.exec(s);
  if (!m) return null;
  const octets = [Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4])];
  return octets.every((o) => o <= 255) ? octets : null;
}

const CIDR_SHAPE = /^([0-9A-Fa-f:.]+)(?:\/(\d{1,3}))?$/;

/**
 * An IPv4 or IPv6 address or CIDR range in the form ModSecurity's @ipMatch accepts: the network address
 * (host bits cleared), single addresses bare (v3 rejects ::1/128, v2 rejects /32).
 */
export function cidr(scope: FieldScope, field: string, value: unknown): Cidr {
  const raw = requireString(scope, field, value);
  const bad = (why: string): never => fail(scope, field, `${JSON.stringify(clip(raw))} ${why}`);
  const m = CIDR_SHAPE.exec(raw);
  if (!m) return bad("is not an IP address or CIDR range");
  const addressText = m[1]!;
  let family: 4 | 6;
  let addressBytes = fourPartIPv4(addressText);
  if (addressBytes !== null) family = 4;
  else if (addressText.includes(":") && ipaddr.IPv6.isValid(addressText)) {
    const address = ipaddr.IPv6.parse(addressText);
    if (address.isIPv4MappedAddress()) return bad("is an IPv4-mapped IPv6 address: write the IPv4 address instead");
    family = 6;
    addressBytes = address.toByteArray();
  } else return bad("is not an IP address or CIDR range");
  const bits = family === 4 ? 32 : 128;
  const prefix = m[2] === undefined ? bits : Number(m[2]);
  if (prefix > bits) return bad(`has a prefix longer than ${bits} bits`);
  const bytes = addressBytes.map((b, i) => {
    const keep = Math.max(0, Math.min(8, prefix - i * 8));
    return b & ((0xff << (8 - keep)) & 0xff);
  });
  const network = family === 4 ? bytes.join(".") : ipaddr.fromByteArray(bytes).toString();
  return { family, bytes, prefix, text: prefix === bits ? network : `${network}/${prefix}` };
}

export function compareCidr(a: Cidr, b: Cidr): number {
  if (a.family !== b.family) return a.family - b.family;
  for (let i = 0; i < a.bytes.length; i++) {
    const d = (a.bytes[i] ?? 0) - (b.bytes[i] ?? 0);
    if (d !== 0) return d;
  }
  return a.prefix - b.prefix;
}

/** An IP literal to listen on (settings). IPv6 comes back in brackets, as nginx's listen wants it. */
export function listenAddress(scope: FieldScope, field: string, value: unknown): string {
  const raw = requireString(scope, field, value);
  if (fourPartIPv4(raw) !== null) return raw;
  const inner = raw.startsWith("[") && raw.endsWith("]") ? raw.slice(1, -1) : raw;
  if (/^[0-9A-Fa-f:.]+$/.test(inner) && inner.includes(":") && ipaddr.IPv6.isValid(inner)) {
    return `[${ipaddr.IPv6.parse(inner).toString()}]`;
  }
  return fail(scope, field, `${JSON.stringify(clip(raw))} is not an IP address`);
}

/** A certificate name (lib/waf/field-rules.ts); it resolves to <certDir>/<ref>/fullchain.pem and privkey.pem. */
export function certificateRef(scope: FieldScope, field: string, value: unknown): string {
  const raw = requireString(scope, field, value);
  const problem = certificateRefProblem(raw);
  return problem ? fail(scope, field, problem) : raw;
}

/** A file or directory path from the settings (absolute or relative to the bundle). */
export function settingsPath(scope: FieldScope, field: string, value: unknown): string {
  const raw = requireString(scope, field, value);
  if (!/^[A-Za-z0-9_.\/+-]{1,1024}$/.test(raw) || raw.startsWith("#")) {
    fail(scope, field, `${JSON.stringify(clip(raw))} is not a path (letters, digits and _ . / + - only)`);
  }
  const trimmed = raw.replace(/\/+$/, "");
  return trimmed === "" ? "/" : trimmed;
}

// ---------------------------------------------------------------------------------------------------
// Free text that goes into comments

const COMMENT_SAFE = /^[\p{L}\p{N}\p{P}\p{S} ]*$/u;

/**
 * Text for a `#` comment line: letters, digits, punctuation, symbols and spaces survive; everything
 * else (line breaks, other control characters, backslashes) becomes "?". Comments are for people
 * reading the bundle; they never carry meaning.
 */
export function commentText(value: unknown, max = 160): string {
  if (typeof value !== "string") return "";
  // Fast path, one regex instead of one per character: nothing to replace and nothing to clip (most comments).
  if (value.length <= max && COMMENT_SAFE.test(value) && !value.includes("\\")) return value.trim();
  const cleaned = Array.from(value)
    .map((ch) => (ch === "\\" || !/^[\p{L}\p{N}\p{P}\p{S} ]$/u.test(ch) ? "?" : ch))
    .join("")
    .trim();
  const chars = Array.from(cleaned);
  return chars.length > max ? `${chars.slice(0, max - 3).join("")}...` : cleaned;
}

export function clip(s: string, max = 60): string {
  return s.length > max ? `${s.slice(0, max)}...` : s;
}

// ---------------------------------------------------------------------------------------------------
// Custom rules

/**
 * A stored custom rule, checked with the same validator as the custom rule form and its action
 * (lib/rules/secrule.ts): one definition of a valid rule, so a rule saved through the form always
 * compiles, and a rule stored before a check was tightened is refused here with the form's message.
 */
export function customRuleText(scope: FieldScope, field: string, value: unknown, ruleId: number): string {
  const raw = requireString(scope, field, value);
  const result = validateSecRule(raw, { expectedId: ruleId });
  if (result.ok) return result.directive;
  const first = result.errors[0]!;
  const others = result.errors.length - 1;
  const where = first.column !== undefined ? `column ${first.column}: ` : "";
  const more = others > 0 ? ` The rule has ${others} more problem${others > 1 ? "s" : ""}.` : "";
  return fail(scope, field, `custom rule ${ruleId} is refused, ${where}${first.message}${more} Edit or disable it on the vhost's Custom rules page.`);
}
