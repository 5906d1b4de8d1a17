// The audit-log parser on real libmodsecurity 3.0.9 JSON (./fixtures/audit.jsonl, written by
// ./fixtures/make.ts from the real engine, nginx running in UTC), plus the format's traps in isolation.
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { outcomeOf, parseAuditLine, parseCtime, scoresOf, splitMatchedData, vhostOf, type ParseOptions } from "./parse";
import { EVENT_FIELD_LIMITS, WafEventSchema, type WafEvent } from "./schema";

const DIR = path.join(path.dirname(new URL(import.meta.url).pathname), "fixtures");
const LINES = readFileSync(path.join(DIR, "audit.jsonl"), "utf8").split("\n").filter(Boolean);
const STATUSES = JSON.parse(readFileSync(path.join(DIR, "statuses.json"), "utf8")) as Record<string, number>;
const utc: ParseOptions["localTime"] = (y, mo, d, h, m, s) => new Date(Date.UTC(y, mo, d, h, m, s));

/** The fixture line of a case (make.ts tags each request with X-Fixture). */
function line(name: string): string {
  const found = LINES.find((l) => (JSON.parse(l) as { transaction: { request: { headers: Record<string, string> } } }).transaction.request.headers["X-Fixture"] === name);
  if (!found) throw new Error(`no fixture line for ${name}`);
  return found;
}
function event(name: string, options: ParseOptions = {}): WafEvent {
  const r = parseAuditLine(line(name), { localTime: utc, ...options });
  if (!r.ok) throw new Error(`${name}: ${r.reason} ${r.message}`);
  return r.event;
}

describe("parseAuditLine on the real engine's fixtures", () => {
  it("has a line for every case the engine logged, and none for the benign requests", () => {
    expect(STATUSES["block-benign"]).toBe(200);
    expect(() => line("block-benign")).toThrow();
    expect(() => line("detect-benign")).toThrow();
    expect(LINES.length).toBe(Object.keys(STATUSES).length - 2);
  });

  it("parses every event line into a valid event", () => {
    for (const l of LINES) {
      const r = parseAuditLine(l, { localTime: utc });
      if (!r.ok) {
        expect(r.reason).toBe("no-matches");
        continue;
      }
      expect(WafEventSchema.safeParse(r.event).error).toBeUndefined();
    }
  });

  it("reads a blocked SQL injection: vhost from the bundle's signature, time in UTC, score, the scoring rule and its matched data", () => {
    const e = event("block-sqli", { redact: false });
    const tx = (JSON.parse(line("block-sqli")) as { transaction: { unique_id: string; time_stamp: string } }).transaction;
    expect(e).toMatchObject({ transactionId: tx.unique_id, vhost: "shop.test", clientAddress: "127.0.0.1", method: "GET", uri: "/products?id=1'%20OR%20'1'='1", status: 403, outcome: "blocked", inboundScore: 5, outboundScore: null });
    expect(e.time).toBe(parseCtime(tx.time_stamp, utc));
    expect(e.time).toMatch(/^2026-12-06T\d{2}:\d{2}:\d{2}Z$/);
    expect(e.matches.map((m) => m.ruleId)).toEqual([942100, 949110]);
    expect(e.matches[0]).toMatchObject({ message: "SQL Injection Attack Detected via libinjection", severity: 2, variable: "ARGS:id", data: "s&sos", value: "1' OR '1'='1" });
    // 3.0.9 drops this rule's tags: no paranoia level for it.
    expect(e.matches[0]!.paranoiaLevel).toBeNull();
    expect(e.matches[1]).toMatchObject({ ruleId: 949110, variable: null, data: null, value: null, paranoiaLevel: null });
  });

  it("reads an XSS with its paranoia-level tags", () => {
    const e = event("block-xss");
    expect(e.outcome).toBe("blocked");
    expect(e.inboundScore).toBe(15);
    const m = e.matches.find((x) => x.ruleId === 941110)!;
    expect(m).toMatchObject({ variable: "ARGS:q", data: "<script>", value: "<script>alert(1)</script>", paranoiaLevel: 1 });
    expect(m.tags).toContain("attack-xss");
  });

  it("tells detection-only (logged, passed) from blocking, and sees paranoia level 2 rules", () => {
    const e = event("detect-sqli");
    expect(e).toMatchObject({ vhost: "api.test", status: 200, outcome: "detected", inboundScore: 30 });
    expect(e.matches.find((m) => m.ruleId === 942180)!.paranoiaLevel).toBe(2);
    expect(event("detect-xss").outcome).toBe("detected");
    expect(event("detect-traversal").outcome).toBe("detected");
  });

  it("counts the deny list as blocked even in detection-only mode (it switches the engine on)", () => {
    for (const name of ["block-deny-list", "detect-deny-list"]) {
      const e = event(name);
      expect(e.outcome).toBe("blocked");
      expect(e.status).toBe(403);
      expect(e.matches).toEqual([expect.objectContaining({ ruleId: 90100, message: "Client address is on the deny list", variable: null, data: null })]);
    }
  });

  it("keeps one match per logged message, with the variable each was found in", () => {
    const e = event("block-traversal");
    expect(e.matches.map((m) => `${m.ruleId} ${m.variable}`)).toEqual([
      "930100 ARGS:file",
      "930110 REQUEST_URI",
      "930110 ARGS:file",
      "930120 ARGS:file",
      "932160 ARGS:file",
      "949110 null",
    ]);
    expect(e.matches[1]).toMatchObject({ data: "/../", value: "/files?file=../../etc/passwd" });
  });

  it("splits an argument name holding colons, quotes and ': ' correctly", () => {
    const e = event("block-odd-name");
    expect(e.matches.find((m) => m.ruleId === 941110)).toMatchObject({ variable: 'ARGS:a:b"c: d', data: "<script>", value: "<script>x</script>: y" });
    // libinjection's rule has no "against variable" text: the request's own argument names decide.
    expect(e.matches.find((m) => m.ruleId === 941100)).toMatchObject({ variable: 'ARGS:a:b"c: d', value: "<script>x</script>: y" });
  });

  it("skips a transaction logged for its status alone (a backend 500): not a WAF event", () => {
    const r = parseAuditLine(line("block-backend-500"), { localTime: utc });
    expect(r).toMatchObject({ ok: false, reason: "no-matches" });
  });
});

describe("parseAuditLine on bad input", () => {
  it("answers malformed for text, truncated JSON and the wrong shape, never throws", () => {
    const good = line("block-sqli");
    for (const bad of ["", "not json", good.slice(0, good.length / 2), "{}", '{"transaction":{}}', JSON.stringify({ transaction: { ...JSON.parse(good).transaction, response: { http_code: "403" } } })]) {
      const r = parseAuditLine(bad);
      expect(r).toMatchObject({ ok: false, reason: "malformed" });
    }
  });

  it("answers no-vhost for a transaction without the bundle's signature", () => {
    const tx = JSON.parse(line("block-sqli"));
    tx.transaction.producer.components = ['OWASP_CRS/3.3.4"'];
    expect(parseAuditLine(JSON.stringify(tx))).toMatchObject({ ok: false, reason: "no-vhost" });
  });

  it("refuses a time_stamp that is not ctime text", () => {
    const tx = JSON.parse(line("block-sqli"));
    tx.transaction.time_stamp = "2026-12-06 08:04:22";
    expect(parseAuditLine(JSON.stringify(tx))).toMatchObject({ ok: false, reason: "malformed" });
  });

  it("truncates gigantic fields to the schema's limits at the source", () => {
    const tx = JSON.parse(line("block-xss"));
    tx.transaction.request.uri = `/search?q=${"x".repeat(100_000)}`;
    tx.transaction.messages[1].details.data = `Matched Data: ${"<".repeat(50_000)} found within ARGS:q: ${"y".repeat(50_000)}`;
    tx.transaction.messages[1].message = "m".repeat(10_000);
    tx.transaction.messages[1].details.tags = Array.from({ length: 100 }, (_, i) => `t${i}${"z".repeat(500)}`);
    const r = parseAuditLine(JSON.stringify(tx));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(WafEventSchema.safeParse(r.event).success).toBe(true);
    expect(r.event.uri.length).toBe(EVENT_FIELD_LIMITS.uri);
    expect(r.event.uri.endsWith("…")).toBe(true);
    expect(r.event.matches[1]!.data!.length).toBe(EVENT_FIELD_LIMITS.data);
    expect(r.event.matches[1]!.tags.length).toBe(EVENT_FIELD_LIMITS.tagsPerMatch);
  });
});

describe("the format's traps", () => {
  it("reads ctime in the given local zone (a node at UTC+2 logs 2 hours ahead of UTC)", () => {
    expect(parseCtime("Sun Dec  6 04:06:46 2026", utc)).toBe("2026-12-06T04:06:46Z");
    const plus2: ParseOptions["localTime"] = (y, mo, d, h, m, s) => new Date(Date.UTC(y, mo, d, h - 2, m, s));
    expect(parseCtime("Sun Dec  6 04:06:46 2026", plus2)).toBe("2026-12-06T02:06:46Z");
    expect(parseCtime("Mon Jan 12 23:59:59 2027", utc)).toBe("2027-01-12T23:59:59Z");
    expect(parseCtime("Sun Foo  6 04:06:46 2026", utc)).toBeNull();
  });

  it("takes the vhost from the signature component, without 3.0.9's stray quote", () => {
    expect(vhostOf(['palisade-vhost/shop.example.com"', 'OWASP_CRS/3.3.4"'])).toBe("shop.example.com");
    expect(vhostOf(["OWASP_CRS/3.3.4"])).toBeNull();
  });

  it("reads scores from CRS 3 and CRS 4 blocking and correlation messages", () => {
    expect(scoresOf([{ message: "Inbound Anomaly Score Exceeded (Total Score: 15)" }])).toEqual({ inbound: 15, outbound: null });
    expect(scoresOf([{ message: "Inbound Anomaly Score Exceeded (Total Inbound Score: 20 - SQLI=20,XSS=0): individual paranoia level scores: 20, 0, 0, 0" }, { message: "Outbound Anomaly Score Exceeded (score 4): x" }])).toEqual({ inbound: 20, outbound: 4 });
  });

  it("decides the outcome from the engine mode, the status and the rules", () => {
    expect(outcomeOf("Enabled", 403, [942100, 949110])).toBe("blocked");
    expect(outcomeOf("DetectionOnly", 200, [942100, 949110])).toBe("detected");
    expect(outcomeOf("DetectionOnly", 403, [942100])).toBe("detected");
    expect(outcomeOf("Enabled", 400, [200002])).toBe("blocked");
    expect(outcomeOf("Enabled", 500, [920350])).toBe("detected");
  });

  it("splits matched data with ' found within ' and ': ' inside the values", () => {
    expect(splitMatchedData("Matched Data: a found within b found within ARGS:x: a found within b")).toEqual({ variable: "ARGS:x", data: "a found within b", value: "a found within b" });
    expect(splitMatchedData("Matched Data: x found within REQUEST_URI: /p?q=x: y")).toEqual({ variable: "REQUEST_URI", data: "x", value: "/p?q=x: y" });
    expect(splitMatchedData("Matched Data: x found within ARGS:k: ", { matchText: "against variable `ARGS:k' (Value: `' )" })).toMatchObject({ variable: "ARGS:k", value: "" });
    expect(splitMatchedData("some custom logdata")).toEqual({ variable: null, data: "some custom logdata", value: null });
    expect(splitMatchedData("")).toEqual({ variable: null, data: null, value: null });
  });
});
