// Failed node-API authentications per client address, counted in the database (NodeAuthFailure) so the
// limit holds across panel instances and restarts: `limit` failures within a window that opens at the
// first of them block that address until the window ends, whichever instance saw them.
//
// One row per address: the window's start and the failures in it. A failure is counted atomically: a
// conditional UPDATE restarts an expired window, otherwise an upsert (INSERT … ON CONFLICT DO UPDATE
// count + 1) opens or extends it; two instances counting the same address at once both count.
// The caller (lib/nodes/api.ts) consults the limiter only after a token failed, so a valid token costs
// nothing here and is never refused. Rows of ended windows are deleted by `npm run db:prune`.
import { db, isUniqueViolation } from "@/lib/db";

/** The node API's limit: this many failures within a window of AUTH_FAILURE_WINDOW_MS from the first. */
export const AUTH_FAILURE_LIMIT = 20;
export const AUTH_FAILURE_WINDOW_MS = 60_000;

export type FailureLimiterOptions = { limit: number; windowMs: number; now?: () => number };

export class FailureLimiter {
  private readonly limit: number;
  private readonly windowMs: number;
  private readonly now: () => number;

  constructor(options: FailureLimiterOptions) {
    this.limit = options.limit;
    this.windowMs = options.windowMs;
    this.now = options.now ?? Date.now;
  }

  /** Seconds until `key` may try again, or null when it is not blocked. One indexed read. */
  async retryAfter(key: string): Promise<number | null> {
    const row = await db.nodeAuthFailure.findUnique({ where: { address: key } });
    if (!row || row.count < this.limit) return null;
    const msLeft = row.windowStart.getTime() + this.windowMs - this.now();
    return msLeft > 0 ? Math.max(1, Math.ceil(msLeft / 1000)) : null;
  }

  /** Counts one failure of `key`; returns the failures now counted in its window. */
  async fail(key: string): Promise<number> {
    const now = new Date(this.now());
    // A window that has ended starts again at this failure (the WHERE is re-checked under the row lock,
    // so of two instances restarting it at once, one restarts and the other counts on).
    const restarted = await db.nodeAuthFailure.updateMany({
      where: { address: key, windowStart: { lte: new Date(now.getTime() - this.windowMs) } },
      data: { windowStart: now, count: 1 },
    });
    if (restarted.count > 0) return 1;
    for (let attempt = 0; ; attempt++) {
      try {
        const row = await db.nodeAuthFailure.upsert({
          where: { address: key },
          create: { address: key, windowStart: now, count: 1 },
          update: { count: { increment: 1 } },
        });
        return row.count;
      } catch (err) {
        // Where the upsert is not one native statement, two first failures may both try the INSERT.
        if (attempt === 0 && isUniqueViolation(err)) continue;
        throw err;
      }
    }
  }
}

/** Deletes the rows of windows that ended before `now - windowMs` (npm run db:prune). */
export async function pruneNodeAuthFailures(windowMs: number, now = new Date()): Promise<{ before: Date; deleted: number }> {
  const before = new Date(now.getTime() - windowMs);
  const { count } = await db.nodeAuthFailure.deleteMany({ where: { windowStart: { lt: before } } });
  return { before, deleted: count };
}
