/** Upload speed over the last few seconds, and the time left at that speed. */
export class SpeedMeter {
  private samples: Array<{ t: number; bytes: number }> = [];

  constructor(private readonly windowMs = 6000) {}

  /** `bytes`: total bytes sent in this session so far (grows monotonically). */
  sample(bytes: number, t = performance.now()): void {
    this.samples.push({ t, bytes });
    while (this.samples.length > 2 && t - this.samples[0].t > this.windowMs) this.samples.shift();
  }

  reset(): void {
    this.samples = [];
  }

  /** Bytes per second, or 0 until there is enough to say. */
  speed(): number {
    if (this.samples.length < 2) return 0;
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    const dt = (last.t - first.t) / 1000;
    if (dt < 0.25) return 0;
    return Math.max(0, (last.bytes - first.bytes) / dt);
  }

  /** Seconds to send `remaining` bytes at the current speed; NaN when unknown. */
  secondsLeft(remaining: number): number {
    const s = this.speed();
    return s > 0 ? remaining / s : Number.NaN;
  }
}
