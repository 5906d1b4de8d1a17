// The route-handler wrapper on a real database (SQLite and PostgreSQL): request ids, session
// authentication and permission (with the refusal on record), and every error mapped to { error, requestId }.
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { runWithSession } from "@/lib/auth/session";
import { db } from "@/lib/db";
import { ConflictError, FieldValidationError, NotFoundError, UnauthenticatedError } from "@/lib/errors";
import { log } from "@/lib/log";
import { anyone, DB_OUTAGE_RETRY_AFTER_SECONDS, defineRoute, HttpError, session } from "./route";

const claims: Record<string, { uid: string; sv: number }> = {};
const URL_ = "http://panel.test/api/wrapped";

beforeAll(async () => {
  for (const role of ["ADMIN", "EDITOR"] as const) {
    const u = await db.user.create({ data: { email: `${role.toLowerCase()}@route.test`, name: role, passwordHash: "x", role } });
    claims[role] = { uid: u.id, sv: u.sessionVersion };
  }
});

afterEach(() => void vi.restoreAllMocks());

const echo = defineRoute({ name: "GET /api/wrapped", auth: anyone }, async ({ requestId }) => Response.json({ requestId }));

describe(`defineRoute (${process.env.TEST_DB})`, () => {
  it("echoes a sane x-request-id and makes one up otherwise, on the response header", async () => {
    const given = await echo(new Request(URL_, { headers: { "x-request-id": "edge-42.a_b" } }));
    expect(given.headers.get("x-request-id")).toBe("edge-42.a_b");
    expect(await given.json()).toEqual({ requestId: "edge-42.a_b" });

    for (const headers of [{} as Record<string, string>, { "x-request-id": "has spaces" }, { "x-request-id": "x".repeat(65) }, { "x-request-id": "a\u00e9" }]) {
      const res = await echo(new Request(URL_, { headers }));
      const id = res.headers.get("x-request-id")!;
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
      expect(((await res.json()) as { requestId: string }).requestId).toBe(id);
    }
  });

  it("puts the request id on responses whose headers cannot be changed", async () => {
    const redirect = defineRoute({ name: "GET /r", auth: anyone }, async () => Response.redirect("http://panel.test/elsewhere", 302));
    const res = await redirect(new Request(URL_, { headers: { "x-request-id": "r-1" } }));
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("http://panel.test/elsewhere");
    expect(res.headers.get("x-request-id")).toBe("r-1");
  });

  it("passes the route's params", async () => {
    const route = defineRoute<null, { id: string }>({ name: "GET /x/[id]", auth: anyone }, async ({ params }) => Response.json(params));
    expect(await (await route(new Request(URL_), { params: Promise.resolve({ id: "7" }) })).json()).toEqual({ id: "7" });
  });

  describe("session authentication", () => {
    const handler = vi.fn(async ({ principal }: { principal: { user: { email: string } } }) => Response.json({ who: principal.user.email }));
    const route = defineRoute({ name: "GET /api/wrapped", auth: session("audit.export", "No export for you.") }, handler);
    const call = (who: string | null) => runWithSession(who ? claims[who]! : null, () => route(new Request(URL_, { headers: { "x-request-id": `s-${who}` } })));

    it("answers 401 without a session and never runs the handler", async () => {
      const res = await call(null);
      expect(res.status).toBe(401);
      expect(res.headers.get("cache-control")).toBe("no-store");
      expect(await res.json()).toEqual({ error: "Your session has ended. Sign in again.", requestId: "s-null" });
      expect(handler).not.toHaveBeenCalled();
    });

    it("answers 403 to a role without the permission and records the refusal naming the route", async () => {
      const res = await call("EDITOR");
      expect(res.status).toBe(403);
      expect(await res.json()).toEqual({ error: "No export for you.", requestId: "s-EDITOR" });
      expect(handler).not.toHaveBeenCalled();
      const denied = await db.auditEvent.findFirstOrThrow({ where: { action: "security.denied" }, orderBy: { seq: "desc" } });
      expect(denied).toMatchObject({ actorEmail: "editor@route.test", entityType: "Request", entityId: "GET /api/wrapped" });
    });

    it("runs the handler for a permitted role, with the user", async () => {
      const res = await call("ADMIN");
      expect(res.status).toBe(200);
      expect(res.headers.get("x-request-id")).toBe("s-ADMIN");
      expect(await res.json()).toEqual({ who: "admin@route.test" });
    });
  });

  describe("errors", () => {
    const throwing = (err: unknown) =>
      defineRoute({ name: "POST /api/wrapped", auth: anyone, unexpected: "It broke; nothing was changed." }, async () => {
        throw err;
      })(new Request(URL_, { method: "POST", headers: { "x-request-id": "e-1" } }));

    it("maps typed errors to their status with { error, requestId }", async () => {
      const cases: [unknown, number, Record<string, unknown>, Record<string, string>?][] = [
        [new HttpError(400, "Bad input.", { body: { problems: ["a: no"] } }), 400, { error: "Bad input.", problems: ["a: no"] }],
        [new FieldValidationError({ name: ["Taken."] }), 400, { error: "Please correct the highlighted fields.", fieldErrors: { name: ["Taken."] } }],
        [new UnauthenticatedError(), 401, { error: "Your session has ended. Sign in again." }],
        [new NotFoundError("No such thing."), 404, { error: "No such thing." }],
        [new ConflictError("bob@x.test", new Date("2026-01-02T03:04:05Z"), 3), 409, { conflict: { savedBy: "bob@x.test", savedAt: "2026-01-02T03:04:05.000Z", currentVersion: 3 } }],
        [new HttpError(413, "Too large."), 413, { error: "Too large." }],
        [new HttpError(429, "Slow down.", { headers: { "retry-after": "7" } }), 429, { error: "Slow down." }, { "retry-after": "7" }],
      ];
      for (const [err, status, body, headers] of cases) {
        const res = await throwing(err);
        expect(res.status).toBe(status);
        expect(res.headers.get("x-request-id")).toBe("e-1");
        expect(res.headers.get("content-type")).toMatch(/^application\/json/);
        expect(await res.json()).toMatchObject({ ...body, requestId: "e-1" });
        for (const [k, v] of Object.entries(headers ?? {})) expect(res.headers.get(k)).toBe(v);
      }
    });

    it("answers 503 with Retry-After while the database is unreachable, logged as a warning", async () => {
      const warned = vi.spyOn(log, "warn").mockResolvedValue(undefined);
      const outage = Object.assign(new Error("Can't reach database server at 10.0.0.1:5432"), { code: "P1001" });
      const res = await throwing(outage);
      expect(res.status).toBe(503);
      expect(res.headers.get("retry-after")).toBe(String(DB_OUTAGE_RETRY_AFTER_SECONDS));
      expect(await res.json()).toEqual({ error: "The panel cannot reach its database; try again shortly.", requestId: "e-1" });
      expect(warned).toHaveBeenCalledWith("POST /api/wrapped: database unavailable", expect.objectContaining({ requestId: "e-1", error: outage }));
    });

    it("answers 500 with the route's message for anything else, logs it with the request id, and leaks nothing", async () => {
      const logged = vi.spyOn(log, "error").mockResolvedValue(undefined);
      const bug = new TypeError("secret internals: cannot read x of undefined");
      const res = await throwing(bug);
      expect(res.status).toBe(500);
      const text = await res.text();
      expect(JSON.parse(text)).toEqual({ error: "It broke; nothing was changed.", requestId: "e-1" });
      expect(text).not.toContain("internals");
      expect(logged).toHaveBeenCalledWith("POST /api/wrapped failed", expect.objectContaining({ requestId: "e-1", error: bug }));
    });
  });
});
