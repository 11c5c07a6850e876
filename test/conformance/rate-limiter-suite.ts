import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RateLimiter } from '../../src/core/ports/rate-limiter.ts';

/**
 * What every RateLimiter adapter does. Each test gets a new limiter with nothing counted. The end
 * of a window is seen, not slept past: the harness moves the limiter's clock, or (a store timing
 * windows by its own clock) waits until the store has expired the window's counters.
 */
export interface RateLimiterHarness {
  limiter: RateLimiter;
  /** A window whose end the test waits for: any length when the harness moves a clock, short on real time. */
  shortWindowMs: number;
  /**
   * Returns once the windows counted so far have ended for the limiter; `ms` is what the limiter
   * said was left of the last one.
   */
  endWindows(ms: number): Promise<void>;
  cleanup(): Promise<void>;
}

export function rateLimiterConformance(name: string, setup: () => Promise<RateLimiterHarness>): void {
  describe(`RateLimiter conformance: ${name}`, () => {
    let h: RateLimiterHarness;
    beforeEach(async () => {
      h = await setup();
    });
    afterEach(async () => {
      await h.limiter.close();
      await h.cleanup();
    });

    it('allows `limit` hits in a window, then says how long until it ends', async () => {
      const window = 60_000;
      for (let i = 0; i < 3; i++) expect(await h.limiter.hit('a', 3, window)).toBe(0);
      const wait = await h.limiter.hit('a', 3, window);
      expect(wait).toBeGreaterThan(0);
      expect(wait).toBeLessThanOrEqual(window);
      expect(wait).toBeGreaterThan(window - 10_000);
      expect(await h.limiter.hit('a', 3, window)).toBeGreaterThan(0);
    });

    it('counts each key on its own', async () => {
      expect(await h.limiter.hit('k1', 1, 60_000)).toBe(0);
      expect(await h.limiter.hit('k1', 1, 60_000)).toBeGreaterThan(0);
      expect(await h.limiter.hit('k2', 1, 60_000)).toBe(0);
      expect(await h.limiter.hit('sign-in:127.0.0.1', 1, 60_000)).toBe(0);
    });

    it('a new window starts when the old one ends', async () => {
      const window = h.shortWindowMs;
      expect(await h.limiter.hit('w', 1, window)).toBe(0);
      const wait = await h.limiter.hit('w', 1, window);
      expect(wait).toBeGreaterThan(0);
      expect(wait).toBeLessThanOrEqual(window);
      await h.endWindows(wait);
      expect(await h.limiter.hit('w', 1, window)).toBe(0);
      expect(await h.limiter.hit('w', 1, window)).toBeGreaterThan(0);
    });

    it('a limit of 0 is no limit', async () => {
      for (let i = 0; i < 200; i++) expect(await h.limiter.hit('free', 0, 60_000)).toBe(0);
    });

    it('counts hits that arrive at once exactly', async () => {
      const results = await Promise.all(Array.from({ length: 50 }, () => h.limiter.hit('burst', 20, 60_000)));
      expect(results.filter((w) => w === 0)).toHaveLength(20);
    });
  });
}
