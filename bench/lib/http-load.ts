import { Agent, get } from 'node:http';

/**
 * A closed-loop HTTP load generator: `connections` keep-alive connections, each sending the next GET
 * as soon as the previous answer has been read (bodies counted and dropped), for `durationSec`.
 * node's own HTTP parser reads the bodies; autocannon's JavaScript parser tops out near 70 MiB/s
 * on this machine, which would measure the load generator rather than the servers for MiB-sized
 * segments.
 */
export interface LoadResult {
  requests: number;
  requestsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  mibPerSec: number;
  non2xx: number;
  errors: number;
}

export async function httpLoad(base: string, paths: string[], connections: number, durationSec: number): Promise<LoadResult> {
  const url = new URL(base);
  const agent = new Agent({ keepAlive: true, maxSockets: connections, maxFreeSockets: connections });
  const latencies: number[] = [];
  let bytes = 0;
  let non2xx = 0;
  let errors = 0;
  const started = performance.now();
  const end = started + durationSec * 1000;
  const one = (path: string) =>
    new Promise<void>((resolve) => {
      const t = performance.now();
      const req = get({ agent, host: url.hostname, port: url.port, path }, (res) => {
        if (res.statusCode !== 200) non2xx++;
        res.on('data', (chunk: Buffer) => (bytes += chunk.length));
        res.on('end', () => {
          latencies.push(performance.now() - t);
          resolve();
        });
        res.on('error', () => {
          errors++;
          resolve();
        });
      });
      req.on('error', () => {
        errors++;
        resolve();
      });
    });
  const loops = Array.from({ length: connections }, async (_, k) => {
    let i = k;
    while (performance.now() < end) await one(paths[i++ % paths.length]);
  });
  await Promise.all(loops);
  const elapsed = (performance.now() - started) / 1000;
  agent.destroy();
  const sorted = Float64Array.from(latencies).sort();
  const pct = (p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : Number.NaN);
  return {
    requests: latencies.length,
    requestsPerSec: latencies.length / elapsed,
    p50Ms: pct(50),
    p99Ms: pct(99),
    maxMs: sorted.length ? sorted[sorted.length - 1] : Number.NaN,
    mibPerSec: bytes / 1024 / 1024 / elapsed,
    non2xx,
    errors,
  };
}
