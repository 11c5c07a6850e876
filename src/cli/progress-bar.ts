/** A one-line progress bar on a terminal; on anything else, a line every 10%. */
export class ProgressBar {
  private lastDecile = -1;
  constructor(private readonly out: NodeJS.WriteStream) {}

  update(fraction: number): void {
    const f = Math.max(0, Math.min(1, fraction));
    if (this.out.isTTY) {
      const width = Math.max(10, Math.min(40, (this.out.columns ?? 80) - 20));
      const filled = Math.round(f * width);
      this.out.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(f * 100).toFixed(0).padStart(3)}%`);
      return;
    }
    const decile = Math.floor(f * 10);
    if (decile > this.lastDecile) {
      this.lastDecile = decile;
      this.out.write(`${decile * 10}%\n`);
    }
  }

  done(): void {
    if (this.out.isTTY) this.out.write('\n');
  }
}
