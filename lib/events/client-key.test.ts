import { describe, expect, it } from "vitest";
import { parseCidr } from "@/lib/policies/cidr";
import { clientKey, clientKeyRange } from "./client-key";

const range = (cidr: string) => {
  const p = parseCidr(cidr);
  if (!p.ok) throw new Error(p.error);
  return clientKeyRange(p.value);
};
const inRange = (address: string, cidr: string) => {
  const k = clientKey(address)!;
  const r = range(cidr);
  return k >= r.first && k <= r.last;
};

describe("clientKey", () => {
  it("keys IPv4 as 4 + 8 hex digits and IPv6 as 6 + 32, whatever way the address is written", () => {
    expect(clientKey("192.0.2.7")).toBe("4c0000207");
    expect(clientKey("2001:db8::1")).toBe("620010db8000000000000000000000001");
    expect(clientKey("2001:0DB8:0:0:0:0:0:1")).toBe(clientKey("2001:db8::1"));
    expect(clientKey("::ffff:192.0.2.7")).toBe("4c0000207");
  });

  it("gives no key to text that is not an address ModSecurity would write", () => {
    for (const t of ["unknown", "", "10.1", "010.0.0.1", "fe80::1%eth0", "192.0.2.7/24", "256.0.0.1", "1.2.3.999", "1.2.3.4.5", "1.2.3.-4"]) expect(clientKey(t), t).toBeNull();
  });

  it("keys a four-part IPv4 address as ipaddr.js reads it (the same address written as IPv4-mapped IPv6)", () => {
    const parts = [0, 1, 9, 10, 99, 100, 127, 192, 199, 200, 249, 250, 255];
    for (const a of parts) for (const b of parts) {
      const address = `${a}.${b}.${255 - a}.${b}`;
      expect(clientKey(address), address).toBe(clientKey(`::ffff:${address}`));
    }
    expect(clientKey(" 0.0.0.0 ")).toBe("400000000");
    expect(clientKey("255.255.255.255")).toBe("4ffffffff");
  });

  it("sorts like the addresses: a CIDR range is exactly the keys between its first and last address", () => {
    expect(range("192.0.2.0/24")).toEqual({ first: "4c0000200", last: "4c00002ff" });
    expect(range("2001:db8::/32")).toEqual({ first: "620010db8000000000000000000000000", last: "620010db8ffffffffffffffffffffffff" });
    expect(range("10.0.0.0/13").last).toBe("40a07ffff");
    expect(inRange("2001:db8:ffff::5", "2001:db8::/32")).toBe(true);
    expect(inRange("2001:db9::", "2001:db8::/32")).toBe(false);
    expect(inRange("2001:db7:ffff::", "2001:db8::/32")).toBe(false);
    expect(inRange("2001:db8::8", "2001:db8::/125")).toBe(false);
    expect(inRange("2001:db8::7", "2001:db8::/125")).toBe(true);
    expect(inRange("10.7.255.255", "10.0.0.0/13")).toBe(true);
    expect(inRange("10.8.0.0", "10.0.0.0/13")).toBe(false);
    // Families never mix, even for /0.
    expect(inRange("::1", "0.0.0.0/0")).toBe(false);
    expect(inRange("255.255.255.255", "0.0.0.0/0")).toBe(true);
    expect(inRange("192.0.2.7", "::/0")).toBe(false);
  });
});
