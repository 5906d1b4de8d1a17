// The client address as a sortable key, so that "events from this address or range" is one range scan on
// the (clientKey, occurredAt) index, for IPv4 and IPv6 alike, on both databases: "4" followed by the 8
// lower-case hex digits of an IPv4 address, "6" followed by the 32 of an IPv6 one. Keys of one family all
// have the same length and text compares them byte by byte (PostgreSQL's column is COLLATE "C"), so the
// addresses of a CIDR range are exactly the keys from its first to its last address.
//
// IPv4-mapped IPv6 (::ffff:192.0.2.7, as a dual-stack listener may report a client) is keyed as the IPv4
// address: the panel's filters and IP lists write IPv4 clients in IPv4 form (lib/policies/cidr.ts).
import ipaddr from "ipaddr.js";
import type { ParsedCidr } from "@/lib/policies/cidr";

const hex = (bytes: number[]) => bytes.map((b) => b.toString(16).padStart(2, "0")).join("");

const DOTTED_QUAD = /^(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})$/;

/** The key of a client address as ModSecurity reports it, or null for text that is not an IP address. */
export function clientKey(address: string): string | null {
  const text = address.trim();
  // Most addresses are IPv4 in four decimal parts: keyed without ipaddr.js's three parses (ingestion's hot path).
  const quad = DOTTED_QUAD.exec(text);
  if (quad) {
    const bytes = [Number(quad[1]), Number(quad[2]), Number(quad[3]), Number(quad[4])];
    return bytes.every((b) => b <= 255) ? `4${hex(bytes)}` : null;
  }
  if (!ipaddr.isValid(text) || text.includes("%")) return null;
  // ipaddr.isValid also takes short and octal IPv4 forms (10.1, 010.0.0.1): ModSecurity never writes them.
  if (!text.includes(":") && !ipaddr.IPv4.isValidFourPartDecimal(text)) return null;
  const parsed = ipaddr.process(text);
  return parsed.kind() === "ipv4" ? `4${hex(parsed.toByteArray())}` : `6${hex(parsed.toByteArray())}`;
}

/** The first and last key of a range (parsed by parseCidr, so the host bits are zero). */
export function clientKeyRange(c: ParsedCidr): { first: string; last: string } {
  const bytes = ipaddr.parse(c.address).toByteArray();
  const last = bytes.map((b, i) => {
    const hostBits = Math.min(8, Math.max(0, (i + 1) * 8 - c.prefixLength));
    return b | ((1 << hostBits) - 1);
  });
  const family = c.family === "ipv4" ? "4" : "6";
  return { first: family + hex(bytes), last: family + hex(last) };
}
