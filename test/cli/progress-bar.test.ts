import { describe, expect, it } from 'vitest';
import { formatBytes, formatDuration, ProgressBar } from '../../src/cli/progress-bar.ts';

/** A stream that keeps what is written, as a terminal (isTTY) or not. */
function sink(isTTY: boolean) {
  const written: string[] = [];
  const out = { isTTY, columns: 100, write: (s: string) => (written.push(s), true) } as unknown as NodeJS.WriteStream;
  return { out, written };
}

describe('progress bar', () => {
  it('on a terminal: bar, percentage, bytes, rate and time left at the rate so far', () => {
    let now = 0;
    const { out, written } = sink(true);
    const bar = new ProgressBar(out, { bytes: true, now: () => now });
    bar.update(0, 40 * 1024 * 1024);
    expect(written.at(-1)).toContain('time left unknown yet');
    now = 2000;
    bar.update(8 * 1024 * 1024, 40 * 1024 * 1024);
    const line = written.at(-1)!;
    expect(line.startsWith('\r[')).toBe(true);
    expect(line).toContain(' 20%  8.0 MiB of 40.0 MiB  4.0 MiB/s  0:08 left');
    now = 10_000;
    bar.update(40 * 1024 * 1024, 40 * 1024 * 1024);
    expect(written.at(-1)).toContain('100%  40.0 MiB of 40.0 MiB  4.0 MiB/s  done in 0:10');
    bar.done();
    expect(written.at(-1)).toBe('\n');
  });

  it('elsewhere: a plain line every 10%, with the time left of a fraction (a transcode)', () => {
    let now = 0;
    const { out, written } = sink(false);
    const bar = new ProgressBar(out, { now: () => now });
    for (let i = 0; i <= 20; i++) {
      now = i * 3000;
      bar.update(i / 20);
    }
    expect(written).toHaveLength(11);
    expect(written[0]).toBe('  0%  time left unknown yet\n');
    expect(written[5]).toBe(' 50%  0:30 left\n');
    expect(written[10]).toBe('100%  done in 1:00\n');
  });

  it('a resumed transfer counts its rate from what this run sent', () => {
    let now = 0;
    const { out, written } = sink(false);
    const bar = new ProgressBar(out, { bytes: true, now: () => now });
    bar.update(50, 100);
    now = 5000;
    bar.update(60, 100);
    expect(written.at(-1)).toBe(' 60%  60 B of 100 B  2 B/s  0:20 left\n');
  });

  it('formats sizes and durations', () => {
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(5 * 1024 ** 3)).toBe('5.0 GiB');
    expect(formatDuration(75)).toBe('1:15');
    expect(formatDuration(3725)).toBe('1:02:05');
  });
});
