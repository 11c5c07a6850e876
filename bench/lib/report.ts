import type { LadderRow } from '../sections/ladder.ts';
import type { ServingRow } from '../sections/serving.ts';
import type { TtpRow } from '../sections/time-to-playable.ts';
import type { S3PutRow, UploadRow } from '../sections/upload.ts';

/** Markdown tables of the benchmark results. */
export function table(header: string[], rows: Array<Array<string | number>>): string {
  const line = (cells: Array<string | number>) => `| ${cells.map(String).join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

const f = (x: number | null | undefined, digits = 1) => (x === null || x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(digits));

export function ttpTable(rows: TtpRow[], targets: { instant: number; other: number }): string {
  return table(
    ['input', 'size MiB', 'duration s', 'published as', 'time to playable s', 'target', 'note'],
    rows.map((r) => {
      const target = r.mode === 'instant' ? targets.instant : targets.other;
      const verdict = r.seconds === null ? '–' : r.seconds <= target ? `≤ ${target} s: met` : `≤ ${target} s: **missed**`;
      return [r.label, f(r.sizeMiB, 1), f(r.durationSec, 1), r.mode, f(r.seconds, 2), r.mode === 'failed' ? '–' : verdict, r.note];
    }),
  );
}

export function ladderTable(rows: LadderRow[]): string {
  const methods = [...new Set(rows.flatMap((r) => r.results.map((m) => m.method)))];
  const header = ['input', 'duration s', 'rungs', ...methods.flatMap((m) => (m === 'vodkit' ? ['vodkit wall s', 'vodkit CPU s'] : [`${m} wall (×vodkit)`, `${m} CPU (×vodkit)`]))];
  return table(
    header,
    rows.map((r) => {
      const base = r.results.find((m) => m.method === 'vodkit');
      const cells: Array<string | number> = [r.label, f(r.durationSec, 1), r.rungs.join(' ')];
      for (const m of methods) {
        const res = r.results.find((x) => x.method === m);
        if (!res) cells.push('–', '–');
        else if (m === 'vodkit' || !base) cells.push(f(res.wallSec, 1), f(res.cpuSec, 1));
        else cells.push(`${f(res.wallSec, 1)} (${f(res.wallSec / base.wallSec, 2)})`, `${f(res.cpuSec, 1)} (${f(res.cpuSec / base.cpuSec, 2)})`);
      }
      return cells;
    }),
  );
}

export function ladderTotals(rows: LadderRow[]): string {
  const methods = [...new Set(rows.flatMap((r) => r.results.map((m) => m.method)))];
  const sum = (m: string, k: 'wallSec' | 'cpuSec') => rows.reduce((t, r) => t + (r.results.find((x) => x.method === m)?.[k] ?? 0), 0);
  const base = { wall: sum('vodkit', 'wallSec'), cpu: sum('vodkit', 'cpuSec') };
  return table(
    ['method', 'wall s', 'wall ×vodkit', 'CPU s', 'CPU ×vodkit'],
    methods.map((m) => [m, f(sum(m, 'wallSec'), 1), f(sum(m, 'wallSec') / base.wall, 2), f(sum(m, 'cpuSec'), 1), f(sum(m, 'cpuSec') / base.cpu, 2)]),
  );
}

export function qualityTable(rows: LadderRow[]): string {
  const methods = [...new Set(rows.flatMap((r) => r.results.map((m) => m.method)))];
  const out: Array<Array<string | number>> = [];
  for (const r of rows) {
    for (const rung of r.rungs) {
      const cells: Array<string | number> = [r.label, rung];
      for (const m of methods) {
        const q = r.results.find((x) => x.method === m)?.quality.find((x) => x.rung === rung);
        cells.push(q ? `${f(q.ssim, 4)} / ${f(q.psnr, 2)}` : '–');
      }
      out.push(cells);
    }
  }
  return table(['input', 'rung', ...methods.map((m) => `${m} SSIM / PSNR dB`)], out);
}

export function uploadTable(rows: UploadRow[]): string {
  return table(
    ['upload', 'size MiB', 'runs', 'vodkit MiB/s', 'cp + fsync MiB/s', 'vodkit vs cp+fsync', 'server CPU s per GiB', 'server RSS idle MiB', 'server peak RSS MiB'],
    rows.map((r) => [
      r.label,
      f(r.sizeMiB, 0),
      r.repeats,
      f(r.sizeMiB / r.vodkitSec, 0),
      f(r.sizeMiB / r.copySec, 0),
      `${f(r.copySec / r.vodkitSec, 2)}×`,
      f(r.cpuSecPerGiB, 2),
      f(r.idleRssMiB, 0),
      f(r.peakRssMiB, 0),
    ]),
  );
}

export function s3PutTable(rows: S3PutRow[]): string {
  return table(
    ['size MiB', 'S3 adapter put to s3rver MiB/s', 'process RSS before MiB', 'process peak RSS MiB'],
    rows.map((r) => [f(r.sizeMiB, 0), f(r.sizeMiB / r.seconds, 0), f(r.idleMiB, 0), f(r.peakMiB, 0)]),
  );
}

export function servingTable(rows: ServingRow[]): string {
  return table(
    ['server', 'connections', 'requests/s', 'p50 ms', 'p99 ms', 'MiB/s', 'non-2xx', 'errors'],
    rows.map((r) => [r.server, r.connections, f(r.requestsPerSec, 0), f(r.p50Ms, 1), f(r.p99Ms, 1), f(r.mibPerSec, 0), r.non2xx, r.errors]),
  );
}

/** Rows of the serving section that the ratios compare, by name (bench/run.ts names them). */
export const SERVING_ROWS = { vodkit: 'vodkit (token checked)', nginx: 'nginx 1 worker', accel: 'vodkit (X-Accel-Redirect) + nginx 1 worker' } as const;

/**
 * vodkit against nginx at each connection count, from the serving rows: requests per second (target
 * at least 0.8 ×) and p99 latency (target at most 2 ×), and the X-Accel-Redirect deployment as a row
 * of its own. Empty when nginx was not measured.
 */
export function servingRatios(rows: ServingRow[]): string {
  const counts = [...new Set(rows.map((r) => r.connections))];
  const lines = counts.flatMap((connections) => {
    const at = (name: string) => rows.find((r) => r.connections === connections && r.server === name);
    const ours = at(SERVING_ROWS.vodkit);
    const nginx = at(SERVING_ROWS.nginx);
    if (!ours || !nginx || !(nginx.requestsPerSec > 0) || !(nginx.p99Ms > 0)) return [];
    const rate = ours.requestsPerSec / nginx.requestsPerSec;
    const p99 = ours.p99Ms / nginx.p99Ms;
    const accel = at(SERVING_ROWS.accel);
    return [[
      connections,
      `${f(rate, 2)} ×`,
      rate >= 0.8 ? 'met' : '**missed**',
      `${f(p99, 2)} ×`,
      p99 <= 2 ? 'met' : '**missed**',
      accel ? `${f(accel.requestsPerSec / nginx.requestsPerSec, 2)} ×` : '–',
    ]];
  });
  if (lines.length === 0) return '';
  return table(['connections', 'vodkit vs nginx, requests/s', '≥ 0.8 ×', 'vodkit vs nginx, p99', '≤ 2 ×', 'X-Accel-Redirect + nginx vs nginx, requests/s'], lines);
}

/** Tuning rounds: per variant, the fastest and median wall time, median CPU, and quality of the last round. */
export function tuneTable(rounds: LadderRow[]): string {
  const methods = [...new Set(rounds.flatMap((r) => r.results.map((m) => m.method)))];
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const last = rounds[rounds.length - 1];
  return table(
    ['variant', 'min wall s', 'median wall s', 'median CPU s', ...(last?.rungs ?? []).map((r) => `${r} SSIM / PSNR`)],
    methods.map((m) => {
      const runs = rounds.map((r) => r.results.find((x) => x.method === m)!).filter(Boolean);
      const q = last?.results.find((x) => x.method === m)?.quality ?? [];
      return [m, f(Math.min(...runs.map((x) => x.wallSec)), 1), f(median(runs.map((x) => x.wallSec)), 1), f(median(runs.map((x) => x.cpuSec)), 1), ...q.map((x) => `${f(x.ssim, 4)} / ${f(x.psnr, 2)}`)];
    }),
  );
}
