// Failed node-API authentications per source address, in a sliding window, in this process's memory.
// Per process: with several panel processes each counts on its own (so the effective limit is the
// limit times the number of processes), and a restart forgets. That is enough to make guessing tokens
// pointless (256 random bits) and to keep a misconfigured node from hammering the database.
export type FailureLimiterOptions = { limit: number; windowMs: number; maxKeys?: number; now?: () => number };

export class FailureLimiter {
  private readonly failures = new Map<string, number[]>();
  private readonly limit: number;
  private readonly windowMs: number;
  private readonly maxKeys: number;
  private readonly now: () => number;

  constructor(options: FailureLimiterOptions) {
    this.limit = options.limit;
    this.windowMs = options.windowMs;
    this.maxKeys = options.maxKeys ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  /** Seconds until `key` may try again, or null when it is not blocked. */
  retryAfter(key: string): number | null {
    const times = this.recent(key);
    if (times.length < this.limit) return null;
    // Blocked until enough failures leave the window to bring the count under the limit.
    const freeAt = times[times.length - this.limit]! + this.windowMs;
    return Math.max(1, Math.ceil((freeAt - this.now()) / 1000));
  }

  fail(key: string): void {
    const times = this.recent(key);
    times.push(this.now());
    // Only the newest `limit` failures can matter.
    if (times.length > this.limit) times.splice(0, times.length - this.limit);
    this.failures.delete(key); // re-insert: Map order is then least recently failed first
    this.failures.set(key, times);
    if (this.failures.size > this.maxKeys) this.prune();
  }

  private recent(key: string): number[] {
    const cutoff = this.now() - this.windowMs;
    const times = (this.failures.get(key) ?? []).filter((t) => t > cutoff);
    if (times.length === 0) this.failures.delete(key);
    return times;
  }

  private prune(): void {
    const cutoff = this.now() - this.windowMs;
    for (const [key, times] of this.failures) if (times[times.length - 1]! <= cutoff) this.failures.delete(key);
    // Still too many addresses: forget the ones that failed longest ago.
    for (const key of this.failures.keys()) {
      if (this.failures.size <= this.maxKeys) break;
      this.failures.delete(key);
    }
  }

  get size(): number {
    return this.failures.size;
  }
}
