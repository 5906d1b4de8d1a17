// Failed node-API authentications per source address (rate-limiter-flexible's memory store): `limit`
// failures within a window that opens at the first of them block that address until the window ends.
// Per panel instance: with several panel processes each counts on its own (so the effective limit is
// the limit times the number of processes), and a restart forgets. That is enough to make guessing
// tokens pointless (256 random bits) and to keep a misconfigured node from hammering the database.
// Why not a shared store (its PostgreSQL or Prisma store) yet: while an address is over the limit, a
// malformed token must be refused without a database read, and the limiter must keep answering while the
// database is down (the node API then answers 503); a shared store needs both, plus a table in both
// schemas. The scale-out work brings that (rate-limiter-flexible's `insuranceLimiter` can keep this
// memory store as the fallback).
// The library's store forgets a key when its window ends; the addresses kept at once are also capped
// (maxKeys, least recently failed forgotten first) so a flood from many addresses stays bounded.
import { RateLimiterMemory } from "rate-limiter-flexible";

export type FailureLimiterOptions = { limit: number; windowMs: number; maxKeys?: number };

export class FailureLimiter {
  private readonly store: RateLimiterMemory;
  private readonly limit: number;
  private readonly maxKeys: number;
  /** Addresses with a live window, least recently failed first, with when their window ends. */
  private readonly keys = new Map<string, number>();

  constructor(options: FailureLimiterOptions) {
    this.limit = options.limit;
    this.maxKeys = options.maxKeys ?? 10_000;
    this.store = new RateLimiterMemory({ points: options.limit, duration: options.windowMs / 1000, keyPrefix: "node-auth" });
  }

  /** Seconds until `key` may try again, or null when it is not blocked. */
  async retryAfter(key: string): Promise<number | null> {
    const res = await this.store.get(key);
    if (!res || res.consumedPoints < this.limit || res.msBeforeNext <= 0) return null;
    return Math.max(1, Math.ceil(res.msBeforeNext / 1000));
  }

  async fail(key: string): Promise<void> {
    // penalty() counts without refusing, whatever the count (the caller decides what "blocked" means).
    const res = await this.store.penalty(key, 1);
    this.keys.delete(key); // re-insert: Map order is then least recently failed first
    this.keys.set(key, Date.now() + res.msBeforeNext);
    if (this.keys.size > this.maxKeys) await this.prune();
  }

  private async prune(): Promise<void> {
    const now = Date.now();
    for (const [key, endsAt] of this.keys) if (endsAt <= now) this.keys.delete(key);
    // Still too many addresses: forget the ones that failed longest ago.
    for (const key of this.keys.keys()) {
      if (this.keys.size <= this.maxKeys) break;
      this.keys.delete(key);
      await this.store.delete(key);
    }
  }

  /** How many addresses are remembered (at most maxKeys). */
  get size(): number {
    const now = Date.now();
    let live = 0;
    for (const endsAt of this.keys.values()) if (endsAt > now) live++;
    return live;
  }
}
