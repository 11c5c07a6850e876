import { RateLimitedError } from '../core/errors.ts';
import type { RateLimiter } from '../core/ports/rate-limiter.ts';

export interface RateLimit {
  /** Hits allowed per window; 0 = no limit. */
  limit: number;
  windowMs: number;
  /** Completes "too many ...", e.g. "new uploads". */
  what: string;
}

/**
 * Counts a hit for `key` and throws RateLimitedError (HTTP 429 with Retry-After in whole seconds)
 * when it is over the limit.
 */
export async function enforceRateLimit(limiter: RateLimiter, key: string, rule: RateLimit): Promise<void> {
  const wait = await limiter.hit(key, rule.limit, rule.windowMs);
  if (wait > 0) {
    const sec = Math.ceil(wait / 1000);
    throw new RateLimitedError(`too many ${rule.what}; try again in ${sec} s`, sec);
  }
}
