// Hostile input through every REST API route (as lib/auth/hostile-actions.int.test.ts does for the
// actions), with an administrator's write token: whatever the body, query, path or If-Match, the answer
// is a problem-details or JSON answer with a 2xx/4xx status — never a 500 — and the database stays
// consistent (every vhost has its policy, the audit chain verifies).
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { hashEvent } from "@/lib/audit/chain";
import { db } from "@/lib/db";
import { createVhost } from "@/lib/vhosts/service";
import { call, userWithToken } from "./api-fixtures";
import { API_ROUTES } from "./routes";

let token: string;
let vhostId: string;

beforeAll(async () => {
  token = (await userWithToken("hostile@api.test", "ADMIN", "write")).token;
  const v = await createVhost({ actor: { id: null, email: "setup@api.test" } }, {
    domain: "hostile-api.example.test", aliases: [], backendUrl: "http://10.0.0.1", tlsMode: "NONE", certificateRef: "", hsts: false, minTlsVersion: "TLS1_2", enabled: true,
  });
  vhostId = v.id;
});

const hostileString = fc.oneof(
  fc.string(),
  fc.constantFrom("", " ", "\n", "\0", "'", '"', "\\", "${x}", "</script>", "DROP TABLE \"User\";--", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "ѕhop.example.com", "0.0.0.0/0", "::/0", "x".repeat(5000), "-1", "1e309", "NaN", "draft", "__proto__"),
);
const hostileValue = fc.oneof(hostileString, fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.array(hostileString, { maxLength: 3 }));
const FIELDS = ["kind", "text", "confirmWide", "ruleId", "ruleIdEnd", "description", "secRule", "tag", "target", "pathPrefix", "note", "domain", "aliases", "backendUrl", "tlsMode", "certificateRef", "hsts", "minTlsVersion", "enabled", "engineMode", "blockingParanoia", "detectionParanoia", "inboundThreshold", "outboundThreshold", "version", "basedOn", "previewed", "templateId", "confirmInternalBackend", "yaml", "source", "name", "policy", "exclusions", "replaceExclusions", "direction"];
const hostileBody = fc.oneof(fc.anything(), fc.dictionary(fc.constantFrom(...FIELDS), hostileValue, { maxKeys: 10 }));
const QUERY_KEYS = ["limit", "cursor", "q", "from", "to", "format", "actor", "action", "entity", "entityId", "vhost", "range", "rule", "client", "path", "status"];
const hostileQuery = fc.dictionary(fc.constantFrom(...QUERY_KEYS), hostileString, { maxKeys: 5 });
const hostileId = fc.oneof(fc.constant("__VHOST__"), fc.uuid(), hostileString.filter((s) => s.length > 0 && s.length < 200));
const hostileIfMatch = fc.oneof(fc.constant(undefined), fc.constantFrom('"1"', 'W/"1"', "*", '"0"', '"999999999"', "1, 2", `"${"0".repeat(64)}"`), hostileString);

async function assertConsistent() {
  expect(await db.virtualHost.count({ where: { policy: null } }), "every vhost keeps its policy").toBe(0);
  const events = await db.auditEvent.findMany({ orderBy: { seq: "asc" } });
  let prev = "0".repeat(64);
  for (const [i, e] of events.entries()) {
    expect(e.seq).toBe(i + 1);
    expect(e.prevHash).toBe(prev);
    expect(hashEvent(e)).toBe(e.hash);
    prev = e.hash;
  }
}

describe(`hostile input through every API route (${process.env.TEST_DB})`, () => {
  it("never answers 500 and leaves the database consistent", async () => {
    process.env.API_RATE_LIMIT = "1000000";
    try {
      for (const route of API_ROUTES) {
        await fc.assert(
          fc.asyncProperty(hostileBody, hostileQuery, hostileId, hostileIfMatch, async (body, query, id, ifMatch) => {
            const segment = encodeURIComponent(id === "__VHOST__" ? vhostId : id);
            const path = route.path.replace(/\{(\w+)\}/g, (_, name: string) => (name === "id" || name === "number" ? segment : encodeURIComponent(id)));
            const search = new URLSearchParams(query as Record<string, string>).toString();
            const headers: Record<string, string> = {};
            if (ifMatch !== undefined) headers["if-match"] = ifMatch.replace(/[\r\n\0]/g, "");
            let raw: string | undefined;
            try {
              raw = route.body ? (JSON.stringify(body) ?? "null") : undefined;
            } catch {
              raw = "null";
            }
            const res = await call(route.method, `${path}${search ? `?${search}` : ""}`, { token, rawBody: raw, headers: { ...headers, ...(raw !== undefined ? { "content-type": "application/json" } : {}) } });
            expect(res.status, `${route.method} ${route.path}: ${res.status} ${res.status >= 500 ? await res.text() : ""}`).toBeLessThan(500);
          }),
          { numRuns: 20, seed: 7 },
        );
      }
    } finally {
      delete process.env.API_RATE_LIMIT;
    }
    await assertConsistent();
  }, 300_000);
});
