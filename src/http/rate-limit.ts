import { RateLimitedError } from '../core/errors.ts';

export interface FixedWindowOptions {
  /** Hits allowed per window; 0 = no limit. */
  limit: number;
  windowMs: number;
  /** Keys remembered at most; past it, finished windows are dropped, then the oldest. Default 50,000. */
  maxKeys?: number;
}

/**
 * A fixed-window counter per key, in memory (per process: with several vodkit processes behind a
 * load balancer each one counts for itself). Flooding it with new keys evicts the oldest windows
 * only, never resets every counter at once.
 */
export class FixedWindowLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor(private readonly options: FixedWindowOptions) {}

  /** Counts a hit; returns 0 when allowed, else the milliseconds until the window resets. */
  hit(key: string, now = Date.now()): number {
    const { limit, windowMs } = this.options;
    if (limit <= 0) return 0;
    let w = this.windows.get(key);
    if (!w || now - w.start >= windowMs) {
      if (w) this.windows.delete(key);
      this.makeRoom(now);
      w = { start: now, count: 0 };
      this.windows.set(key, w); // insertion order = age order
    }
    w.count++;
    return w.count > limit ? Math.max(1, w.start + windowMs - now) : 0;
  }

  /**
   * Counts a hit and throws RateLimitedError (HTTP 429 with Retry-After) when over the limit.
   * `what` completes "too many ...", e.g. "uploads".
   */
  check(key: string, what: string, now = Date.now()): void {
    const wait = this.hit(key, now);
    if (wait > 0) {
      const sec = Math.ceil(wait / 1000);
      throw new RateLimitedError(`too many ${what}; try again in ${sec} s`, sec);
    }
  }

  private makeRoom(now: number): void {
    const max = this.options.maxKeys ?? 50_000;
    if (this.windows.size < max) return;
    for (const [key, w] of this.windows) {
      if (now - w.start >= this.options.windowMs) this.windows.delete(key);
    }
    for (const key of this.windows.keys()) {
      if (this.windows.size < max) break;
      this.windows.delete(key);
    }
  }
}
