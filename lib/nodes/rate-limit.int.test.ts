// The node API's failure limiter keeps its count in the database (NodeAuthFailure), so every panel
// instance sees the same count: proven here with separate FailureLimiter objects (as two instances would
// hold) and with the route handler, on SQLite and PostgreSQL.
import { beforeAll, describe, expect, it } from "vitest";
import { GET } from "@/app/api/v1/nodes/config/route";
import { installPeerAddressStamp, PEER_HEADER } from "@/lib/http/client-address";
import { db } from "@/lib/db";
import { AUTH_FAILURE_LIMIT, AUTH_FAILURE_WINDOW_MS } from "./api";
import { FailureLimiter, pruneNodeAuthFailures } from "./rate-limit";

let n = 0;
const address = () => `203.0.113.${++n}`;
/** A clock the test moves by hand. */
function clock(start: number) {
  let t = start;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

beforeAll(() => installPeerAddressStamp());

describe(`FailureLimiter (${process.env.TEST_DB})`, () => {
  it("blocks a key after `limit` failures in the window and says for how long", async () => {
    const c = clock(Date.now());
    const l = new FailureLimiter({ limit: 3, windowMs: 60_000, now: c.now });
    const a = address();
    await l.fail(a);
    c.advance(10_000);
    await l.fail(a);
    expect(await l.retryAfter(a)).toBeNull();
    c.advance(10_000);
    expect(await l.fail(a)).toBe(3);
    // The window opened at the first failure ends 60 s after it; now is 20 s after it.
    expect(await l.retryAfter(a)).toBe(40);
    expect(await l.retryAfter(address())).toBeNull();
    c.advance(40_000);
    expect(await l.retryAfter(a)).toBeNull();
  });

  it("old failures stop counting: a failure after the window opens a new one", async () => {
    const c = clock(Date.now());
    const l = new FailureLimiter({ limit: 2, windowMs: 1000, now: c.now });
    const a = address();
    await l.fail(a);
    c.advance(1500);
    expect(await l.fail(a)).toBe(1);
    expect(await l.retryAfter(a)).toBeNull();
    c.advance(100);
    expect(await l.fail(a)).toBe(2);
    expect(await l.retryAfter(a)).toBe(1);
  });

  it("the count is in the database: failures counted by one limiter are seen by another", async () => {
    const a = address();
    const first = new FailureLimiter({ limit: 4, windowMs: 60_000 });
    for (let i = 0; i < 4; i++) await first.fail(a);
    const second = new FailureLimiter({ limit: 4, windowMs: 60_000 });
    expect(await second.retryAfter(a)).not.toBeNull();
    expect(await db.nodeAuthFailure.findUniqueOrThrow({ where: { address: a } })).toMatchObject({ count: 4 });
  });

  it("failures counted at once by two limiters all count (atomic update)", async () => {
    const a = address();
    const one = new FailureLimiter({ limit: 100, windowMs: 60_000 });
    const two = new FailureLimiter({ limit: 100, windowMs: 60_000 });
    await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? one : two).fail(a)));
    expect((await db.nodeAuthFailure.findUniqueOrThrow({ where: { address: a } })).count).toBe(10);
  });

  it("failures refused by the route handler are seen by a new limiter (what another instance reads)", async () => {
    const ip = address();
    const headers = { [PEER_HEADER]: ip, authorization: `Bearer pn_${"z".repeat(43)}` };
    for (let i = 0; i < AUTH_FAILURE_LIMIT; i++) expect((await GET(new Request("http://panel.test/api/v1/nodes/config", { headers }))).status).toBe(401);
    const elsewhere = new FailureLimiter({ limit: AUTH_FAILURE_LIMIT, windowMs: AUTH_FAILURE_WINDOW_MS });
    const retryAfter = await elsewhere.retryAfter(ip);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
  });

  it("db:prune deletes the rows of ended windows and keeps live ones", async () => {
    const old = address();
    const live = address();
    const c = clock(Date.now() - 10 * 60_000);
    await new FailureLimiter({ limit: 5, windowMs: 60_000, now: c.now }).fail(old);
    await new FailureLimiter({ limit: 5, windowMs: 60_000 }).fail(live);
    const r = await pruneNodeAuthFailures(60_000);
    expect(r.deleted).toBeGreaterThanOrEqual(1);
    expect(await db.nodeAuthFailure.findUnique({ where: { address: old } })).toBeNull();
    expect(await db.nodeAuthFailure.findUnique({ where: { address: live } })).not.toBeNull();
  });
});
