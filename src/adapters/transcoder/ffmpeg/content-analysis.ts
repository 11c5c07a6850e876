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
 *    SDR); each view scales them with the ladder's scaler (and, when it is smaller, puts together
 *    3 x 3 tiles taken across the scaled picture, at its resolution), then writes one
 *    lossless reference and one libx264 encode per CRF (the ladder's preset and keyframe spacing, no
 *    rate cap). The source is decoded once.
 * 2. Each encode is compared with its view's reference (ssim filter); its size gives its rate.
 */
export interface ContentAnalysisTools {
  ffmpegPath: string;
  launcher?: readonly string[];
  preset: string;
  zscale: boolean;
}

/** A view smaller than its scaled picture is cut into TILES x TILES tiles spread over it. */
export const TILES = 3;

export function sampleWindows(durationSec: number, request: AnalysisRequest): Array<{ start: number; seconds: number }> | null {
  const total = request.scenes * request.sceneSeconds;
  if (!(durationSec > total)) return null;
  return Array.from({ length: request.scenes }, (_, i) => {
    const start = ((i + 0.5) * durationSec) / request.scenes - request.sceneSeconds / 2;
    return { start: Math.round(Math.max(0, start) * 1000) / 1000, seconds: request.sceneSeconds };
  });
}

export function referenceFile(view: number): string {
  return `view-${view}-reference.mkv`;
}

export function encodeFile(view: number, crf: number): string {
  return `view-${view}-crf-${crf}.mkv`;
}

/** Arguments of run 1: the sampled scenes, decoded once, to each view's reference and encodes in `dir`. */
export function buildSampleArgs(inputPath: string, media: MediaInfo, plan: LadderPlan, request: AnalysisRequest, dir: string, tools: ContentAnalysisTools): string[] {
  if (!media.video || !plan.video) throw new ValidationError('a content analysis needs a video stream');
  const args = ['-hide_banner', '-nostdin', '-v', 'error', '-nostats', '-noautorotate'];
  const windows = sampleWindows(media.durationSec, request);
  const head = headFilters(plan, media, tools.zscale).join(',');
  const views = request.views.length;
  const viewSplit = `split=${views}${request.views.map((_, v) => `[view${v}]`).join('')}`;
  const graph: string[] = [];
  if (windows) {
    for (const w of windows) args.push('-ss', String(w.start), '-t', String(w.seconds), ...safeInputArgs(inputPath));
    windows.forEach((_, i) => graph.push(`[${i}:${media.video!.index}]${head},setpts=PTS-STARTPTS[w${i}]`));
    graph.push(`${windows.map((_, i) => `[w${i}]`).join('')}concat=n=${windows.length}:v=1:a=0,${viewSplit}`);
  } else {
    args.push(...readLimit(media), ...safeInputArgs(inputPath));
    graph.push(`[0:${media.video.index}]${head},${viewSplit}`);
  }
  const outs = 1 + request.crfs.length;
  request.views.forEach((view, v) => {
    const outputs = `split=${outs}${Array.from({ length: outs }, (_, i) => `[v${v}o${i}]`).join('')}`;
    const scaled = `[view${v}]${scaleChain(view.scaleWidth, view.scaleHeight)}`;
    if (view.width === view.scaleWidth && view.height === view.scaleHeight) {
      graph.push(`${scaled},${outputs}`);
      return;
    }
    // TILES x TILES tiles, each from the middle of its cell of the scaled picture, put together.
    const tw = view.width / TILES;
    const th = view.height / TILES;
    if (!Number.isInteger(tw / 2) || !Number.isInteger(th / 2) || view.width > view.scaleWidth || view.height > view.scaleHeight) {
      throw new ValidationError(`a view of ${view.width}x${view.height} cannot be cut in ${TILES}x${TILES} even tiles from ${view.scaleWidth}x${view.scaleHeight}`);
    }
    const cells = Array.from({ length: TILES * TILES }, (_, k) => ({ col: k % TILES, row: Math.floor(k / TILES) }));
    graph.push(`${scaled},split=${cells.length}${cells.map((_, k) => `[v${v}c${k}]`).join('')}`);
    cells.forEach(({ col, row }, k) => {
      const x = 2 * Math.round(((col + 0.5) * view.scaleWidth) / TILES / 2 - tw / 4);
      const y = 2 * Math.round(((row + 0.5) * view.scaleHeight) / TILES / 2 - th / 4);
      graph.push(`[v${v}c${k}]crop=${tw}:${th}:${x}:${y}[v${v}t${k}]`);
    });
    const layout = cells.map(({ col, row }) => `${col * tw}_${row * th}`).join('|');
    graph.push(`${cells.map((_, k) => `[v${v}t${k}]`).join('')}xstack=inputs=${cells.length}:layout=${layout},${outputs}`);
  });
  args.push('-filter_complex', graph.join(';'));
  const common = ['-an', '-sn', '-dn', '-map_metadata', '-1', '-f', 'matroska'];
  // Keyframes as the ladder places them (every gopSeconds, no others): they cost what they cost there.
  const gopFrames = String(Math.max(1, Math.round(plan.video.gopSeconds * plan.video.fps)));
  const gop = ['-g', gopFrames, '-keyint_min', gopFrames, '-sc_threshold', '0'];
  request.views.forEach((_, v) => {
    args.push('-map', `[v${v}o0]`, '-c:v', 'libx264', '-preset', 'ultrafast', '-qp', '0', ...common, join(dir, referenceFile(v)));
    request.crfs.forEach((crf, i) => {
      args.push('-map', `[v${v}o${i + 1}]`, '-c:v', 'libx264', '-preset', tools.preset, '-crf', String(crf), ...gop, '-pix_fmt', 'yuv420p', ...common, join(dir, encodeFile(v, crf)));
    });
  });
  return args;
}

/** Arguments of run 2: every encode compared with its view's reference; the SSIM of each printed on stderr, view by view, in CRF order. */
export function buildSsimArgs(request: AnalysisRequest, dir: string): string[] {
  const input = (file: string) => ['-protocol_whitelist', 'file', '-format_whitelist', 'matroska', '-f', 'matroska', '-i', fileUrl(join(dir, file))];
  const args = ['-hide_banner', '-nostdin', '-v', 'info', '-nostats'];
  const graph: string[] = [];
  const n = request.crfs.length;
  let at = 0;
  request.views.forEach((_, v) => {
    const ref = at++;
    args.push(...input(referenceFile(v)));
    graph.push(`[${ref}:v]split=${n}${request.crfs.map((_, i) => `[r${v}x${i}]`).join('')}`);
    request.crfs.forEach((crf, i) => {
      args.push(...input(encodeFile(v, crf)));
      graph.push(`[${at++}:v][r${v}x${i}]ssim[q${v}x${i}]`);
    });
  });
  args.push('-filter_complex', graph.join(';'));
  request.views.forEach((_, v) => request.crfs.forEach((_, i) => args.push('-map', `[q${v}x${i}]`, '-f', 'null', '-')));
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
  const expected = request.views.length * request.crfs.length;
  if (ssims.length !== expected) throw new ValidationError(`the content analysis measured ${ssims.length} SSIM figures for ${expected} encodes`);
  const windows = sampleWindows(media.durationSec, request);
  const sampledSec = windows ? windows.reduce((t, w) => t + w.seconds, 0) : media.durationSec;
  const views: ContentAnalysis['views'] = [];
  for (let v = 0; v < request.views.length; v++) {
    const points = [];
    for (let i = 0; i < request.crfs.length; i++) {
      const bytes = (await stat(join(dir, encodeFile(v, request.crfs[i])))).size;
      points.push({ crf: request.crfs[i], kbps: (bytes * 8) / 1000 / sampledSec, ssim: ssims[v * request.crfs.length + i] });
    }
    views.push({ ...request.views[v], points });
  }
  return { sampledSec, views };
}
