import { describe, expect, it } from "vitest";
import { domainForms, domainLabel, domainSearchTerms } from "./display";
import { toAsciiHostname } from "./hostname";

describe("domainForms / domainLabel", () => {
  it("shows an internationalised name in Unicode with its punycode beside it", () => {
    expect(domainForms("xn--bcher-kva.example.de")).toEqual({ ascii: "xn--bcher-kva.example.de", unicode: "bücher.example.de" });
    expect(domainLabel("xn--bcher-kva.example.de")).toBe("bücher.example.de (xn--bcher-kva.example.de)");
  });

  it("leaves a plain ASCII name as it is", () => {
    expect(domainForms("shop.example.com")).toEqual({ ascii: "shop.example.com", unicode: "shop.example.com" });
    expect(domainLabel("shop.example.com")).toBe("shop.example.com");
  });

  it("decodes every xn-- label, not only the first", () => {
    expect(domainLabel("xn--caf-dma.xn--bcher-kva.example")).toBe("café.bücher.example (xn--caf-dma.xn--bcher-kva.example)");
  });

  it("never shows a look-alike without its punycode", () => {
    // Cyrillic letters that read as "apple.com".
    const stored = toAsciiHostname("аррӏе.com");
    expect(stored).toEqual({ ok: true, ascii: "xn--80ak6aa92e.com" });
    expect(domainLabel("xn--80ak6aa92e.com")).toBe("аррӏе.com (xn--80ak6aa92e.com)");
  });

  it("shows what is stored when an xn-- label does not decode", () => {
    expect(domainForms("xn--zz.example")).toEqual({ ascii: "xn--zz.example", unicode: "xn--zz.example" });
    expect(domainLabel("xn--zz.example")).toBe("xn--zz.example");
  });

  it("round-trips with the form's conversion: what the form stores shows as what was typed", () => {
    for (const typed of ["bücher.example.de", "münchen.de", "例え.テスト", "straße.example"]) {
      const stored = toAsciiHostname(typed);
      if (!stored.ok) throw new Error(stored.error);
      expect(stored.ascii).toMatch(/xn--/);
      expect(domainForms(stored.ascii).unicode).toBe(typed);
    }
  });
});

describe("domainSearchTerms", () => {
  it("looks for a name typed in Unicode in punycode too", () => {
    expect(domainSearchTerms("Bücher")).toEqual(["bücher", "xn--bcher-kva"]);
    expect(domainSearchTerms("bücher.example.de")).toEqual(["bücher.example.de", "xn--bcher-kva.example.de"]);
  });

  it("keeps an ASCII search as it is (lowercase), and an empty one empty", () => {
    expect(domainSearchTerms(" Shop.Example ")).toEqual(["shop.example"]);
    expect(domainSearchTerms("xn--bcher")).toEqual(["xn--bcher"]);
    expect(domainSearchTerms("  ")).toEqual([]);
  });

  it("keeps a partial name that has no punycode form as typed", () => {
    expect(domainSearchTerms("ü ")).toEqual(["ü", "xn--tda"]);
    expect(domainSearchTerms("bü/x")).toEqual(["bü/x"]);
  });
});
