import { describe, expect, it } from "vitest";
import { toAsciiHostname } from "./hostname";
import { CreateVhostSchema, EMPTY_VHOST_FORM, UpdateVhostSchema, VhostFieldsSchema, type VhostFormValues } from "./schema";

const valid: VhostFormValues = { ...EMPTY_VHOST_FORM, domain: "shop.example.com", backendUrl: "http://10.0.0.5:8080" };

/** Parses `valid` with `patch` applied; returns the output, or the issues as "path: message" lines. */
function parse(patch: Partial<VhostFormValues>) {
  const r = VhostFieldsSchema.safeParse({ ...valid, ...patch });
  return r.success ? { ok: true as const, data: r.data } : { ok: false as const, issues: r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`) };
}

function issuesOf(patch: Partial<VhostFormValues>): string[] {
  const r = parse(patch);
  if (r.ok) throw new Error(`expected ${JSON.stringify(patch)} to be refused, got ${JSON.stringify(r.data)}`);
  return r.issues;
}

function ascii(input: string): string {
  const r = toAsciiHostname(input);
  if (!r.ok) throw new Error(`expected "${input}" to be accepted, got: ${r.error}`);
  return r.ascii;
}

function hostError(input: string): string {
  const r = toAsciiHostname(input);
  if (r.ok) throw new Error(`expected "${input}" to be refused, got ${r.ascii}`);
  return r.error;
}

const PUNCTUATION = /cannot contain spaces, slashes, ports or punctuation/;
const LABEL_RULE = /1–63 letters, digits or hyphens and does not start or end with a hyphen/;

describe("toAsciiHostname", () => {
  it("converts internationalised names to punycode", () => {
    expect(ascii("Bücher.example")).toBe("xn--bcher-kva.example");
    expect(ascii("BÜCHER.EXAMPLE")).toBe("xn--bcher-kva.example");
    expect(ascii("пример.рф")).toBe("xn--e1afmkfd.xn--p1ai");
  });

  it("lowercases, trims and drops one trailing dot", () => {
    expect(ascii("Shop.EXAMPLE.com")).toBe("shop.example.com");
    expect(ascii("example.com.")).toBe("example.com");
    expect(ascii("  example.com. \n")).toBe("example.com");
    expect(ascii("xn--BCHER-KVA.example")).toBe("xn--bcher-kva.example");
    expect(hostError("example.com..")).toMatch(LABEL_RULE);
  });

  it("turns a Cyrillic look-alike into punycode, never into the ASCII name it imitates", () => {
    const spoof = "\u0435xample.com"; // Cyrillic small ie, looks like "e"
    expect(spoof).not.toBe("example.com");
    const out = ascii(spoof);
    expect(out).not.toBe("example.com");
    expect(out).toMatch(/^xn--[a-z0-9-]+\.com$/);
    expect(out).toBe("xn--xample-2of.com");
    // A mixed Latin/Cyrillic label inside a longer name too.
    expect(ascii("www.p\u0430ypal.com")).toMatch(/^www\.xn--[a-z0-9-]+\.com$/);
  });

  it("refuses an empty name and a single label", () => {
    expect(hostError("")).toMatch(/Enter a domain name/);
    expect(hostError("   ")).toMatch(/Enter a domain name/);
    expect(hostError(".")).toMatch(/Enter a domain name/);
    expect(hostError("localhost")).toMatch(/fully qualified name with at least one dot/);
    expect(hostError("intranet.")).toMatch(/fully qualified name/);
  });

  it("refuses IP addresses, in every form the URL parser accepts", () => {
    for (const ip of ["192.168.0.1", "10.0.0.5", "1.2.3", "0x7f.0.0.1", "127.1"]) {
      expect(hostError(ip), ip).toMatch(/looks like an IP address/);
    }
    expect(hostError("[::1]")).toMatch(PUNCTUATION);
    expect(hostError("::1")).toMatch(PUNCTUATION);
    expect(toAsciiHostname("example.123").ok).toBe(false);
  });

  it("enforces the label rules: 1–63 characters, no leading or trailing hyphen, LDH only", () => {
    expect(ascii(`${"a".repeat(63)}.com`)).toBe(`${"a".repeat(63)}.com`);
    expect(hostError(`${"a".repeat(64)}.com`)).toMatch(LABEL_RULE);
    expect(hostError("-shop.example.com")).toMatch(LABEL_RULE);
    expect(hostError("shop-.example.com")).toMatch(LABEL_RULE);
    expect(hostError("shop.example-.com")).toMatch(LABEL_RULE);
    expect(hostError("a..b.com")).toMatch(LABEL_RULE);
    expect(hostError(".a.com")).toMatch(LABEL_RULE);
    expect(hostError("_dmarc.example.com")).toMatch(LABEL_RULE);
    expect(ascii("my-shop.ex-ample.com")).toBe("my-shop.ex-ample.com");
    expect(ascii("xn--bcher-kva.example")).toBe("xn--bcher-kva.example");
  });

  it("checks the punycode label length, not the Unicode one", () => {
    expect(ascii(`${"ü".repeat(55)}.example`)).toMatch(/^xn--[a-z]+\.example$/);
    // 60 characters of Unicode, more than 63 once encoded.
    expect(hostError(`${"ü".repeat(60)}.example`)).toMatch(LABEL_RULE);
  });

  it("allows 253 characters in total and refuses 254", () => {
    const l63 = "a".repeat(63);
    const max = `${l63}.${l63}.${l63}.${"b".repeat(61)}`;
    expect(max).toHaveLength(253);
    expect(ascii(max)).toBe(max);
    expect(ascii(`${max}.`)).toBe(max);
    const over = `${l63}.${l63}.${l63}.${"b".repeat(62)}`;
    expect(hostError(over)).toMatch(/at most 253 characters/);
  });

  it("refuses a name that only exceeds 253 characters after conversion to punycode", () => {
    const name = `${"ü.".repeat(40)}example`; // each "ü" label is "xn--tda" in punycode
    expect(name.length).toBeLessThanOrEqual(253);
    expect(hostError(name)).toMatch(/253 characters \(after conversion to punycode\)/);
  });

  it("refuses very long input quickly and without echoing it", () => {
    const huge = "a".repeat(1_000_000);
    const started = performance.now();
    const error = hostError(huge);
    expect(performance.now() - started).toBeLessThan(200);
    expect(error).toMatch(/at most 253 characters/);
    expect(error.length).toBeLessThan(200);
  });

  it.each([
    ["a space", "shop example.com"],
    ["a tab", "shop\texample.com"],
    ["a slash", "shop.example.com/path"],
    ["a backslash", "shop\\example.com"],
    ["a port", "shop.example.com:8080"],
    ["a scheme", "http://shop.example.com"],
    ["credentials", "user@shop.example.com"],
    ["double quotes", '"shop.example.com"'],
    ["single quotes", "'shop.example.com'"],
    ["a backtick", "shop`.example.com"],
    ["a newline", "shop.example.com\nevil.example.com"],
    ["a carriage return", "shop\r.example.com"],
    ["a NUL byte", "shop\0.example.com"],
    ["a DEL control", "shop\u007f.example.com"],
    ["a semicolon", "shop.example.com;"],
    ["braces", "shop.{x}.com"],
    ["a wildcard", "*.example.com"],
    ["a percent escape", "sh%6Fp.example.com"],
    ["a query", "shop.example.com?x"],
    ["a fragment", "shop.example.com#x"],
    ["a comma", "a.example.com,b.example.com"],
    ["a line separator", "shop\u2028.example.com"],
    ["a no-break space", "shop\u00a0.example.com"],
  ])("refuses %s with a clear message", (_what, input) => {
    expect(hostError(input)).toMatch(PUNCTUATION);
  });

  it("refuses other characters the URL parser rejects, naming the input", () => {
    expect(hostError("xn--zz.com")).toMatch(/is not a valid domain name/);
    expect(toAsciiHostname("shop$.example.com").ok).toBe(false);
    expect(toAsciiHostname("shop!.example.com").ok).toBe(false);
    expect(toAsciiHostname("shop+x.example.com").ok).toBe(false);
  });
});

describe("VhostFieldsSchema", () => {
  it("accepts a minimal virtual host and normalises the domain", () => {
    const r = parse({ domain: "  Bücher.Example. " });
    expect(r).toEqual({ ok: true, data: { ...valid, domain: "xn--bcher-kva.example", aliases: [] } });
  });

  it("reports a domain error on the domain field", () => {
    expect(issuesOf({ domain: "not a domain" })).toEqual([
      "domain: A domain name cannot contain spaces, slashes, ports or punctuation other than '-' and '.'.",
    ]);
    expect(issuesOf({ domain: "localhost" })[0]).toMatch(/^domain: Use a fully qualified name/);
    expect(issuesOf({ domain: "192.168.1.10" })[0]).toMatch(/^domain: .*IP address/);
  });

  describe("backendUrl", () => {
    it.each([
      "http://10.0.0.5:8080",
      "https://backend.internal",
      "https://backend.internal:8443/app/v1.2/~user_x-y/",
      "http://[::1]:8080",
      "http://10.0.0.5:65535",
      "HTTP://Backend.Internal/",
    ])("accepts %s", (url) => {
      expect(parse({ backendUrl: url }).ok).toBe(true);
    });

    it("trims surrounding whitespace", () => {
      const r = parse({ backendUrl: "  http://10.0.0.5:8080 \n" });
      expect(r.ok && r.data.backendUrl).toBe("http://10.0.0.5:8080");
    });

    it("requires a value", () => {
      expect(issuesOf({ backendUrl: "" })).toContain("backendUrl: Enter the backend URL, e.g. http://10.0.0.5:8080.");
      expect(issuesOf({ backendUrl: "   " })[0]).toMatch(/^backendUrl: Enter the backend URL/);
    });

    it.each(["ftp://backend", "javascript:alert(1)", "file:///etc/passwd", "ws://backend:80", "mailto:a@example.com", "data:text/plain,x"])(
      "refuses the scheme of %s",
      (url) => {
        expect(issuesOf({ backendUrl: url })).toEqual(["backendUrl: The backend URL must start with http:// or https://."]);
      },
    );

    it("refuses a URL with no scheme", () => {
      expect(issuesOf({ backendUrl: "10.0.0.5:8080" })[0]).toMatch(/^backendUrl: Enter a full URL starting with http:\/\/ or https:\/\//);
      expect(issuesOf({ backendUrl: "backend.internal" })[0]).toMatch(/^backendUrl: Enter a full URL/);
    });

    it("refuses a URL without a host", () => {
      expect(issuesOf({ backendUrl: "http://" })[0]).toMatch(/^backendUrl: /);
      expect(issuesOf({ backendUrl: "https://:8080" })[0]).toMatch(/^backendUrl: /);
      expect(issuesOf({ backendUrl: "http:///backend.internal" })).toEqual(["backendUrl: The backend URL needs a host."]);
    });

    it("refuses forms the lenient URL parser repairs, since the value is stored as typed", () => {
      // new URL() reads "http:backend" as http://backend/; nginx would not.
      expect(issuesOf({ backendUrl: "http:backend.internal" })).toEqual(["backendUrl: The backend URL must start with http:// or https://."]);
      expect(issuesOf({ backendUrl: "http:/backend.internal" })).toEqual(["backendUrl: The backend URL must start with http:// or https://."]);
    });

    it.each(["http://user:secret@backend.internal", "https://user@backend.internal", "http://:secret@backend.internal", "http://@backend.internal"])(
      "refuses credentials in %s",
      (url) => {
        expect(issuesOf({ backendUrl: url })).toEqual(["backendUrl: Do not put credentials in the backend URL."]);
      },
    );

    it("refuses an @ in the path (the path takes letters, digits and . _ ~ / - only), but not as credentials", () => {
      expect(issuesOf({ backendUrl: "http://backend.internal/users/@me" })).toEqual([
        `backendUrl: The backend path cannot contain "@": use letters, digits and . _ ~ / - only.`,
      ]);
    });

    // Each of these was accepted by the form and refused by the compiler, so one save blocked every publish.
    it.each([
      ["a query", "https://backend.internal:8443/app/?x=1&y=2", "The backend URL cannot have a query string ('?…'): nginx passes each request's own query to the backend."],
      ["an empty query", "http://backend.internal?", "The backend URL cannot have a query string ('?…'): nginx passes each request's own query to the backend."],
      ["a percent escape", "http://backend.internal/a%20b", "The backend path cannot contain '%' escapes: use letters, digits and . _ ~ / - only."],
      ["a parenthesis", "http://backend.internal/wiki/Foo_(bar)", `The backend path cannot contain "(": use letters, digits and . _ ~ / - only.`],
      ["an underscore in the host name", "http://my_backend.internal:8080", `The host name "my_backend.internal" cannot contain '_': host names use letters, digits, hyphens and dots.`],
      ["an invalid IPv4 address", "http://999.1.1.1", `"999.1.1.1" is not a valid IPv4 address (four numbers from 0 to 255).`],
      ["a label starting with a hyphen", "http://-backend.internal", `"-backend.internal" is not a valid host name: use letters, digits and hyphens in dot-separated labels (write international names as xn--), or an IP address.`],
      ["an international host name not in punycode", "http://bücher.example", `"bücher.example" is not a valid host name: use letters, digits and hyphens in dot-separated labels (write international names as xn--), or an IP address.`],
    ])("refuses %s, as the compiler does", (_what, url, message) => {
      expect(issuesOf({ backendUrl: url })).toEqual([`backendUrl: ${message}`]);
    });

    it.each(["http://backend.internal/#top", "http://backend.internal/#", "http://backend.internal#x"])("refuses the fragment in %s", (url) => {
      expect(issuesOf({ backendUrl: url })).toEqual(["backendUrl: The backend URL cannot have a #fragment."]);
    });

    it.each([
      ["a space", "http://backend.internal/a b"],
      ["a tab", "http://backend.internal/\tx"],
      ["a newline", "http://backend.internal/\nproxy_pass http://evil"],
      ["a carriage return", "http://backend.internal/\rx"],
      ["a NUL byte", "http://backend.internal/\0"],
      ["double quotes", 'http://backend.internal/"'],
      ["single quotes", "http://backend.internal/'"],
      ["a backtick", "http://backend.internal/`"],
      ["an opening brace", "http://backend.internal/{"],
      ["a closing brace", "http://backend.internal/}"],
      ["a semicolon", "http://backend.internal/;deny all"],
      ["a backslash", "http://backend.internal\\evil"],
      ["angle brackets", "http://backend.internal/<x>"],
      ["an nginx variable", "http://$http_host"],
      ["an nginx variable in the path", "http://backend.internal/$request_uri"],
    ])("refuses %s", (_what, url) => {
      const issues = issuesOf({ backendUrl: url });
      expect(issues).toHaveLength(1);
      expect(issues[0]).toMatch(/^backendUrl: The backend URL cannot contain spaces, quotes, braces, semicolons, backslashes or '\$'\.$/);
    });

    it.each([
      ["http://host:99999", "99999"],
      ["http://10.0.0.5:0", "0"],
      ["http://[::1]:65536", "65536"],
      ["https://backend.internal:123456/app", "123456"],
    ])("says the port of %s is out of range", (url, port) => {
      expect(issuesOf({ backendUrl: url })).toEqual([`backendUrl: The port ${port} is out of range (1–65535).`]);
    });

    it("says what is wrong with a port that is not a number or is missing", () => {
      expect(issuesOf({ backendUrl: "http://host.example:http" })).toEqual(['backendUrl: The port "http" is not a number.']);
      expect(issuesOf({ backendUrl: "http://host.example:/app" })).toEqual(["backendUrl: The port after ':' is missing."]);
    });

    it("refuses more than 2048 characters", () => {
      expect(issuesOf({ backendUrl: `http://backend.internal/${"a".repeat(2048)}` })[0]).toMatch(/^backendUrl: /);
    });
  });

  describe("aliases", () => {
    it("splits on new lines and commas, trims, skips blanks and normalises each name", () => {
      const r = parse({ aliases: " www.shop.example.com\r\nShop.Example.NET,,  bücher.example ,\n\n" });
      expect(r.ok && r.data.aliases).toEqual(["www.shop.example.com", "shop.example.net", "xn--bcher-kva.example"]);
    });

    it("turns an empty textarea into an empty list", () => {
      expect(parse({ aliases: "" })).toMatchObject({ ok: true, data: { aliases: [] } });
      expect(parse({ aliases: " \n , \n" })).toMatchObject({ ok: true, data: { aliases: [] } });
    });

    it("validates each alias and names its position and value in the message", () => {
      const issues = issuesOf({ aliases: "www.shop.example.com\nnot valid\nlocalhost\n10.0.0.1" });
      expect(issues).toEqual([
        `aliases: Alias 2 ("not valid"): A domain name cannot contain spaces, slashes, ports or punctuation other than '-' and '.'.`,
        `aliases: Alias 3 ("localhost"): Use a fully qualified name with at least one dot, e.g. app.example.com.`,
        `aliases: Alias 4 ("10.0.0.1"): That looks like an IP address; a virtual host needs a domain name.`,
      ]);
    });

    it("cuts a long bad alias short in the message", () => {
      const [issue] = issuesOf({ aliases: `bad ${"x".repeat(500)}` });
      expect(issue).toMatch(/^aliases: Alias 1 \("bad x+"\): /);
      expect(issue!.length).toBeLessThan(250);
    });

    it("refuses duplicates, also when they differ only in case, trailing dot or encoding", () => {
      expect(issuesOf({ aliases: "a.example.com\nb.example.com\nA.EXAMPLE.COM." })).toEqual([
        `aliases: Alias 3 ("A.EXAMPLE.COM.") is listed twice.`,
      ]);
      expect(issuesOf({ aliases: "bücher.example, xn--bcher-kva.example" })).toEqual([
        `aliases: Alias 2 ("xn--bcher-kva.example") is listed twice.`,
      ]);
    });

    it("refuses an alias equal to the domain, after normalisation", () => {
      expect(issuesOf({ aliases: "www.shop.example.com\nSHOP.example.com." })).toEqual(["aliases: An alias repeats the domain itself."]);
      expect(issuesOf({ domain: "Bücher.example", aliases: "xn--bcher-kva.example" })).toEqual(["aliases: An alias repeats the domain itself."]);
    });

    it("allows 50 aliases and refuses 51", () => {
      const names = (n: number) => Array.from({ length: n }, (_, i) => `a${i}.example.com`).join("\n");
      expect(parse({ aliases: names(50) })).toMatchObject({ ok: true });
      expect(issuesOf({ aliases: names(51) })).toEqual(["aliases: At most 50 aliases per virtual host."]);
    });

    it("refuses a huge textarea before looking at the names", () => {
      expect(issuesOf({ aliases: "x".repeat(10_001) })).toEqual(["aliases: Too many aliases."]);
    });
  });

  describe("TLS", () => {
    it.each(["TERMINATE", "REDIRECT"] as const)("%s needs a certificateRef", (tlsMode) => {
      expect(issuesOf({ tlsMode })).toEqual(["certificateRef: HTTPS needs a certificate: enter its name."]);
      expect(issuesOf({ tlsMode, certificateRef: "   " })).toEqual(["certificateRef: HTTPS needs a certificate: enter its name."]);
      expect(parse({ tlsMode, certificateRef: "shop.example.com-2025" })).toMatchObject({ ok: true, data: { tlsMode, certificateRef: "shop.example.com-2025" } });
    });

    it("allows HSTS and TLS 1.3 with HTTPS", () => {
      const r = parse({ tlsMode: "REDIRECT", certificateRef: "shop", hsts: true, minTlsVersion: "TLS1_3" });
      expect(r).toMatchObject({ ok: true, data: { hsts: true, minTlsVersion: "TLS1_3" } });
    });

    it("refuses HSTS without TLS", () => {
      expect(issuesOf({ tlsMode: "NONE", hsts: true })).toEqual(["hsts: HSTS only makes sense with HTTPS: choose a TLS mode first."]);
    });

    it("allows a certificateRef with NONE (kept for later) and trims it", () => {
      expect(parse({ certificateRef: "  shop.pem  " })).toMatchObject({ ok: true, data: { certificateRef: "shop.pem" } });
    });

    // A name with '/' was accepted here and refused by the compiler (the bundle reads <certDir>/<name>/fullchain.pem).
    it.each(["../etc/passwd", "certs/../../etc/shadow", "/etc/ssl/key.pem", "certs/", "a//b", "le/shop.example.com/fullchain.pem", "shop/fullchain-2025.pem"])(
      "refuses the certificateRef %j, which names a path",
      (certificateRef) => {
        expect(issuesOf({ tlsMode: "TERMINATE", certificateRef })).toEqual([
          "certificateRef: A certificate name cannot contain '/': enter the name of the certificate's folder in the certificate store.",
        ]);
      },
    );

    it.each(["..", ".hidden", "-x"])("refuses the certificateRef %j, which does not start with a letter or digit", (certificateRef) => {
      expect(issuesOf({ tlsMode: "TERMINATE", certificateRef })).toEqual(["certificateRef: A certificate name starts with a letter or digit."]);
    });

    it.each(["my cert", "shop\tcert", "shop\ncert", "shop;cert", 'shop"cert', "shop$cert", "ünï.pem"])("refuses the certificateRef %j", (certificateRef) => {
      expect(issuesOf({ tlsMode: "TERMINATE", certificateRef })).toEqual(["certificateRef: A certificate name may contain only letters, digits, '.', '_' and '-'."]);
    });

    it("accepts dots that are not a parent reference", () => {
      expect(parse({ tlsMode: "TERMINATE", certificateRef: "shop..2025.pem" }).ok).toBe(true);
    });

    it("refuses more than 128 characters", () => {
      expect(parse({ tlsMode: "TERMINATE", certificateRef: "a".repeat(128) }).ok).toBe(true);
      expect(issuesOf({ tlsMode: "TERMINATE", certificateRef: "a".repeat(129) })).toEqual(["certificateRef: A certificate name has at most 128 characters."]);
    });

    it("refuses unknown enum values", () => {
      expect(VhostFieldsSchema.safeParse({ ...valid, tlsMode: "SSL" }).success).toBe(false);
      expect(VhostFieldsSchema.safeParse({ ...valid, minTlsVersion: "TLS1_0" }).success).toBe(false);
    });
  });
});

describe("CreateVhostSchema and UpdateVhostSchema", () => {
  const id = "3f1c2a9e-6b7d-4c1e-9a2b-1234567890ab";

  it("create is the field schema", () => {
    expect(CreateVhostSchema.parse(valid)).toEqual({ ...valid, aliases: [] });
  });

  it("update adds id and version to the normalised fields", () => {
    expect(UpdateVhostSchema.parse({ ...valid, domain: "SHOP.example.com", aliases: "a.example.com", id, version: 3 })).toEqual({
      ...valid,
      aliases: ["a.example.com"],
      id,
      version: 3,
    });
  });

  it("update refuses a bad id or version and still checks the fields", () => {
    const r = UpdateVhostSchema.safeParse({ ...valid, backendUrl: "ftp://x", id: "not-a-uuid", version: 0 });
    expect(r.success).toBe(false);
    const paths = r.error!.issues.map((i) => i.path.join("."));
    expect(paths).toEqual(expect.arrayContaining(["backendUrl", "id", "version"]));
    expect(UpdateVhostSchema.safeParse({ ...valid, id, version: 1.5 }).success).toBe(false);
    expect(UpdateVhostSchema.safeParse({ ...valid, version: 1 }).success).toBe(false);
  });
});
