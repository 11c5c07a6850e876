/**
 * Fixed-window hit counters per key (sign-in attempts per address, new uploads per user). Shared by
 * every process of an installation when the adapter is (Redis), so N API processes behind a load
 * balancer allow `limit` hits in all, not `limit` each.
 */
export interface RateLimiter {
  /**
   * Counts a hit for `key` in its current window of `windowMs`. Returns 0 when the hit is within
   * `limit`, else the milliseconds until that window ends (at least 1). A `limit` of 0 is no limit.
   */
  hit(key: string, limit: number, windowMs: number): Promise<number>;
  close(): Promise<void>;
}
