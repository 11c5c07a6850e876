import { describe, expect, it } from 'vitest';
import { latency, markdownReport, runLoadTest, writeSection } from '../../scripts/loadtest.ts';
import { makeTempDir } from '../support/temp-dir.ts';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * A small run of the load test (`npm run loadtest` runs the full one): concurrent uploads checked
 * byte for byte, concurrent viewers, no 5xx.
 */
describe('load test (small)', () => {
  it('6 uploads of 4 MB and 20 viewers at once: nothing lost or corrupted, no 5xx', async () => {
    const lines: string[] = [];
    const report = await runLoadTest({ uploads: 6, uploadMB: 4, viewers: 20, viewSeconds: 3, clipSeconds: 6, log: (l) => lines.push(l) });
    expect(report.uploads.errors).toEqual([]);
    expect(report.viewers.errors).toEqual([]);
    expect(report.uploads).toMatchObject({ ok: 6, failed: 0, corrupted: 0, bytes: 24_000_000 });
    expect(report.viewers.serverErrors).toBe(0);
    expect(report.viewers.requests).toBeGreaterThan(20);
    expect(Object.keys(report.viewers.status)).toEqual(['200']);
    expect(report.viewers.segment.count).toBeGreaterThan(0);
    expect(report.ok).toBe(true);
    const section = markdownReport(report, 'npm run loadtest -- --uploads 6');
    expect(section).toMatch(/^## Load test\n/);
    expect(section).toContain('6 of 6 × 4 MB stored, 0 failed, 0 corrupted');
  }, 170_000);

  it('percentiles, and the report replaces only its own section of a document', async () => {
    expect(latency([])).toEqual({ count: 0, p50: 0, p99: 0, max: 0 });
    const l = latency(Array.from({ length: 100 }, (_, i) => (i + 1) / 1000));
    expect(l).toMatchObject({ count: 100, p50: 0.05, p99: 0.099, max: 0.1 });
    const temp = await makeTempDir('vodkit-doc-');
    try {
      const doc = join(temp.dir, 'benchmarks.md');
      await writeFile(doc, '# Benchmarks\n\n## Transcoding\n\nother text\n\n## Load test\n\nold figures\n\n## Later\n\nkept\n');
      await writeSection(doc, '## Load test\n\nnew figures\n');
      expect(await readFile(doc, 'utf8')).toBe('# Benchmarks\n\n## Transcoding\n\nother text\n\n## Load test\n\nnew figures\n\n## Later\n\nkept\n');
      await writeFile(doc, '# Benchmarks\n\nintro\n');
      await writeSection(doc, '## Load test\n\nfigures\n');
      expect(await readFile(doc, 'utf8')).toBe('# Benchmarks\n\nintro\n\n## Load test\n\nfigures\n');
    } finally {
      await temp.cleanup();
    }
  });
});
