// Redaction at the source, on the real engine's fixtures: the secrets make.ts sent (a cookie, a bearer
// token, Basic credentials, a password in the query and in a form body, an API key) appear nowhere in
// what the agent would ship, while the event still says what matched where.
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { FIXTURE_SECRETS } from "./fixtures/secrets";
import { parseAuditLine } from "./parse";
import { collectSecrets, isSecretName, isSensitiveVariable, REDACTED, redactEvent, redactPairs, scrub } from "./redact";
import type { WafEvent } from "./schema";

const LINES = readFileSync(path.join(path.dirname(new URL(import.meta.url).pathname), "fixtures/audit.jsonl"), "utf8").split("\n").filter(Boolean);
const fixture = (name: string) => LINES.find((l) => l.includes(`"X-Fixture":"${name}"`))!;

/** Every form a secret could be shipped in. */
function forms(secret: string): string[] {
  return [secret, encodeURIComponent(secret), encodeURI(secret), Buffer.from(secret).toString("base64"), JSON.stringify(secret).slice(1, -1)];
}

function shipped(events: WafEvent[]): string {
  return JSON.stringify({ events });
}

describe("redaction of the real engine's events", () => {
  const events = LINES.map((l) => parseAuditLine(l)).flatMap((r) => (r.ok ? [r.event] : []));

  it("ships none of the secrets, in any encoding", () => {
    const json = shipped(events);
    for (const secret of Object.values(FIXTURE_SECRETS)) {
      for (const form of forms(secret)) expect(json, `${secret} as ${form}`).not.toContain(form);
    }
    // The Basic credentials make.ts sent, encoded.
    expect(json).not.toContain(Buffer.from(`bob:${FIXTURE_SECRETS.bearer}`).toString("base64"));
    // The unredacted events did hold them: the test is not vacuous.
    const raw = shipped(LINES.map((l) => parseAuditLine(l, { redact: false })).flatMap((r) => (r.ok ? [r.event] : [])));
    expect(raw).toContain(FIXTURE_SECRETS.cookie);
    expect(raw).toContain(FIXTURE_SECRETS.password);
    expect(raw).toContain(FIXTURE_SECRETS.apiKey);
  });

  it("keeps what matched where: rule, variable, and the redacted marker instead of the value", () => {
    const query = parseAuditLine(fixture("block-secrets-query"));
    expect(query.ok).toBe(true);
    if (!query.ok) return;
    expect(query.event.uri).toBe(`/login?user=bob&password=${REDACTED}&api_key=${REDACTED}`);
    expect(query.event.matches[0]).toMatchObject({ ruleId: 942100, variable: "ARGS:password", data: REDACTED, value: REDACTED });

    const cookie = parseAuditLine(fixture("detect-cookie-attack"));
    if (!cookie.ok) throw new Error(cookie.message);
    for (const m of cookie.event.matches.filter((x) => x.variable !== null)) expect(m).toMatchObject({ variable: "REQUEST_COOKIES:session", data: REDACTED, value: REDACTED });

    // Nothing secret, nothing redacted.
    const xss = parseAuditLine(fixture("block-xss"));
    if (!xss.ok) throw new Error(xss.message);
    expect(JSON.stringify(xss.event)).not.toContain(REDACTED);
  });
});

describe("redaction rules", () => {
  it("recognises secret argument names by word, not by substring", () => {
    for (const n of ["password", "user[password]", "api_key", "apiKey", "X-Api-Key", "access_token", "client_secret", "PASSWD", "json.auth.token"]) expect(isSecretName(n), n).toBe(true);
    for (const n of ["q", "keyword", "monkey", "sort", "passage", "id"]) expect(isSecretName(n), n).toBe(false);
    expect(isSecretName("pin", { secretNames: ["otp"] })).toBe(false);
    expect(isSecretName("my_otp", { secretNames: ["otp"] })).toBe(true);
  });

  it("treats cookies, the credential headers and secret arguments as sensitive variables", () => {
    for (const v of ["REQUEST_COOKIES:anything", "REQUEST_HEADERS:Cookie", "REQUEST_HEADERS:authorization", "REQUEST_HEADERS:Proxy-Authorization", "RESPONSE_HEADERS:Set-Cookie", "ARGS:password", "ARGS_POST:api_key"]) {
      expect(isSensitiveVariable(v), v).toBe(true);
    }
    for (const v of ["ARGS:q", "REQUEST_HEADERS:User-Agent", "REQUEST_URI", "ARGS_NAMES:password", null]) expect(isSensitiveVariable(v), String(v)).toBe(false);
  });

  it("redacts name=value pairs in query strings, request lines and bodies, also when cut off", () => {
    expect(redactPairs("/a?x=1&password=hunter2&token=abc;q=2")).toBe(`/a?x=1&password=${REDACTED}&token=${REDACTED};q=2`);
    expect(redactPairs("GET /login?pass%77ord=zz HTTP/1.1")).toBe(`GET /login?pass%77ord=${REDACTED} HTTP/1.1`);
    expect(redactPairs("user=bob&password=hunt")).toBe(`user=bob&password=${REDACTED}`);
    expect(redactPairs("q=keyword&sort=name")).toBe("q=keyword&sort=name");
  });

  it("collects credentials from headers (Bearer, Basic user:password, every cookie value) and scrubs them everywhere", () => {
    const secrets = collectSecrets({
      uri: "/x?token=tok-123456",
      requestHeaders: { Cookie: "sid=abcd1234; theme=dark", Authorization: `Basic ${Buffer.from("bob:pa55word").toString("base64")}` },
      responseHeaders: { "Set-Cookie": "sid=newsession99; Path=/" },
      matched: [{ variable: "ARGS_POST:password", value: "from-the-body", data: "body" }],
    });
    for (const s of ["abcd1234", "dark", "pa55word", "bob:pa55word", "newsession99", "tok-123456", "from-the-body"]) expect(secrets).toContain(s);
    expect(scrub("REQUEST_BODY: user=bob&pw=from-the-body and abcd1234 and pa55word", secrets)).toBe(`REQUEST_BODY: user=bob&pw=${REDACTED} and ${REDACTED} and ${REDACTED}`);
  });

  it("redacts a whole event: URI, messages, data and values", () => {
    const event: WafEvent = {
      transactionId: "1",
      time: "2026-12-06T08:00:00Z",
      vhost: "a.test",
      clientAddress: "192.0.2.1",
      method: "POST",
      uri: "/login?password=abc123",
      status: 403,
      outcome: "blocked",
      inboundScore: 5,
      outboundScore: null,
      matches: [
        { ruleId: 1, message: "saw abcd1234", tags: [], severity: 2, paranoiaLevel: 1, variable: "REQUEST_BODY", data: "password=abc123", value: "user=a&password=abc123" },
        { ruleId: 2, message: "m", tags: [], severity: 2, paranoiaLevel: 1, variable: "REQUEST_HEADERS:Authorization", data: "Bearer", value: "Bearer abcd1234" },
      ],
    };
    const out = redactEvent(event, ["abcd1234"]);
    expect(JSON.stringify(out)).not.toMatch(/abc123|abcd1234/);
    expect(out.matches[1]).toMatchObject({ data: REDACTED, value: REDACTED, variable: "REQUEST_HEADERS:Authorization" });
  });
});
