import { describe, expect, it } from 'vitest';
import { splitOverhead, type SideBySidePair, type WorkersRun } from '../../bench/sections/split-ladder.ts';
import type { Timed } from '../../bench/lib/timed-run.ts';

const timed = (cpuSec: number): Timed => ({ wallSec: cpuSec / 2, cpuSec, maxRssKb: 0, stderr: '' });
const split = (cpuSec: number, workers = 1, ownCore = false): WorkersRun => ({ workers, ownCore, wallSec: cpuSec / 2, cpuSec, restCpuSec: 1 });
const pair = (wholeCore: number, whole: number, splitCpu: number): SideBySidePair => ({
  wholeCore,
  splitCore: 1 - wholeCore,
  whole: timed(whole),
  split: split(splitCpu, 1, true),
});

describe('the split section’s CPU overhead', () => {
  it('side by side: cancels a core’s own speed with the swapped pair, and gives each pair alone', () => {
    // Core 1 does the same work for 10 % more CPU time than core 0; splitting costs 2 %.
    const row = { whole: timed(400), workers: [split(460)], sideBySide: [pair(0, 400, 400 * 1.02 * 1.1), pair(1, 400 * 1.1, 400 * 1.02)] };
    const { overhead, pairs } = splitOverhead(row);
    expect(overhead).toBeCloseTo(0.02, 10);
    expect(pairs[0]).toBeCloseTo(1.02 * 1.1 - 1, 10);
    expect(pairs[1]).toBeCloseTo(1.02 / 1.1 - 1, 10);
  });

  it('one core: the shared 1-worker run against the whole encode, not a pinned one or two workers', () => {
    const row = { whole: timed(100), workers: [split(300, 1, true), split(50, 2), split(110)], sideBySide: [] };
    const { overhead, pairs } = splitOverhead(row);
    expect(overhead).toBeCloseTo(0.1, 10);
    expect(pairs).toHaveLength(1);
  });
});
