import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { analyzeContent } from '../../src/adapters/transcoder/ffmpeg/content-analysis.ts';
import { buildTranscodeArgs } from '../../src/adapters/transcoder/ffmpeg/ffmpeg-args.ts';
import { analysisRequest, perTitlePlan } from '../../src/core/ladder/per-title.ts';
import { planLadder } from '../../src/core/ladder/plan-ladder.ts';
import type { ContentAnalysis } from '../../src/core/model/content-analysis.ts';
import type { LadderPlan } from '../../src/core/model/ladder-plan.ts';
import type { BenchInput } from '../lib/bench-media.ts';
import { joinRendition, measureQuality } from '../lib/quality.ts';
import { run } from '../lib/timed-run.ts';

/**
 * Per-title ladder against the fixed one: each input encoded twice with the same x264 preset and
 * filter chains, once with the fixed ladder (CRF 23 under the reference caps) and once with the
 * ladder fitted to the content by the analysis (core/ladder/per-title.ts, run as the ffmpeg
 * adapter runs it); bytes of every rung's video (init and segments) and SSIM against the scaled
 * source, per rung, for both. The analysis time is wall time on this (possibly busy) machine.
 */
export interface PerTitleRung {
  rung: string;
  fixedBytes: number;
  fixedSsim: number;
  crf: number;
  maxrateKbps: number;
  bytes: number;
  ssim: number;
}

export interface PerTitleRow {
  label: string;
  durationSec: number;
  analysisSec: number;
  analysis: ContentAnalysis | null;
  rungs: PerTitleRung[];
  error?: string;
}

export interface PerTitleOptions {
  workDir: string;
  preset: string;
  segmentSeconds: number;
}

export async function benchPerTitle(input: BenchInput, options: PerTitleOptions, zscale: boolean): Promise<PerTitleRow | null> {
  const media = input.media;
  if (!media?.video) return null;
  const fixed = planLadder(media, { segmentSeconds: options.segmentSeconds });
  const request = analysisRequest(fixed);
  if (!fixed.video || !request) return null;
  const root = join(options.workDir, `per-title-${input.label.replace(/[^A-Za-z0-9_-]+/g, '_')}`);
  await rm(root, { recursive: true, force: true });
  await mkdir(join(root, 'analysis'), { recursive: true });
  const useZscale = fixed.video.toneMap ? zscale : false;
  const row: PerTitleRow = { label: input.label, durationSec: media.durationSec, analysisSec: Number.NaN, analysis: null, rungs: [] };
  try {
    const started = performance.now();
    row.analysis = await analyzeContent(
      { ffmpegPath: 'ffmpeg', preset: options.preset, zscale: useZscale },
      { inputPath: resolve(input.path), media, plan: fixed, request, dir: join(root, 'analysis') },
    );
    row.analysisSec = (performance.now() - started) / 1000;
    const fitted = perTitlePlan(fixed, row.analysis);
    const a = await encodeAndMeasure(input, fixed, join(root, 'fixed'), options, useZscale);
    const b = await encodeAndMeasure(input, fitted, join(root, 'per-title'), options, useZscale);
    row.rungs = fitted.video!.rungs.map((r, i) => ({
      rung: r.name,
      fixedBytes: a[i].bytes,
      fixedSsim: a[i].ssim,
      crf: r.crf ?? 23,
      maxrateKbps: r.maxrateKbps,
      bytes: b[i].bytes,
      ssim: b[i].ssim,
    }));
  } catch (err) {
    row.error = (err as Error).message.split('\n')[0].slice(0, 160);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
  return row;
}

/** Encodes `plan` (video only) into `dir`; the video bytes and SSIM of each rung, in plan order. */
export async function encodeAndMeasure(input: BenchInput, plan: LadderPlan, dir: string, options: PerTitleOptions, zscale: boolean): Promise<Array<{ bytes: number; ssim: number }>> {
  const media = input.media!;
  const videoOnly: LadderPlan = { ...plan, audio: null, poster: null, thumbnail: null, storyboard: null };
  await rm(dir, { recursive: true, force: true });
  for (const r of plan.video!.rungs) await mkdir(join(dir, r.name), { recursive: true });
  await run('ffmpeg', buildTranscodeArgs({ inputPath: resolve(input.path), outputDir: dir, media, plan: videoOnly, preset: options.preset, zscale }));
  const rungs = [];
  for (const r of plan.video!.rungs) rungs.push({ ...r, path: await joinRendition(join(dir, r.name), join(dir, `${r.name}.mp4`)) });
  const quality = await measureQuality(resolve(input.path), media, plan, zscale, rungs, dir, null);
  const out = [];
  for (let i = 0; i < rungs.length; i++) out.push({ bytes: await folderBytes(join(dir, rungs[i].name)), ssim: quality[i].ssim });
  return out;
}

/** Bytes of a rendition's media files (init and segments; not its playlist). */
async function folderBytes(dir: string): Promise<number> {
  let total = 0;
  for (const name of await readdir(dir)) {
    if (name.endsWith('.mp4') || name.endsWith('.m4s')) total += (await stat(join(dir, name))).size;
  }
  return total;
}

const f = (x: number, digits: number) => (Number.isFinite(x) ? x.toFixed(digits) : '–');
const kib = (bytes: number) => (bytes / 1024).toFixed(0);

/** One line per rung: bytes and SSIM with the fixed ladder and with the per-title one. */
export function perTitleTable(rows: PerTitleRow[]): string {
  const lines = [
    '| input | analysis s | rung | fixed KiB | fixed SSIM | per-title CRF / cap kbit/s | per-title KiB | per-title SSIM | bytes × fixed | Δ SSIM |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const r of rows) {
    if (r.error) {
      lines.push(`| ${r.label} | – | – | – | – | – | – | – | – | ${r.error.replace(/\|/g, '/')} |`);
      continue;
    }
    r.rungs.forEach((g, i) => {
      lines.push(
        `| ${i === 0 ? r.label : ''} | ${i === 0 ? f(r.analysisSec, 1) : ''} | ${g.rung} | ${kib(g.fixedBytes)} | ${f(g.fixedSsim, 4)} | ${g.crf} / ${g.maxrateKbps} | ${kib(g.bytes)} | ${f(g.ssim, 4)} | ${f(g.bytes / g.fixedBytes, 2)} | ${(g.ssim - g.fixedSsim >= 0 ? '+' : '') + f(g.ssim - g.fixedSsim, 4)} |`,
      );
    });
  }
  return lines.join('\n');
}

/** Totals over every rung of every input: bytes, their ratio, the worst SSIM change, analysis time. */
export function perTitleTotals(rows: PerTitleRow[]): string {
  const rungs = rows.filter((r) => !r.error).flatMap((r) => r.rungs);
  const fixed = rungs.reduce((t, g) => t + g.fixedBytes, 0);
  const fitted = rungs.reduce((t, g) => t + g.bytes, 0);
  const worst = rungs.reduce((w, g) => Math.min(w, g.ssim - g.fixedSsim), Number.POSITIVE_INFINITY);
  const times = rows.filter((r) => !r.error).map((r) => r.analysisSec);
  return [
    '| rungs | fixed KiB | per-title KiB | per-title bytes × fixed | worst rung Δ SSIM | analysis s (max) |',
    '| --- | --- | --- | --- | --- | --- |',
    `| ${rungs.length} | ${kib(fixed)} | ${kib(fitted)} | ${f(fitted / fixed, 3)} (${f((1 - fitted / fixed) * 100, 1)} % fewer) | ${f(worst, 4)} | ${f(Math.max(...times), 1)} |`,
  ].join('\n');
}
