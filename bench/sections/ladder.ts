import { spawn } from 'node:child_process';
import { mkdir, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { buildTranscodeArgs, headFilters, STORYBOARD_IMAGE_FILE, THUMBNAIL_FILE, type TranscodeArgsInput } from '../../src/adapters/transcoder/ffmpeg/ffmpeg-args.ts';
import { planLadder } from '../../src/core/ladder/plan-ladder.ts';
import type { LadderPlan } from '../../src/core/model/ladder-plan.ts';
import type { MediaInfo } from '../../src/core/model/media-info.ts';
import type { BenchInput } from '../lib/bench-media.ts';
import { joinRendition, measureQuality, type RungQuality } from '../lib/quality.ts';
import { run, timedRun, type Timed } from '../lib/timed-run.ts';

/**
 * Ladder encode time, three ways, with the same x264 settings and filter chains:
 * - vodkit: one ffmpeg decodes the source once and feeds every rung (split filter), audio included;
 * - per-rendition: one ffmpeg per rung, each decoding the source (how PeerTube does it), then one
 *   for the audio, one after the other;
 * - floor: the vodkit run fed with already decoded frames (rawvideo in NUT through a pipe from a
 *   separate process that decodes and applies the shared head of the graph: rotation, constant frame
 *   rate, tone mapping; its CPU is not counted): what scaling and encoding alone cost.
 * Quality: SSIM and PSNR of every rung against the scaled source (see quality.ts).
 */
export interface MethodResult {
  method: string;
  wallSec: number;
  cpuSec: number;
  quality: RungQuality[];
  /** Why the method could not be run on this input. */
  error?: string;
}

export interface LadderRow {
  label: string;
  durationSec: number;
  rungs: string[];
  results: MethodResult[];
}

export interface LadderOptions {
  workDir: string;
  preset: string;
  segmentSeconds: number;
  /** Compare quality over the first N seconds only (null: all). */
  qualitySeconds: number | null;
  /** Extra vodkit variants to time (tuning): other inputs of the single run, or edited arguments. */
  variants?: LadderVariant[];
  /** Methods to run (default the three above; 'per-rendition parallel' starts every process at once). */
  methods?: Array<'vodkit' | 'per-rendition' | 'per-rendition parallel' | 'floor'>;
}

export interface LadderVariant {
  name: string;
  input?: Partial<TranscodeArgsInput>;
  edit?: (args: string[]) => string[];
}

export async function benchLadder(input: BenchInput, options: LadderOptions, zscale: boolean): Promise<LadderRow | null> {
  const media = input.media;
  if (!media?.video) return null;
  const plan = planLadder(media, { segmentSeconds: options.segmentSeconds });
  if (!plan.video) return null;
  const root = join(options.workDir, input.label.replace(/[^A-Za-z0-9_-]+/g, '_'));
  const base = (outputDir: string, p: LadderPlan = plan): TranscodeArgsInput => ({
    inputPath: resolve(input.path),
    outputDir,
    media,
    plan: p,
    preset: options.preset,
    zscale: plan.video!.toneMap ? zscale : false,
    progressive: true,
  });
  const methods = options.methods ?? ['vodkit', 'per-rendition', 'floor'];
  const results: MethodResult[] = [];
  const runs: Array<{ method: string; go: (dir: string) => Promise<Timed> }> = [];
  if (methods.includes('vodkit')) runs.push({ method: 'vodkit', go: (dir) => single(base(dir)) });
  for (const v of options.variants ?? []) runs.push({ method: v.name, go: (dir) => single({ ...base(dir), ...v.input }, v.edit) });
  if (methods.includes('per-rendition')) runs.push({ method: 'per-rendition', go: (dir) => perRendition(base(dir)) });
  if (methods.includes('per-rendition parallel')) runs.push({ method: 'per-rendition parallel', go: (dir) => perRendition(base(dir), true) });
  if (methods.includes('floor')) runs.push({ method: 'floor', go: (dir) => floor(base(dir), media) });

  for (const r of runs) {
    const dir = join(root, r.method.replace(/[^A-Za-z0-9_-]+/g, '_'));
    await rm(dir, { recursive: true, force: true });
    await prepareFolders(dir, plan);
    let timed: Timed;
    try {
      timed = await r.go(dir);
    } catch (err) {
      results.push({ method: r.method, wallSec: Number.NaN, cpuSec: Number.NaN, quality: [], error: (err as Error).message.split('\n')[0].slice(0, 120) });
      await rm(dir, { recursive: true, force: true });
      if (r.method === 'vodkit') break; // an input vodkit refuses is not compared
      continue;
    }
    const rungs = [];
    for (const rung of plan.video.rungs) {
      rungs.push({ ...rung, path: await joinRendition(join(dir, rung.name), join(dir, `${rung.name}.mp4`)) });
    }
    const quality = await measureQuality(resolve(input.path), media, plan, plan.video.toneMap ? zscale : false, rungs, dir, options.qualitySeconds);
    results.push({ method: r.method, wallSec: timed.wallSec, cpuSec: timed.cpuSec, quality });
    await rm(dir, { recursive: true, force: true });
  }
  await rm(root, { recursive: true, force: true });
  return { label: input.label, durationSec: media.durationSec, rungs: plan.video.rungs.map((r) => r.name), results };
}

async function prepareFolders(dir: string, plan: LadderPlan): Promise<void> {
  for (const r of plan.video?.rungs ?? []) await mkdir(join(dir, r.name), { recursive: true });
  await mkdir(join(dir, 'audio'), { recursive: true });
  await mkdir(join(dir, THUMBNAIL_FILE.split('/')[0]), { recursive: true });
  // The storyboard's tiles are written as the ladder encodes (as the ffmpeg adapter prepares them).
  if (plan.storyboard) await mkdir(join(dir, dirname(STORYBOARD_IMAGE_FILE)), { recursive: true });
}

function single(input: TranscodeArgsInput, edit: (args: string[]) => string[] = (a) => a): Promise<Timed> {
  return timedRun('ffmpeg', edit(buildTranscodeArgs(input)));
}

/** Gives each x264 encoder its own thread count, by rung (0 = top) and rung count. */
export function threadsPerRung(threads: (rung: number, rungs: number) => number): (args: string[]) => string[] {
  return (args) => {
    const out = [...args];
    const at: number[] = [];
    out.forEach((a, i) => a === 'libx264' && out[i - 1] === '-c:v' && at.push(i));
    at.reverse().forEach((i, k) => out.splice(i + 1, 0, '-threads', String(threads(at.length - 1 - k, at.length))));
    return out;
  };
}

/**
 * One process per rung (each decodes the source) and one for the audio: one after the other (times
 * summed), or all at once (wall time from the first start to the last end, CPU summed).
 */
async function perRendition(input: TranscodeArgsInput, parallel = false): Promise<Timed> {
  const { plan } = input;
  // Renditions only (no poster, thumbnail or storyboard, which the vodkit run makes besides): the baseline is favoured.
  const stills = { poster: null, thumbnail: null, storyboard: null };
  const jobs: LadderPlan[] = plan.video!.rungs.map((rung) => ({ ...plan, video: { ...plan.video!, rungs: [rung] }, audio: null, ...stills }));
  if (plan.audio && input.media.audio) jobs.push({ ...plan, video: null, ...stills });
  const started = performance.now();
  const runOne = (p: LadderPlan) => timedRun('ffmpeg', buildTranscodeArgs({ ...input, plan: p }));
  const times: Timed[] = [];
  if (parallel) times.push(...(await Promise.all(jobs.map(runOne))));
  else for (const p of jobs) times.push(await runOne(p));
  return {
    wallSec: parallel ? (performance.now() - started) / 1000 : times.reduce((t, x) => t + x.wallSec, 0),
    cpuSec: times.reduce((t, x) => t + x.cpuSec, 0),
    maxRssKb: Math.max(...times.map((x) => x.maxRssKb)),
    stderr: '',
  };
}

/**
 * The vodkit run reading decoded frames from a pipe: a separate ffmpeg decodes the source to raw
 * frames (NUT keeps their timestamps); only the scaling and encoding process is timed.
 */
async function floor(input: TranscodeArgsInput, media: MediaInfo): Promise<Timed> {
  const v = media.video!;
  const args = buildTranscodeArgs(input);
  const at = args.indexOf('-protocol_whitelist');
  const inputEnd = args.indexOf('-i', at) + 2;
  // Raw frames in NUT lose the full-range flag of yuvj formats: give it back.
  const range = v.pixFmt.startsWith('yuvj') ? ['-color_range', 'pc'] : [];
  args.splice(at, inputEnd - at, '-f', 'nut', ...range, '-i', 'pipe:0', '-i', `file:${input.inputPath}`);
  // The decoder also applies the shared head of the graph (upright, constant rate, SDR), so the
  // encoding process starts from the frames every rung is scaled from.
  const head = headFilters(input.plan, media, input.zscale).join(',');
  const graphAt = args.indexOf('-filter_complex') + 1;
  const prefix = `[0:${v.index}]${head},`;
  if (!args[graphAt].startsWith(prefix)) throw new Error('unexpected filter graph');
  args[graphAt] = `[0:0]${args[graphAt].slice(prefix.length)}`;
  if (media.audio) {
    const mapAt = args.findIndex((a, i) => a === `0:${media.audio!.index}` && args[i - 1] === '-map');
    if (mapAt > 0) args[mapAt] = `1:${media.audio.index}`;
  }
  const decoder = spawn('ffmpeg', ['-hide_banner', '-nostdin', '-v', 'error', '-noautorotate', '-i', input.inputPath, '-map', `0:${v.index}`, '-vf', head, '-c:v', 'rawvideo', '-f', 'nut', 'pipe:1'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let decoderErr = '';
  decoder.stderr.on('data', (d: Buffer) => (decoderErr += d.toString()));
  // 'exit', not 'close': the pipe's read end belongs to the encoder, this process never reads it.
  const decoded = new Promise<void>((ok, fail) =>
    decoder.once('exit', (code) => (code === 0 ? ok() : fail(new Error(`decoder failed (${code}): ${decoderErr.slice(-800)}`)))),
  );
  decoded.catch(() => {}); // awaited below only when the encoder succeeded
  try {
    // The encoder gets its own copy of the pipe; this process lets go of it once the encoder runs.
    const timed = await timedRun('ffmpeg', args, { stdin: decoder.stdout, onSpawn: (c) => c.once('spawn', () => decoder.stdout.destroy()) });
    await decoded;
    return timed;
  } finally {
    if (decoder.exitCode === null) decoder.kill('SIGKILL');
  }
}

/** True when ffmpeg has the zscale filter (HDR tone mapping), as the transcoder checks. */
export async function hasZscale(): Promise<boolean> {
  return /^\s*\S+\s+zscale\s/m.test(await run('ffmpeg', ['-hide_banner', '-nostdin', '-filters']));
}
