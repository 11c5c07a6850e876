import { describe, expect, it } from 'vitest';
import { SERVING_ROWS, servingRatios } from '../../bench/lib/report.ts';
import type { ServingRow } from '../../bench/sections/serving.ts';

const row = (server: string, connections: number, requestsPerSec: number, p99Ms: number): ServingRow => ({
  server, connections, requestsPerSec, p50Ms: 1, p99Ms, mibPerSec: 1, non2xx: 0, errors: 0,
});

describe('the serving section’s vodkit vs nginx ratios', () => {
  it('compares vodkit and the X-Accel-Redirect deployment with nginx at each connection count, against the targets', () => {
    const text = servingRatios([
      row(SERVING_ROWS.vodkit, 50, 2105, 59.1),
      row('vodkit (token checked), VODKIT_MEDIA_CACHE_MIB=0', 50, 730, 327.5),
      row(SERVING_ROWS.nginx, 50, 2288, 49.4),
      row(SERVING_ROWS.accel, 50, 2100, 60.7),
      row(SERVING_ROWS.vodkit, 200, 1500, 500),
      row(SERVING_ROWS.nginx, 200, 2000, 200),
    ]);
    const lines = text.split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[2]).toBe('| 50 | 0.92 × | met | 1.20 × | met | 0.92 × |');
    expect(lines[3]).toBe('| 200 | 0.75 × | **missed** | 2.50 × | **missed** | – |');
  });

  it('says nothing when nginx was not measured', () => {
    expect(servingRatios([row(SERVING_ROWS.vodkit, 50, 2105, 59.1)])).toBe('');
  });
});
