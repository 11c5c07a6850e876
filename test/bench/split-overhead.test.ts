import { describe, expect, it } from 'vitest';
import { splitOverhead, type WorkersRun } from '../../bench/sections/split-ladder.ts';
import type { Timed } from '../../bench/lib/timed-run.ts';

const timed = (cpuSec: number): Timed => ({ wallSec: cpuSec / 2, cpuSec, maxRssKb: 0, stderr: '' });
const split = (cpuSec: number, workers = 1, ownCore = false): WorkersRun => ({ workers, ownCore, wallSec: cpuSec / 2, cpuSec, restCpuSec: 1 });

describe('the split section’s CPU overhead', () => {
  it('compares the lower CPU of the two runs of each, and gives each pair alone', () => {
    // The first split run was slowed by other work on the machine (8 % over its whole encode); the second was not.
    const row = { whole: timed(400), workers: [split(432), split(460, 2), split(395, 1, true)], again: { whole: timed(410), split: split(404) } };
    const { overhead, pairs } = splitOverhead(row);
    expect(overhead).toBeCloseTo(404 / 400 - 1, 10);
    expect(pairs[0]).toBeCloseTo(0.08, 10);
    expect(pairs[1]).toBeCloseTo(404 / 410 - 1, 10);
  });

  it('takes the shared 1-worker run, not a pinned one or two workers', () => {
    const row = { whole: timed(100), workers: [split(300, 1, true), split(50, 2), split(110)], again: { whole: timed(100), split: split(120) } };
    expect(splitOverhead(row).overhead).toBeCloseTo(0.1, 10);
  });
});
