import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  CidrSchema,
  IpBulkSchema,
  IpEntrySchema,
  allowListCoverage,
  checkIpListChange,
  covers,
  parseBulkPaste,
  parseCidr,
  type IpListLineReport,
} from "./cidr";

function ok(input: string) {
  const result = parseCidr(input);
  if (!result.ok) throw new Error(`expected ${JSON.stringify(input)} to parse, got: ${result.error}`);
  return result.value;
}

function error(input: string): string {
  const result = parseCidr(input);
  if (result.ok) throw new Error(`expected ${JSON.stringify(input)} to be refused, got ${result.value.canonical}`);
  return result.error;
}

describe("parseCidr", () => {
  it.each([
    ["192.0.2.7", "192.0.2.7", "ipv4", 32],
    ["  192.0.2.7\t", "192.0.2.7", "ipv4", 32],
    ["10.0.0.0/8", "10.0.0.0/8", "ipv4", 8],
    ["192.0.2.7/32", "192.0.2.7", "ipv4", 32],
    ["0.0.0.0", "0.0.0.0", "ipv4", 32],
    ["2001:DB8::/32", "2001:db8::/32", "ipv6", 32],
    ["2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1", "ipv6", 128],
    ["::1/128", "::1", "ipv6", 128],
    ["::1", "::1", "ipv6", 128],
    ["2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1", "ipv6", 128],
    ["64:ff9b::192.0.2.33", "64:ff9b::c000:221", "ipv6", 128],
    ["10.66.0.0/16", "10.66.0.0/16", "ipv4", 16],
  ])("%j -> %s", (input, canonical, family, prefixLength) => {
    const value = ok(input);
    expect(value.canonical).toBe(canonical);
    expect(value.family).toBe(family);
    expect(value.prefixLength).toBe(prefixLength);
    expect(value.isSingleAddress).toBe(prefixLength === (family === "ipv4" ? 32 : 128));
    expect(value.coversEverything).toBe(false);
  });

  it("writes single addresses bare: never /32 or /128 (ModSecurity v3 rejects ::1/128)", () => {
    expect(ok("203.0.113.9/32").canonical).not.toContain("/");
    expect(ok("2001:db8::5/128").canonical).toBe("2001:db8::5");
  });

  it("flags the ranges that cover every address", () => {
    expect(ok("0.0.0.0/0")).toMatchObject({ canonical: "0.0.0.0/0", coversEverything: true, prefixLength: 0 });
    expect(ok("::/0")).toMatchObject({ canonical: "::/0", coversEverything: true, family: "ipv6" });
    expect(ok("0::0/0").canonical).toBe("::/0");
  });

  it("refuses host bits set and suggests the network", () => {
    expect(error("10.0.0.5/24")).toContain("did you mean 10.0.0.0/24?".replace("did", "Did"));
    expect(error("10.0.0.5/24")).toContain("10.0.0.5 alone");
    expect(error("2001:db8::1/64")).toContain("Did you mean 2001:db8::/64?");
    expect(error("1.2.3.4/0")).toContain("Did you mean 0.0.0.0/0?");
  });

  it("refuses leading zeros in IPv4 (ambiguous octal)", () => {
    expect(error("010.0.0.1")).toMatch(/leading zero.*octal.*write 10\.0\.0\.1/);
    expect(error("192.168.001.1/32")).toMatch(/leading zero/);
    expect(error("10.0.0.09")).toMatch(/leading zero/);
  });

  it("refuses short, hex and integer IPv4 forms", () => {
    for (const input of ["10.1", "10.0.1", "0x0a.0.0.1", "167772161"]) expect(error(input)).toMatch(/four decimal numbers/);
  });

  it("refuses IPv6 zone ids", () => {
    expect(error("fe80::1%eth0")).toMatch(/zone id \(%eth0\)/);
    expect(error("fe80::1%25eth0/64")).toMatch(/zone id/);
    expect(error("fe80::1%1")).toMatch(/zone id/);
  });

  it("refuses IPv4-mapped IPv6 and suggests the IPv4 form", () => {
    expect(error("::ffff:1.2.3.4")).toMatch(/IPv4-mapped.*write it as 1\.2\.3\.4\./);
    expect(error("::FFFF:102:304")).toMatch(/write it as 1\.2\.3\.4\./);
    expect(error("::ffff:10.0.0.0/104")).toMatch(/write it as 10\.0\.0\.0\/8\./);
    expect(error("::ffff:1.2.3.4/128")).toMatch(/write it as 1\.2\.3\.4\./);
    // The deprecated IPv4-compatible form is refused the same way.
    expect(error("::1.2.3.4")).toMatch(/1\.2\.3\.4/);
  });

  it("refuses prefixes out of range or malformed", () => {
    expect(error("10.0.0.0/33")).toMatch(/\/33 is out of range.*0 to 32/);
    expect(error("2001:db8::/129")).toMatch(/0 to 128/);
    expect(error("10.0.0.0/")).toMatch(/prefix length/);
    expect(error("10.0.0.0/-1")).toMatch(/prefix length/);
    expect(error("10.0.0.0/8/8")).toMatch(/more than one '\/'/);
    expect(error("10.0.0.0/ 8")).toMatch(/space/);
    expect(error("/8")).toMatch(/no address/);
    expect(error("10.0.0.0/1000")).toMatch(/out of range|prefix length/);
  });

  it("refuses garbage, empty and very long input", () => {
    expect(error("")).toMatch(/Enter an IP address/);
    expect(error("   ")).toMatch(/Enter an IP address/);
    expect(error("hello")).toMatch(/not an IP address/);
    expect(error("256.0.0.1")).toMatch(/0 to 255/);
    expect(error("1.2.3.4.5")).toMatch(/not an IP address/);
    expect(error("1::2::3")).toMatch(/not a valid IPv6/);
    expect(error("12345::1")).toMatch(/not a valid IPv6/);
    expect(error("1.2.3.4 5.6.7.8")).toMatch(/space/);
    expect(error("1".repeat(10_000))).toMatch(/too long/);
    expect(error("10.0.0.1; rm -rf /")).toBeTruthy();
    expect(error('10.0.0.1"')).toMatch(/not an IP address/);
  });

  it("refuses Unicode look-alikes and invisible characters", () => {
    expect(error("１０.0.0.1")).toMatch(/U\+FF11/); // fullwidth digit one
    expect(error("10．0.0.1")).toMatch(/U\+FF0E/); // fullwidth full stop
    expect(error("10.0.0.1\u200b")).toMatch(/zero-width space/);
    expect(error("10.0.0.1\n10.0.0.2")).toMatch(/line feed/);
    expect(error("10.0.0.1\u202e")).toMatch(/right-to-left override/);
    expect(error("10.0.0.1\u00a010.0.0.2")).toMatch(/no-break space/);
    expect(error("٣.0.0.1")).toMatch(/U\+0663/); // Arabic-Indic digit three
  });

  it("never throws and every accepted value reparses to itself", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.ipV4(), fc.ipV6(), fc.ipV4Extended()), fc.option(fc.nat(140)), (address, prefix) => {
        const input = prefix === null ? address : `${address}/${prefix}`;
        const result = parseCidr(input);
        if (result.ok) {
          const again = parseCidr(result.value.canonical);
          expect(again.ok && again.value.canonical).toBe(result.value.canonical);
          expect(result.value.canonical).not.toMatch(/\/(32|128)$|[\s%A-Z]/);
        }
      }),
    );
  });

  it("accepts every valid dotted-decimal IPv4 and IPv6 address", () => {
    fc.assert(
      fc.property(fc.ipV4(), (address) => {
        expect(ok(address).canonical).toBe(address);
      }),
    );
    fc.assert(
      fc.property(fc.ipV6(), (address) => {
        const value = parseCidr(address);
        // fast-check also generates IPv4-mapped forms, which are refused on purpose.
        if (!value.ok) expect(value.error).toMatch(/IPv4-mapped/);
        else expect(value.value.family).toBe("ipv6");
      }),
    );
  });
});

describe("covers", () => {
  it("answers whether a range contains another of the same family", () => {
    expect(covers("10.0.0.0/8", "10.1.2.0/24")).toBe(true);
    expect(covers("10.0.0.0/8", "10.255.255.255")).toBe(true);
    expect(covers("10.0.0.0/8", "10.0.0.0/8")).toBe(true);
    expect(covers("10.1.2.0/24", "10.0.0.0/8")).toBe(false);
    expect(covers("10.0.0.0/8", "11.0.0.0/8")).toBe(false);
    expect(covers("0.0.0.0/0", "203.0.113.7")).toBe(true);
    expect(covers("::/0", "2001:db8::1")).toBe(true);
    expect(covers("2001:db8::/32", "2001:db8:ffff::/48")).toBe(true);
    expect(covers("2001:db8::/32", "2001:db9::/48")).toBe(false);
  });

  it("never mixes families and is false for invalid input", () => {
    expect(covers("::/0", "10.0.0.1")).toBe(false);
    expect(covers("0.0.0.0/0", "::1")).toBe(false);
    expect(covers("nonsense", "10.0.0.1")).toBe(false);
    expect(covers("10.0.0.0/8", "10.0.0.5/24")).toBe(false);
  });

  it("accepts parsed values, also after a JSON round trip", () => {
    const wide = JSON.parse(JSON.stringify(ok("172.16.0.0/12")));
    expect(covers(wide, ok("172.20.1.1"))).toBe(true);
  });

  it("agrees with a bitwise check for random IPv4 pairs", () => {
    const toInt = (a: string) => a.split(".").reduce((n, o) => n * 256 + Number(o), 0);
    fc.assert(
      fc.property(fc.ipV4(), fc.integer({ min: 0, max: 32 }), fc.ipV4(), (a, p, b) => {
        const mask = p === 0 ? 0 : (0xffffffff << (32 - p)) >>> 0;
        const net = ((toInt(a) & mask) >>> 0).toString();
        const range = ok(`${[24, 16, 8, 0].map((s) => (Number(net) >>> s) & 255).join(".")}/${p}`);
        expect(covers(range, b)).toBe(((toInt(b) & mask) >>> 0) === ((toInt(a) & mask) >>> 0));
      }),
    );
  });
});

describe("checkIpListChange", () => {
  const existing = [
    { kind: "DENY" as const, cidr: "10.0.0.0/8" },
    { kind: "DENY" as const, cidr: "198.51.100.7" },
    { kind: "ALLOW" as const, cidr: "192.0.2.7" },
    { kind: "ALLOW" as const, cidr: "2001:db8::/32" },
  ];

  function only(report: ReturnType<typeof checkIpListChange>): IpListLineReport {
    expect(report.lines).toHaveLength(1);
    return report.lines[0] as IpListLineReport;
  }

  it("adds a new entry in canonical form", () => {
    const report = checkIpListChange({ existing, adding: [{ kind: "DENY", cidr: " 203.0.113.0/24 ", note: " scanner " }] });
    expect(report.ok).toBe(true);
    expect(report.added).toEqual([{ kind: "DENY", cidr: "203.0.113.0/24", note: "scanner" }]);
    expect(only(report)).toMatchObject({ status: "added", warnings: [] });
  });

  it("refuses an exact duplicate, also when written differently", () => {
    const report = checkIpListChange({ existing, adding: [{ kind: "DENY", cidr: "198.51.100.7/32" }] });
    expect(only(report)).toMatchObject({ status: "refused", reason: "198.51.100.7 is already in the deny list." });
    expect(report.ok).toBe(false);
    expect(report.added).toEqual([]);
  });

  it("refuses an entry already covered by a wider one, naming it", () => {
    const line = only(checkIpListChange({ existing, adding: [{ kind: "DENY", cidr: "10.20.30.40" }] }));
    expect(line).toMatchObject({ status: "refused" });
    expect(line.status === "refused" && line.reason).toBe("10.20.30.40 is already covered by 10.0.0.0/8 in the deny list.");
  });

  it("refuses the same address or range in both lists", () => {
    const line = only(checkIpListChange({ existing, adding: [{ kind: "DENY", cidr: "192.0.2.7" }] }));
    expect(line.status === "refused" && line.reason).toMatch(/already in the allow list: .*cannot be in both lists/);
    const v6 = only(checkIpListChange({ existing, adding: [{ kind: "DENY", cidr: "2001:DB8:0::/32" }] }));
    expect(v6.status).toBe("refused");
  });

  it("allows, with a warning, an overlap with the other list", () => {
    const line = only(checkIpListChange({ existing, adding: [{ kind: "DENY", cidr: "192.0.2.0/24" }] }));
    expect(line.status).toBe("added");
    expect(line.status === "added" && line.warnings).toEqual(["192.0.2.0/24 overlaps the allow list: 192.0.2.7."]);
  });

  it("warns that a wider entry makes narrower ones redundant", () => {
    const line = only(checkIpListChange({ existing, adding: [{ kind: "DENY", cidr: "198.51.100.0/24" }] }));
    expect(line.status === "added" && line.warnings).toEqual(["198.51.100.0/24 makes this entry of the deny list redundant: 198.51.100.7."]);
  });

  it("refuses 0.0.0.0/0 and ::/0 unless confirmed", () => {
    for (const cidr of ["0.0.0.0/0", "::/0"]) {
      const line = only(checkIpListChange({ existing: [], adding: [{ kind: "DENY", cidr }] }));
      expect(line.status === "refused" && line.reason).toBe(`${cidr} covers every address; confirm to add.`);
    }
    const confirmed = checkIpListChange({ existing: [], adding: [{ kind: "DENY", cidr: "0.0.0.0/0" }], confirmWide: true });
    expect(confirmed.ok).toBe(true);
    expect(only(confirmed).status === "added" && only(confirmed)).toMatchObject({ warnings: [expect.stringMatching(/denies every IPv4 client, including you/)] });
  });

  it("warns about very wide ranges", () => {
    const line = only(checkIpListChange({ existing: [], adding: [{ kind: "DENY", cidr: "0.0.0.0/1" }] }));
    expect(line.status === "added" && line.warnings).toEqual(["0.0.0.0/1 is a very wide range (2^31 addresses)."]);
  });

  describe("judges the allow list as a whole", () => {
    const refusedReasons = (report: ReturnType<typeof checkIpListChange>) =>
      report.lines.map((l) => (l.status === "refused" ? l.reason : "added"));

    it("0.0.0.0/1 + 128.0.0.0/1 and ::/1 + 8000::/1 need the confirmation, and with it are flagged as everything", () => {
      for (const [a, b, family] of [["0.0.0.0/1", "128.0.0.0/1", "IPv4"], ["::/1", "8000::/1", "IPv6"]] as const) {
        const adding = [{ kind: "ALLOW" as const, cidr: a }, { kind: "ALLOW" as const, cidr: b }];
        const refused = checkIpListChange({ existing: [], adding });
        expect(refused.added).toEqual([]);
        expect(refusedReasons(refused)).toEqual([
          `With ${a}, the allow list covers 50% of ${family} (as many addresses as a /1): every client in it skips the WAF's rules. That needs the same confirmation as 0.0.0.0/0; confirm to add.`,
          `With ${b}, the allow list covers 50% of ${family} (as many addresses as a /1): every client in it skips the WAF's rules. That needs the same confirmation as 0.0.0.0/0; confirm to add.`,
        ]);
        const confirmed = checkIpListChange({ existing: [], adding, confirmWide: true });
        expect(confirmed.ok).toBe(true);
        const last = confirmed.lines[1]!;
        expect(last.status === "added" && last.warnings).toContain(`With ${b}, the allow list covers 100% of ${family} (as many addresses as a /0): every client in it skips the WAF's rules.`);
      }
    });

    it.each([
      [["10.0.0.0/8", "11.0.0.0/8"], "11.0.0.0/8", "0.781% of IPv4 (as many addresses as a /7)"],
      [["10.0.0.0/8", "192.168.0.0/16"], "192.168.0.0/16", "0.392% of IPv4 (more addresses than a /8)"],
      [["10.0.0.0/9", "172.16.0.0/12", "10.128.0.0/9", "192.168.0.0/16"], "10.128.0.0/9", "0.415% of IPv4 (more addresses than a /8)"],
      [["2001::/16", "2002::/16"], "2002::/16", "less than 0.1% of IPv6 (as many addresses as a /15)"],
    ])("%j in one paste: the line that goes past the bound needs the confirmation", (cidrs, refused, description) => {
      const report = checkIpListChange({ existing: [], adding: cidrs.map((cidr) => ({ kind: "ALLOW" as const, cidr })) });
      expect(refusedReasons(report)).toEqual(
        cidrs.map((c) =>
          c === refused ? `With ${refused}, the allow list covers ${description}: every client in it skips the WAF's rules. That needs the same confirmation as 0.0.0.0/0; confirm to add.` : "added",
        ),
      );
      const confirmed = checkIpListChange({ existing: [], adding: cidrs.map((cidr) => ({ kind: "ALLOW" as const, cidr })), confirmWide: true });
      expect(confirmed.ok).toBe(true);
      const line = confirmed.lines[cidrs.indexOf(refused)]!;
      expect(line.status === "added" && line.warnings).toContain(`With ${refused}, the allow list covers ${description}: every client in it skips the WAF's rules.`);
    });

    it("counts what is already on the allow list, and overlaps once", () => {
      const existing = [
        { kind: "ALLOW" as const, cidr: "0.0.0.0/1" },
        { kind: "DENY" as const, cidr: "128.0.0.0/2" }, // the deny list does not count
      ];
      expect(refusedReasons(checkIpListChange({ existing, adding: [{ kind: "ALLOW", cidr: "128.0.0.0/1" }] }))[0]).toMatch(/^With 128\.0\.0\.0\/1, the allow list covers 100% of IPv4/);
      // Already over the bound: any further allow entry needs the confirmation again.
      expect(refusedReasons(checkIpListChange({ existing, adding: [{ kind: "ALLOW", cidr: "192.0.2.7" }] }))[0]).toMatch(/^With 192\.0\.2\.7, the allow list covers 50% of IPv4/);
      // A /8 in all is within the bound; a /8 made of halves overlapping an existing /9 too.
      const halves = [{ kind: "ALLOW" as const, cidr: "10.0.0.0/9" }];
      expect(checkIpListChange({ existing: halves, adding: [{ kind: "ALLOW", cidr: "10.128.0.0/9" }] }).ok).toBe(true);
      expect(checkIpListChange({ existing: halves, adding: [{ kind: "ALLOW", cidr: "10.0.0.0/8" }] }).ok).toBe(true);
      expect(checkIpListChange({ existing: [{ kind: "ALLOW", cidr: "10.0.0.0/8" }], adding: [{ kind: "ALLOW", cidr: "11.0.0.0/32" }] }).ok).toBe(false);
      // Deny lists are not judged this way (denying too much blocks clients; it opens nothing).
      expect(checkIpListChange({ existing: [], adding: [{ kind: "DENY", cidr: "0.0.0.0/1" }, { kind: "DENY", cidr: "128.0.0.0/1" }] }).ok).toBe(true);
    });

    it("a single very wide allow range needs the confirmation, a /8 does not", () => {
      expect(checkIpListChange({ existing: [], adding: [{ kind: "ALLOW", cidr: "10.0.0.0/8" }] }).ok).toBe(true);
      expect(checkIpListChange({ existing: [], adding: [{ kind: "ALLOW", cidr: "10.0.0.0/7" }] }).ok).toBe(false);
      expect(checkIpListChange({ existing: [], adding: [{ kind: "ALLOW", cidr: "2001::/16" }] }).ok).toBe(true);
      expect(checkIpListChange({ existing: [], adding: [{ kind: "ALLOW", cidr: "2000::/15" }] }).ok).toBe(false);
    });

    it("allowListCoverage reports each family's union, and which exceed the bound", () => {
      const entries = [
        { kind: "ALLOW" as const, cidr: "0.0.0.0/1" },
        { kind: "ALLOW" as const, cidr: "128.0.0.0/1" },
        { kind: "ALLOW" as const, cidr: "10.0.0.0/8" },
        { kind: "ALLOW" as const, cidr: "2001:db8::/32" },
        { kind: "DENY" as const, cidr: "::/0" },
      ];
      expect(allowListCoverage(entries).map((c) => [c.family, c.exceeds, c.description])).toEqual([
        ["ipv4", true, "the allow list covers 100% of IPv4 (as many addresses as a /0)"],
        ["ipv6", false, "the allow list covers less than 0.1% of IPv6 (as many addresses as a /32)"],
      ]);
    });

    it("a random allow list is refused past the bound exactly when its union exceeds it", () => {
      fc.assert(
        fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 4, max: 12 })), { maxLength: 12 }), (ranges) => {
          const adding = ranges.map(([first, prefix]) => {
            const mask = prefix >= 8 ? first : first & (0xff << (8 - prefix)) & 0xff;
            return { kind: "ALLOW" as const, cidr: `${mask}.0.0.0/${prefix}` };
          });
          const report = checkIpListChange({ existing: [], adding });
          const accepted = report.added.map((a) => ({ kind: "ALLOW" as const, cidr: a.cidr }));
          const coverage = allowListCoverage(accepted).find((c) => c.family === "ipv4");
          expect(coverage?.exceeds ?? false).toBe(false);
          // Whatever was refused for the bound would have taken it past.
          for (const line of report.lines) {
            if (line.status === "refused" && line.reason.includes("confirmation")) {
              expect(allowListCoverage([...accepted, { kind: "ALLOW", cidr: line.input }]).find((c) => c.family === "ipv4")!.exceeds).toBe(true);
            }
          }
        }),
      );
    });
  });

  it("checks the pasted lines against each other", () => {
    const report = checkIpListChange({
      existing: [],
      adding: [
        { kind: "DENY", cidr: "203.0.113.5", line: 1 },
        { kind: "DENY", cidr: "203.0.113.5/32", line: 2 },
        { kind: "DENY", cidr: "203.0.113.0/24", line: 3 },
        { kind: "DENY", cidr: "203.0.113.9", line: 4 },
        { kind: "ALLOW", cidr: "203.0.113.0/24", line: 5 },
        { kind: "DENY", cidr: "garbage", line: 6 },
      ],
    });
    const byLine = report.lines.map((l) => [l.line, l.status, l.status === "refused" ? l.reason : l.warnings]);
    expect(byLine).toEqual([
      [1, "added", []],
      [2, "refused", "203.0.113.5 is a duplicate of line 1 in this paste."],
      [3, "added", ["203.0.113.0/24 makes this entry of the deny list redundant: 203.0.113.5 (line 1 of this paste)."]],
      [4, "refused", "203.0.113.9 is already covered by 203.0.113.0/24 (line 3 of this paste) in the deny list."],
      [5, "refused", expect.stringMatching(/^203\.0\.113\.0\/24 is also on line 3 in the deny list/)],
      [6, "refused", expect.stringMatching(/not an IP address/)],
    ]);
    expect(report.refusedCount).toBe(4);
    expect(report.added.map((a) => a.cidr)).toEqual(["203.0.113.5", "203.0.113.0/24"]);
  });

  it("refuses a note with a line break or control characters", () => {
    const line = only(checkIpListChange({ existing: [], adding: [{ kind: "DENY", cidr: "203.0.113.5", note: "a\nSecRule" }] }));
    expect(line.status === "refused" && line.reason).toMatch(/line feed/);
    const long = only(checkIpListChange({ existing: [], adding: [{ kind: "DENY", cidr: "203.0.113.5", note: "x".repeat(201) }] }));
    expect(long.status).toBe("refused");
  });

  it("ignores unparsable existing entries instead of failing", () => {
    const report = checkIpListChange({ existing: [{ kind: "DENY", cidr: "legacy junk" }], adding: [{ kind: "DENY", cidr: "10.0.0.1" }] });
    expect(report.ok).toBe(true);
  });

  it("stays fast on a large paste against a large list", () => {
    const big = Array.from({ length: 5000 }, (_, i) => ({ kind: "DENY" as const, cidr: `2001:db8:${i.toString(16)}::/48` }));
    const adding = Array.from({ length: 5000 }, (_, i) => ({ kind: "DENY" as const, cidr: `10.${i >> 8}.${i & 255}.0/24` }));
    const started = performance.now();
    const report = checkIpListChange({ existing: big, adding });
    expect(report.added).toHaveLength(5000);
    expect(performance.now() - started).toBeLessThan(5000);
  });
});

describe("parseBulkPaste", () => {
  it("splits lines, commas and spaces, skips blanks and comments, keeps notes and line numbers", () => {
    const text = [
      "# office ranges",
      "10.0.0.0/8  office network",
      "",
      "   ",
      "192.0.2.7, 198.51.100.7 203.0.113.9  # scanners",
      "2001:db8::/32,2001:db8:1::1\tvpn, floor 2",
      "not-an-address and a note",
    ].join("\r\n");
    expect(parseBulkPaste(text)).toEqual([
      { line: 2, input: "10.0.0.0/8", note: "office network" },
      { line: 5, input: "192.0.2.7" },
      { line: 5, input: "198.51.100.7" },
      { line: 5, input: "203.0.113.9" },
      { line: 6, input: "2001:db8::/32", note: "vpn, floor 2" },
      { line: 6, input: "2001:db8:1::1", note: "vpn, floor 2" },
      { line: 7, input: "not-an-address", note: "and a note" },
    ]);
  });

  it("treats CR, LF, CRLF and Unicode line separators as line ends", () => {
    const items = parseBulkPaste("1.1.1.1\r2.2.2.2\n3.3.3.3\u20284.4.4.4\u20295.5.5.5");
    expect(items.map((i) => [i.line, i.input])).toEqual([
      [1, "1.1.1.1"],
      [2, "2.2.2.2"],
      [3, "3.3.3.3"],
      [4, "4.4.4.4"],
      [5, "5.5.5.5"],
    ]);
  });

  it("keeps look-alike addresses as items so they get refused, not swallowed into a note", () => {
    const items = parseBulkPaste("10.0.0.1 １０.０.０.２");
    expect(items.map((i) => i.input)).toEqual(["10.0.0.1", "１０.０.０.２"]);
    const report = checkIpListChange({ existing: [], adding: items.map((i) => ({ kind: "DENY", cidr: i.input, line: i.line })) });
    expect(report.lines.map((l) => l.status)).toEqual(["added", "refused"]);
  });

  it("returns nothing for an empty or comment-only paste", () => {
    expect(parseBulkPaste("")).toEqual([]);
    expect(parseBulkPaste("# nothing\n\n  # here")).toEqual([]);
  });
});

describe("schemas", () => {
  it("IpEntrySchema normalises the range and trims the note", () => {
    expect(IpEntrySchema.parse({ kind: "DENY", cidr: "2001:DB8::1/128", note: "  x " })).toEqual({ kind: "DENY", cidr: "2001:db8::1", note: "x" });
  });

  it("IpEntrySchema reports the parse error on the cidr field", () => {
    const result = IpEntrySchema.safeParse({ kind: "DENY", cidr: "10.0.0.5/24" });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]).toMatchObject({ path: ["cidr"], message: expect.stringContaining("Did you mean 10.0.0.0/24?") });
  });

  it("IpEntrySchema refuses bad kinds and unsafe notes", () => {
    expect(IpEntrySchema.safeParse({ kind: "MAYBE", cidr: "10.0.0.1" }).success).toBe(false);
    expect(IpEntrySchema.safeParse({ kind: "DENY", cidr: "10.0.0.1", note: "a\u2028b" }).success).toBe(false);
    expect(IpEntrySchema.safeParse({ kind: "DENY", cidr: "10.0.0.1", note: "x".repeat(201) }).success).toBe(false);
    expect(IpEntrySchema.safeParse({ kind: "DENY", cidr: "10.0.0.1", note: "Büro Köln — ok" }).success).toBe(true);
  });

  it("CidrSchema gives the canonical form", () => {
    expect(CidrSchema.parse(" 10.0.0.1/32 ")).toBe("10.0.0.1");
  });

  it("IpBulkSchema caps the paste at 100,000 characters", () => {
    expect(IpBulkSchema.safeParse({ kind: "DENY", text: "10.0.0.1\n", confirmWide: false }).success).toBe(true);
    expect(IpBulkSchema.safeParse({ kind: "DENY", text: "1".repeat(100_001), confirmWide: false }).success).toBe(false);
    expect(IpBulkSchema.safeParse({ kind: "DENY", text: "  \n ", confirmWide: false }).success).toBe(false);
    expect(IpBulkSchema.safeParse({ kind: "DENY", text: "10.0.0.1" }).success).toBe(false);
  });
});
