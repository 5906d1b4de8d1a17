// Backends that point back into the WAF node itself or at its link-local neighbours: the node's own
// services on loopback, the cloud metadata endpoint (169.254.169.254, which hands out the machine's
// credentials), other link-local hosts, or one of the node's own listen addresses (a proxy loop). Such
// a backend is sometimes wanted (an app on the same machine), so it is not refused outright: the vhost
// service asks for an explicit confirmation (`confirmInternalBackend`) and the vhost is flagged
// "backend is internal" in the list and on its page.
//
// Pure: the caller passes the node addresses it knows (PALISADE_LISTEN_ADDRESSES). The host is read the
// way the WHATWG URL parser reads it, so 127.1, 2130706433, 0x7f.0.0.1 and [::ffff:127.0.0.1] are all
// loopback; a host name is judged by name only (localhost, *.localhost, metadata names): the panel
// cannot see the nodes' DNS.
import ipaddr from "ipaddr.js";

export type BackendRiskKind = "loopback" | "metadata" | "link-local" | "unspecified" | "node-address";

export type BackendRisk = { kind: BackendRiskKind; host: string; message: string };

export const CONFIRM_INTERNAL_BACKEND_FIELD = "confirmInternalBackend";

/** Well-known cloud metadata endpoints (AWS, GCP, Azure, OpenStack: 169.254.169.254; AWS IPv6; Alibaba). */
const METADATA_ADDRESSES = new Set(["169.254.169.254", "fd00:ec2::254", "100.100.100.200"]);
const METADATA_NAMES = new Set(["metadata", "metadata.google.internal", "metadata.goog", "instance-data", "instance-data.ec2.internal"]);

const WHY: Record<BackendRiskKind, string> = {
  loopback: "a loopback address: the WAF node would forward requests to its own local services",
  metadata: "the cloud metadata endpoint: it hands out the machine's credentials",
  "link-local": "a link-local address (169.254.0.0/16 or fe80::/10), not a routed backend",
  unspecified: "the unspecified address (0.0.0.0 or ::), which reaches the WAF node itself",
  "node-address": "one of the WAF node's own listen addresses (PALISADE_LISTEN_ADDRESSES): a proxy loop",
};

export function internalBackendMessage(risk: Pick<BackendRisk, "kind" | "host">): string {
  return `The backend is internal: ${risk.host} is ${WHY[risk.kind]}. Tick "This backend is internal, I confirm it" to save it anyway.`;
}

function parseHost(url: string): string | null {
  try {
    const u = new URL(url);
    if (u.protocol !== "http:" && u.protocol !== "https:") return null;
    return u.hostname.toLowerCase().replace(/\.$/, "");
  } catch {
    return null;
  }
}

function parseAddress(text: string): ipaddr.IPv4 | ipaddr.IPv6 | null {
  const bare = text.startsWith("[") && text.endsWith("]") ? text.slice(1, -1) : text;
  if (!ipaddr.isValid(bare)) return null;
  const a = ipaddr.parse(bare);
  // ::ffff:127.0.0.1 reaches 127.0.0.1.
  return a.kind() === "ipv6" && (a as ipaddr.IPv6).isIPv4MappedAddress() ? (a as ipaddr.IPv6).toIPv4Address() : a;
}

/** Why a backend URL is internal, or null when it is not (or is not a URL this function can read). */
export function internalBackendRisk(url: string, nodeAddresses: readonly string[] = []): BackendRisk | null {
  const host = parseHost(url);
  if (host === null || host === "") return null;
  const risk = (kind: BackendRiskKind): BackendRisk => ({ kind, host, message: internalBackendMessage({ kind, host }) });

  const address = parseAddress(host);
  if (address === null) {
    if (host === "localhost" || host.endsWith(".localhost")) return risk("loopback");
    if (METADATA_NAMES.has(host)) return risk("metadata");
    return null;
  }
  const canonical = address.toString();
  if (METADATA_ADDRESSES.has(canonical)) return risk("metadata");
  const range = address.range();
  if (range === "loopback") return risk("loopback");
  if (range === "unspecified") return risk("unspecified");
  if (range === "linkLocal") return risk("link-local");
  for (const own of nodeAddresses) {
    const a = parseAddress(own.trim());
    if (a && a.kind() === address.kind() && a.toString() === canonical) return risk("node-address");
  }
  return null;
}
