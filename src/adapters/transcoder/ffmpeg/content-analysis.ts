import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ValidationError } from '../../../core/errors.ts';
import type { AnalysisRequest, ContentAnalysis } from '../../../core/model/content-analysis.ts';
import type { LadderPlan } from '../../../core/model/ladder-plan.ts';
import type { MediaInfo } from '../../../core/model/media-info.ts';
import { fileUrl, safeInputArgs } from './demuxers.ts';
import { headFilters, readLimit, scaleChain } from './ffmpeg-args.ts';
import { failureError } from './ffmpeg-errors.ts';
import { runProcess } from './run-process.ts';

/**
 * The ffmpeg side of a per-title analysis (core/ladder/per-title.ts): two runs in a scratch folder.
 * 1. The sampled scenes (request.scenes windows of sceneSeconds, spread evenly over the duration,
 *    each read with an input seek so that only they are decoded; the whole picture when the source
 *    is shorter than the windows) go through the ladder's own head filters (upright, constant rate,
 *    SDR) and scaler to the request's size, then to one lossless reference and one libx264 encode
 *    per CRF (the ladder's preset, no rate cap): the source is decoded once.
 * 2. Each encode is compared with the reference (ssim filter); its size gives its rate.
 */
export interface ContentAnalysisTools {
  ffmpegPath: string;
  launcher?: readonly string[];
  preset: string;
  zscale: boolean;
}

export const REFERENCE_FILE = 'reference.mkv';

export function sampleWindows(durationSec: number, request: AnalysisRequest): Array<{ start: number; seconds: number }> | null {
  const total = request.scenes * request.sceneSeconds;
  if (!(durationSec > total)) return null;
  return Array.from({ length: request.scenes }, (_, i) => {
    const start = ((i + 0.5) * durationSec) / request.scenes - request.sceneSeconds / 2;
    return { start: Math.round(Math.max(0, start) * 1000) / 1000, seconds: request.sceneSeconds };
  });
}

export function encodeFile(crf: number): string {
  return `crf-${crf}.mkv`;
}

/** Arguments of run 1: the sampled scenes, decoded once, to the reference and one encode per CRF in `dir`. */
export function buildSampleArgs(inputPath: string, media: MediaInfo, plan: LadderPlan, request: AnalysisRequest, dir: string, tools: ContentAnalysisTools): string[] {
  if (!media.video || !plan.video) throw new ValidationError('a content analysis needs a video stream');
  const args = ['-hide_banner', '-nostdin', '-v', 'error', '-nostats', '-noautorotate'];
  const windows = sampleWindows(media.durationSec, request);
  const head = headFilters(plan, media, tools.zscale).join(',');
  const scale = scaleChain(request.width, request.height);
  const outs = 1 + request.crfs.length;
  const splits = Array.from({ length: outs }, (_, i) => `[o${i}]`).join('');
  let graph: string;
  if (windows) {
    for (const w of windows) args.push('-ss', String(w.start), '-t', String(w.seconds), ...safeInputArgs(inputPath));
    const parts = windows.map((_, i) => `[${i}:${media.video!.index}]${head},${scale},setpts=PTS-STARTPTS[w${i}]`);
    const joined = `${windows.map((_, i) => `[w${i}]`).join('')}concat=n=${windows.length}:v=1:a=0,split=${outs}${splits}`;
    graph = [...parts, joined].join(';');
  } else {
    args.push(...readLimit(media), ...safeInputArgs(inputPath));
    graph = `[0:${media.video.index}]${head},${scale},split=${outs}${splits}`;
  }
  args.push('-filter_complex', graph);
  const common = ['-an', '-sn', '-dn', '-map_metadata', '-1', '-f', 'matroska'];
  args.push('-map', '[o0]', '-c:v', 'libx264', '-preset', 'ultrafast', '-qp', '0', ...common, join(dir, REFERENCE_FILE));
  request.crfs.forEach((crf, i) => {
    args.push('-map', `[o${i + 1}]`, '-c:v', 'libx264', '-preset', tools.preset, '-crf', String(crf), '-pix_fmt', 'yuv420p', ...common, join(dir, encodeFile(crf)));
  });
  return args;
}

/** Arguments of run 2: every encode compared with the reference; the SSIM of each is printed on stderr, in CRF order. */
export function buildSsimArgs(request: AnalysisRequest, dir: string): string[] {
  const input = (file: string) => ['-protocol_whitelist', 'file', '-format_whitelist', 'matroska', '-f', 'matroska', '-i', fileUrl(join(dir, file))];
  const args = ['-hide_banner', '-nostdin', '-v', 'info', '-nostats', ...input(REFERENCE_FILE)];
  for (const crf of request.crfs) args.push(...input(encodeFile(crf)));
  const n = request.crfs.length;
  const graph = [`[0:v]split=${n}${request.crfs.map((_, i) => `[r${i}]`).join('')}`];
  request.crfs.forEach((_, i) => graph.push(`[${i + 1}:v][r${i}]ssim[q${i}]`));
  args.push('-filter_complex', graph.join(';'));
  request.crfs.forEach((_, i) => args.push('-map', `[q${i}]`, '-f', 'null', '-'));
  return args;
}

/** The "All:" figures of the ssim filters' summaries, in the order the filters were created. */
export function parseSsim(stderr: string): number[] {
  const found: Array<{ n: number; ssim: number }> = [];
  for (const m of stderr.matchAll(/Parsed_ssim_(\d+)[^\n]*SSIM [^\n]*All:([\d.]+)/g)) found.push({ n: Number(m[1]), ssim: Number(m[2]) });
  return found.sort((a, b) => a.n - b.n).map((f) => f.ssim);
}

/** Runs both steps in `dir` (which the caller owns and removes). */
export async function analyzeContent(
  tools: ContentAnalysisTools,
  input: { inputPath: string; media: MediaInfo; plan: LadderPlan; request: AnalysisRequest; dir: string },
  signal?: AbortSignal,
): Promise<ContentAnalysis> {
  const { media, request, dir } = input;
  const sample = await runProcess(tools.ffmpegPath, buildSampleArgs(input.inputPath, media, input.plan, request, dir, tools), { signal, launcher: tools.launcher });
  if (sample.code !== 0 || sample.signal) throw failureError('ffmpeg', sample);
  const compare = await runProcess(tools.ffmpegPath, buildSsimArgs(request, dir), { signal, launcher: tools.launcher });
  if (compare.code !== 0 || compare.signal) throw failureError('ffmpeg', compare);
  const ssims = parseSsim(compare.stderr);
  if (ssims.length !== request.crfs.length) throw new ValidationError(`the content analysis measured ${ssims.length} SSIM figures for ${request.crfs.length} encodes`);
  const windows = sampleWindows(media.durationSec, request);
  const sampledSec = windows ? windows.reduce((t, w) => t + w.seconds, 0) : media.durationSec;
  const points = [];
  for (let i = 0; i < request.crfs.length; i++) {
    const bytes = (await stat(join(dir, encodeFile(request.crfs[i])))).size;
    points.push({ crf: request.crfs[i], kbps: (bytes * 8) / 1000 / sampledSec, ssim: ssims[i] });
  }
  return { width: request.width, height: request.height, sampledSec, points };
}
