// The client's address, for the sign-in throttle, the node-API failure limiter and the audit log.
//
// Headers a client sends are not evidence of where it is: anyone can send `X-Forwarded-For: 10.0.0.1`.
// So the address starts from the TCP connection (the peer) and X-Forwarded-For is read only from
// proxies the deployment names in PALISADE_TRUSTED_PROXIES (addresses or CIDR ranges, comma or space
// separated; none by default). The client is the nearest hop, walking from the peer leftwards through
// X-Forwarded-For, that is not one of those proxies. Without the setting it is the peer itself.
//
// Next.js gives application code no socket: route handlers, server actions and proxy.ts see headers
// only, and Next fills X-Forwarded-For from the socket only when the client sent none (`??=`), so that
// header cannot tell the two apart. instrumentation.ts therefore calls installPeerAddressStamp(), which
// subscribes to Node's `http.server.request.start` diagnostics channel — published for every request
// before any handler runs — and writes the socket's address into PEER_HEADER, overwriting whatever the
// client sent under that name. clientAddress() believes PEER_HEADER only in a process where that stamp
// is installed; elsewhere (a server that does not load instrumentation.ts) the peer is unknown and the
// answer is null, never a header the client chose.
import dc from "node:diagnostics_channel";
import type { IncomingMessage } from "node:http";
import type { Socket } from "node:net";
import ipaddr from "ipaddr.js";

/** Internal request header carrying the socket's address; set by the stamp, never taken from a client. */
export const PEER_HEADER = "x-palisade-peer";
export const TRUSTED_PROXIES_ENV = "PALISADE_TRUSTED_PROXIES";

const STAMPED = Symbol.for("palisade.peer-address-stamp");
type StampGlobal = typeof globalThis & { [STAMPED]?: (message: unknown) => void };

/** Subscribes (once per process) the stamp that writes each request's socket address into PEER_HEADER. */
export function installPeerAddressStamp(): void {
  const g = globalThis as StampGlobal;
  if (g[STAMPED]) return;
  const stamp = (message: unknown) => {
    const { request, socket } = message as { request: IncomingMessage; socket: Socket };
    request.headers[PEER_HEADER] = socket.remoteAddress ?? "";
  };
  dc.subscribe("http.server.request.start", stamp);
  g[STAMPED] = stamp;
}

export function peerAddressStampInstalled(): boolean {
  return Boolean((globalThis as StampGlobal)[STAMPED]);
}

/**
 * One address in its one written form (`192.0.2.7`, `2001:db8::1`; IPv4-mapped IPv6 as IPv4), or null
 * for anything else: a header value like `=1+2` never reaches the throttle or the audit log.
 * Accepts what proxies write in X-Forwarded-For: a bare address, `[v6]:port`, `v4:port`.
 */
export function normalizeAddress(raw: string | null | undefined): string | null {
  if (typeof raw !== "string") return null;
  let text = raw.trim();
  if (text.length === 0 || text.length > 64) return null;
  const bracketed = /^\[([^\]]+)\](?::\d{1,5})?$/.exec(text);
  if (bracketed) text = bracketed[1]!;
  else if (/^\d{1,3}(\.\d{1,3}){3}:\d{1,5}$/.test(text)) text = text.slice(0, text.lastIndexOf(":"));
  const zone = text.indexOf("%");
  if (zone !== -1 && text.includes(":")) text = text.slice(0, zone); // a link-local zone names our interface, not the client
  if (ipaddr.IPv4.isValidFourPartDecimal(text)) return ipaddr.IPv4.parse(text).toString();
  if (!text.includes(":") || !ipaddr.IPv6.isValid(text)) return null;
  const v6 = ipaddr.IPv6.parse(text);
  return v6.isIPv4MappedAddress() ? v6.toIPv4Address().toString() : v6.toRFC5952String();
}

export type TrustedProxies = readonly [ipaddr.IPv4 | ipaddr.IPv6, number][];

/** Parses PALISADE_TRUSTED_PROXIES. Throws with the offending entry: a typo must not silently trust nobody or everybody. */
export function parseTrustedProxies(text: string | undefined): TrustedProxies {
  const ranges: [ipaddr.IPv4 | ipaddr.IPv6, number][] = [];
  for (const entry of (text ?? "").split(/[\s,]+/).filter(Boolean)) {
    const [addressText, prefixText, ...rest] = entry.split("/");
    const address = normalizeAddress(addressText);
    const parsed = address ? ipaddr.parse(address) : null;
    const bits = parsed?.kind() === "ipv4" ? 32 : 128;
    const prefix = prefixText === undefined ? bits : /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : NaN;
    if (!parsed || rest.length > 0 || !(prefix >= 0 && prefix <= bits)) {
      throw new Error(`${TRUSTED_PROXIES_ENV}: '${entry}' is not an IP address or CIDR range (like 10.0.0.5 or 10.0.0.0/24).`);
    }
    ranges.push([parsed, prefix]);
  }
  return ranges;
}

let cached: { text: string | undefined; ranges: TrustedProxies } | null = null;

/** The trusted proxies configured in the environment (parsed once per value). */
export function trustedProxies(): TrustedProxies {
  const text = process.env[TRUSTED_PROXIES_ENV];
  if (!cached || cached.text !== text) cached = { text, ranges: parseTrustedProxies(text) };
  return cached.ranges;
}

function isTrusted(address: string, trusted: TrustedProxies): boolean {
  const parsed = ipaddr.parse(address);
  return trusted.some(([range, prefix]) => range.kind() === parsed.kind() && parsed.match(range, prefix));
}

type HeaderSource = { get(name: string): string | null } | Record<string, string | string[] | undefined> | null | undefined;

function header(headers: HeaderSource, name: string): string | null {
  if (!headers) return null;
  if (typeof (headers as { get?: unknown }).get === "function") return (headers as { get(name: string): string | null }).get(name);
  const v = (headers as Record<string, string | string[] | undefined>)[name];
  return (Array.isArray(v) ? v.join(", ") : v) ?? null;
}

/**
 * The client's address for a request's headers, or null when it cannot be known. `trusted` defaults to
 * PALISADE_TRUSTED_PROXIES; `peerStamped` to whether this process stamps PEER_HEADER.
 */
export function clientAddress(
  headers: HeaderSource,
  options: { trusted?: TrustedProxies; peerStamped?: boolean } = {},
): string | null {
  if (!(options.peerStamped ?? peerAddressStampInstalled())) return null;
  const peer = normalizeAddress(header(headers, PEER_HEADER));
  if (!peer) return null;
  const trusted = options.trusted ?? trustedProxies();
  let client = peer;
  if (trusted.length === 0 || !isTrusted(peer, trusted)) return client;
  // The peer is one of our proxies: believe what it (and each trusted proxy before it) says it saw.
  const hops = (header(headers, "x-forwarded-for") ?? "").split(",").reverse();
  for (const hop of hops) {
    const address = normalizeAddress(hop);
    // A hop a trusted proxy wrote that is not an address: stop at the last one that was.
    if (!address) return client;
    client = address;
    if (!isTrusted(address, trusted)) return client;
  }
  return client; // every hop was a trusted proxy: the request came from the proxies themselves
}
