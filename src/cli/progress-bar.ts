/**
 * Progress of one task with the time left at the rate seen so far: a one-line bar redrawn in
 * place on a terminal; on anything else (a log, a pipe) a plain line every 10%. With `bytes`, also
 * the amount done of the total and the rate.
 */
export class ProgressBar {
  private lastDecile = -1;
  private lastDraw = -Infinity;
  private first: { t: number; done: number } | null = null;

  constructor(
    private readonly out: NodeJS.WriteStream,
    private readonly options: { bytes?: boolean; now?: () => number } = {},
  ) {}

  /** `done` of `total` (a fraction when `total` is left out). */
  update(done: number, total = 1): void {
    const now = (this.options.now ?? Date.now)();
    this.first ??= { t: now, done };
    const fraction = total > 0 ? Math.max(0, Math.min(1, done / total)) : 0;
    if (this.out.isTTY) {
      // Redrawn at most ten times a second, and always at the end.
      if (now - this.lastDraw < 100 && fraction < 1) return;
      this.lastDraw = now;
      const width = Math.max(10, Math.min(30, (this.out.columns ?? 80) - 55));
      const filled = Math.round(fraction * width);
      this.out.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${this.details(done, total, fraction, now)}\x1b[K`);
      return;
    }
    const decile = Math.floor(fraction * 10);
    if (decile > this.lastDecile) {
      this.lastDecile = decile;
      this.out.write(`${this.details(done, total, fraction, now)}\n`);
    }
  }

  done(): void {
    if (this.out.isTTY) this.out.write('\n');
  }

  /** "42%  12.0 MiB of 28.6 MiB  4.1 MiB/s  0:04 left" (what is known of it). */
  private details(done: number, total: number, fraction: number, now: number): string {
    const parts = [`${(fraction * 100).toFixed(0).padStart(3)}%`];
    const first = this.first!;
    const seconds = (now - first.t) / 1000;
    const rate = seconds >= 0.5 ? (done - first.done) / seconds : 0;
    if (this.options.bytes) {
      parts.push(`${formatBytes(done)} of ${formatBytes(total)}`);
      if (rate > 0) parts.push(`${formatBytes(rate)}/s`);
    }
    if (fraction >= 1) parts.push(`done in ${formatDuration(seconds)}`);
    else if (rate > 0) parts.push(`${formatDuration((total - done) / rate)} left`);
    else parts.push('time left unknown yet');
    return parts.join('  ');
  }
}

/** 1536 → "1.5 KiB". */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${Math.round(value)} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/** 75 → "1:15"; 3725 → "1:02:05". */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}
