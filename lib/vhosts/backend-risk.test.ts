import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { internalBackendRisk } from "./backend-risk";

const kind = (url: string, own: string[] = []) => internalBackendRisk(url, own)?.kind ?? null;

describe("internalBackendRisk", () => {
  it.each([
    ["http://127.0.0.1:8080", "loopback"],
    ["http://127.10.20.30", "loopback"],
    ["http://127.1", "loopback"],
    ["http://2130706433", "loopback"],
    ["http://0x7f.0.0.1", "loopback"],
    ["https://[::1]:8443/x", "loopback"],
    ["http://[::ffff:127.0.0.1]", "loopback"],
    ["http://localhost:3000", "loopback"],
    ["http://LOCALHOST.", "loopback"],
    ["http://app.localhost", "loopback"],
    ["http://169.254.169.254/latest/meta-data/", "metadata"],
    ["http://[fd00:ec2::254]", "metadata"],
    ["http://100.100.100.200", "metadata"],
    ["http://metadata.google.internal", "metadata"],
    ["http://169.254.10.1:80", "link-local"],
    ["http://[fe80::1]", "link-local"],
    ["http://[febf::1]", "link-local"],
    ["http://0.0.0.0:8080", "unspecified"],
    ["http://0", "unspecified"],
    ["http://[::]", "unspecified"],
  ])("%s is %s", (url, expected) => {
    expect(kind(url)).toBe(expected);
  });

  it.each(["http://10.0.0.5:8080", "https://192.0.2.7", "http://[2001:db8::1]", "http://backend.internal", "http://app.example.com", "http://128.0.0.1", "http://169.255.0.1", "http://[fec0::1]", "http://localhost.example.com"])(
    "%s is not internal",
    (url) => {
      expect(internalBackendRisk(url)).toBeNull();
    },
  );

  it("flags the node's own listen addresses, however written", () => {
    expect(kind("http://192.0.2.10:8080", ["192.0.2.10"])).toBe("node-address");
    expect(kind("http://[2001:db8:0:0::10]", [" 2001:db8::10 "])).toBe("node-address");
    expect(kind("http://192.0.2.11", ["192.0.2.10"])).toBeNull();
    expect(kind("http://192.0.2.10", ["not an address"])).toBeNull();
  });

  it("names the field to tick and why", () => {
    expect(internalBackendRisk("http://169.254.169.254")!.message).toBe(
      'The backend is internal: 169.254.169.254 is the cloud metadata endpoint: it hands out the machine\'s credentials. Tick "This backend is internal, I confirm it" to save it anyway.',
    );
  });

  it("flags every loopback and link-local address, in any spelling the URL parser accepts", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffff }), fc.integer({ min: 0, max: 0xffff }), (low, ll) => {
        expect(kind(`http://${(0x7f000000 + low) >>> 0}`)).toBe("loopback");
        const a = `169.254.${ll >> 8}.${ll & 255}`;
        expect(kind(`http://${a}`)).toBe(a === "169.254.169.254" ? "metadata" : "link-local");
      }),
    );
  });

  it("ignores what is not an http(s) URL", () => {
    expect(internalBackendRisk("ftp://127.0.0.1")).toBeNull();
    expect(internalBackendRisk("not a url")).toBeNull();
  });
});
