import { describe, expect, it } from 'vitest';
import { MemoryRateLimiter } from '../../../src/adapters/rate-limiter/memory/memory-rate-limiter.ts';
import { ManualClock } from '../../../src/core/ports/clock.ts';
import { rateLimiterConformance } from '../../conformance/rate-limiter-suite.ts';

rateLimiterConformance('memory', async () => {
  const clock = new ManualClock();
  return { limiter: new MemoryRateLimiter({ clock }), shortWindowMs: 60_000, endWindows: async (ms) => clock.advance(ms), cleanup: async () => {} };
});

describe('MemoryRateLimiter (memory only)', () => {
  it('times windows by its clock, to the millisecond', async () => {
    const clock = new ManualClock();
    const l = new MemoryRateLimiter({ clock });
    for (let i = 0; i < 3; i++) expect(await l.hit('a', 3, 60_000)).toBe(0);
    clock.advance(10_000);
    expect(await l.hit('a', 3, 60_000)).toBe(50_000);
    clock.advance(49_999);
    expect(await l.hit('a', 3, 60_000)).toBe(1);
    clock.advance(1);
    expect(await l.hit('a', 3, 60_000)).toBe(0);
  });

  it('flooding it with new keys does not reset a key that is over its limit', async () => {
    const clock = new ManualClock();
    const l = new MemoryRateLimiter({ clock, maxKeys: 100 });
    await l.hit('attacker', 2, 60_000);
    await l.hit('attacker', 2, 60_000);
    for (let i = 0; i < 50; i++) await l.hit(`filler-${i}`, 2, 60_000);
    expect(await l.hit('attacker', 2, 60_000)).toBeGreaterThan(0);
    // Past maxKeys, the oldest windows go first, never the whole table.
    for (let i = 50; i < 200; i++) await l.hit(`filler-${i}`, 2, 60_000);
    expect(await l.hit('filler-199', 2, 60_000)).toBe(0);
    expect(await l.hit('filler-199', 2, 60_000)).toBeGreaterThan(0);
  });
});
