import type { Clock } from '../../../core/ports/clock.ts';
import { systemClock } from '../../../core/ports/clock.ts';
import type { RateLimiter } from '../../../core/ports/rate-limiter.ts';

export interface MemoryRateLimiterOptions {
  clock?: Clock;
  /** Keys remembered at most; past it, finished windows are dropped, then the oldest. Default 50,000. */
  maxKeys?: number;
}

/**
 * Counters in this process's memory: right for one process (the embedded deployment). Flooding it
 * with new keys evicts the oldest windows only, never resets every counter at once.
 */
export class MemoryRateLimiter implements RateLimiter {
  private readonly windows = new Map<string, { start: number; windowMs: number; count: number }>();
  private readonly clock: Clock;
  private readonly maxKeys: number;

  constructor(options: MemoryRateLimiterOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.maxKeys = options.maxKeys ?? 50_000;
  }

  async hit(key: string, limit: number, windowMs: number): Promise<number> {
    if (limit <= 0) return 0;
    const now = this.clock.now().getTime();
    let w = this.windows.get(key);
    if (!w || now - w.start >= w.windowMs) {
      if (w) this.windows.delete(key);
      this.makeRoom(now);
      w = { start: now, windowMs, count: 0 };
      this.windows.set(key, w); // insertion order = age order
    }
    w.count++;
    return w.count > limit ? Math.max(1, w.start + w.windowMs - now) : 0;
  }

  async close(): Promise<void> {
    this.windows.clear();
  }

  private makeRoom(now: number): void {
    if (this.windows.size < this.maxKeys) return;
    for (const [key, w] of this.windows) {
      if (now - w.start >= w.windowMs) this.windows.delete(key);
    }
    for (const key of this.windows.keys()) {
      if (this.windows.size < this.maxKeys) break;
      this.windows.delete(key);
    }
  }
}
