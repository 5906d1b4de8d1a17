import http from "node:http";
import { describe, expect, it } from "vitest";
import { clientAddress, installPeerAddressStamp, normalizeAddress, parseTrustedProxies, PEER_HEADER } from "./client-address";

const stamped = { peerStamped: true } as const;
const none = parseTrustedProxies("");
const proxies = parseTrustedProxies("10.0.0.2, 10.1.0.0/16 2001:db8:ff::/48");

describe("normalizeAddress", () => {
  it("writes an address one way", () => {
    expect(normalizeAddress("192.0.2.7")).toBe("192.0.2.7");
    expect(normalizeAddress(" 192.0.2.7 ")).toBe("192.0.2.7");
    expect(normalizeAddress("2001:DB8:0:0::1")).toBe("2001:db8::1");
    expect(normalizeAddress("::ffff:192.0.2.7")).toBe("192.0.2.7");
    expect(normalizeAddress("[2001:db8::1]:443")).toBe("2001:db8::1");
    expect(normalizeAddress("192.0.2.7:51234")).toBe("192.0.2.7");
    expect(normalizeAddress("fe80::1%eth0")).toBe("fe80::1");
  });

  it.each(["=1+2", "", "unknown", "1.2.3", "010.0.0.1", "0x7f.0.0.1", "167772161", "1.2.3.4, 5.6.7.8", "evil.example", "<script>", "1.2.3.4\u0000", "::ffff:1.2.3.4.5", null, undefined])(
    "refuses %j",
    (raw) => expect(normalizeAddress(raw as string)).toBeNull(),
  );
});

describe("parseTrustedProxies", () => {
  it("reads addresses and ranges, comma or space separated", () => {
    expect(parseTrustedProxies(" 10.0.0.2,10.1.0.0/16  ::1 ").map(([a, p]) => `${a.toString()}/${p}`)).toEqual(["10.0.0.2/32", "10.1.0.0/16", "::1/128"]);
    expect(parseTrustedProxies(undefined)).toEqual([]);
  });
  it.each(["10.0.0.0/33", "10.0.0.0/x", "proxy.internal", "10.0.0.0/8/8", "=1+2"])("refuses %j, naming it", (entry) => {
    expect(() => parseTrustedProxies(`10.0.0.1, ${entry}`)).toThrow(`'${entry}'`);
  });
});

describe("clientAddress", () => {
  const h = (peer: string | null, xff?: string) => new Headers({ ...(peer !== null ? { [PEER_HEADER]: peer } : {}), ...(xff !== undefined ? { "x-forwarded-for": xff } : {}) });

  it("without trusted proxies is the socket's address, whatever X-Forwarded-For says", () => {
    expect(clientAddress(h("203.0.113.9", "198.51.100.1"), { ...stamped, trusted: none })).toBe("203.0.113.9");
    expect(clientAddress(h("203.0.113.9", "=1+2"), { ...stamped, trusted: none })).toBe("203.0.113.9");
    expect(clientAddress(h("::ffff:127.0.0.1"), { ...stamped, trusted: none })).toBe("127.0.0.1");
  });

  it("is unknown (null) when the process does not stamp the socket's address, even if the header is there", () => {
    expect(clientAddress(h("203.0.113.9", "198.51.100.1"), { peerStamped: false, trusted: none })).toBeNull();
    expect(clientAddress(h(null, "198.51.100.1"), { ...stamped, trusted: none })).toBeNull();
    expect(clientAddress(h("garbage", "198.51.100.1"), { ...stamped, trusted: proxies })).toBeNull();
  });

  it("from a trusted proxy is the nearest hop that is not one", () => {
    // The client wrote the first two hops itself; the proxy appended what it saw.
    expect(clientAddress(h("10.0.0.2", "1.1.1.1, =1+2, 198.51.100.7"), { ...stamped, trusted: proxies })).toBe("198.51.100.7");
    // Two of our proxies in a row.
    expect(clientAddress(h("10.0.0.2", "1.1.1.1, 198.51.100.7, 10.1.4.4"), { ...stamped, trusted: proxies })).toBe("198.51.100.7");
    expect(clientAddress(h("2001:db8:ff::10", "[2001:db8:1::5]:5555"), { ...stamped, trusted: proxies })).toBe("2001:db8:1::5");
    // An untrusted peer's X-Forwarded-For is ignored.
    expect(clientAddress(h("203.0.113.9", "198.51.100.7"), { ...stamped, trusted: proxies })).toBe("203.0.113.9");
  });

  it("stops at a hop that is not an address, and answers a proxy's own request with the proxy", () => {
    expect(clientAddress(h("10.0.0.2", "198.51.100.7, =1+2"), { ...stamped, trusted: proxies })).toBe("10.0.0.2");
    expect(clientAddress(h("10.0.0.2", "10.1.0.9, 198.51.100.7 ,, 10.1.0.8"), { ...stamped, trusted: proxies })).toBe("10.1.0.8");
    expect(clientAddress(h("10.0.0.2"), { ...stamped, trusted: proxies })).toBe("10.0.0.2");
    expect(clientAddress(h("10.0.0.2", "10.1.0.9"), { ...stamped, trusted: proxies })).toBe("10.1.0.9");
  });

  it("reads plain header records (next-auth's request) as well as Headers", () => {
    expect(clientAddress({ [PEER_HEADER]: "10.0.0.2", "x-forwarded-for": ["1.1.1.1", "198.51.100.7"] }, { ...stamped, trusted: proxies })).toBe("198.51.100.7");
  });

  it("gets the socket's address from a real server, overwriting a header the client sent under that name", async () => {
    installPeerAddressStamp();
    installPeerAddressStamp(); // once per process
    const server = http.createServer((req, res) => res.end(JSON.stringify({ peer: req.headers[PEER_HEADER], client: clientAddress(req.headers, { trusted: none }) })));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = server.address() as { port: number };
      const res = await fetch(`http://127.0.0.1:${port}/`, { headers: { [PEER_HEADER]: "198.51.100.66", "x-forwarded-for": "198.51.100.77" } });
      expect(await res.json()).toEqual({ peer: "127.0.0.1", client: "127.0.0.1" });
    } finally {
      server.close();
    }
  });
});
