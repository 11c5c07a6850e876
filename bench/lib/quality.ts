import { createReadStream, createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import { headFilters, scaleChain } from '../../src/adapters/transcoder/ffmpeg/ffmpeg-args.ts';
import { parseMediaPlaylist } from '../../src/core/playlists/media-playlist.ts';
import type { LadderPlan } from '../../src/core/model/ladder-plan.ts';
import type { MediaInfo } from '../../src/core/model/media-info.ts';
import { run } from './timed-run.ts';

/** SSIM (0..1, "All") and PSNR (dB, from the mean squared error) of one rung against the source. */
export interface RungQuality {
  rung: string;
  ssim: number;
  psnr: number;
}

/** Joins an HLS fMP4 rendition (init segment + segments, in playlist order) into one MP4 file. */
export async function joinRendition(folder: string, out: string): Promise<string> {
  const playlist = parseMediaPlaylist(await readFile(join(folder, 'index.m3u8'), 'utf8'));
  const parts = [...(playlist.mapUri ? [playlist.mapUri] : []), ...playlist.segments.map((s) => s.uri)];
  const sink = createWriteStream(out);
  for (const part of parts) {
    for await (const chunk of createReadStream(join(folder, part))) {
      if (!sink.write(chunk)) await once(sink, 'drain');
    }
  }
  sink.end();
  await finished(sink);
  return out;
}

/**
 * Compares every rung with the source as the encoder saw it (the same upright, constant-rate, SDR
 * picture, scaled to the rung's size with the same scaler), in one ffmpeg run that decodes the
 * source once. `seconds` limits the comparison to the start of the video (null: all of it).
 */
export async function measureQuality(
  sourcePath: string,
  media: MediaInfo,
  plan: LadderPlan,
  zscale: boolean,
  rungs: Array<{ name: string; width: number; height: number; path: string }>,
  workDir: string,
  seconds: number | null,
): Promise<RungQuality[]> {
  if (!media.video || rungs.length === 0) return [];
  const limit = seconds ? ['-t', String(seconds)] : [];
  const args = ['-hide_banner', '-nostdin', '-v', 'error', '-nostats', ...limit, '-noautorotate', '-i', sourcePath];
  for (const r of rungs) args.push(...limit, '-i', r.path);
  const n = rungs.length;
  const graph = [`[0:${media.video.index}]${headFilters(plan, media, zscale).join(',')},split=${n}${rungs.map((_, i) => `[s${i}]`).join('')}`];
  rungs.forEach((r, i) => {
    graph.push(
      `[s${i}]${scaleChain(r.width, r.height)},setpts=PTS-STARTPTS,split[r${i}a][r${i}b]`,
      `[${i + 1}:v:0]setpts=PTS-STARTPTS,format=yuv420p,split[d${i}a][d${i}b]`,
      `[d${i}a][r${i}a]ssim=stats_file=${statsPath(workDir, 'ssim', i)}[q${i}s]`,
      `[d${i}b][r${i}b]psnr=stats_file=${statsPath(workDir, 'psnr', i)}[q${i}p]`,
    );
  });
  args.push('-filter_complex', graph.join(';'));
  rungs.forEach((_, i) => args.push('-map', `[q${i}s]`, '-f', 'null', '-', '-map', `[q${i}p]`, '-f', 'null', '-'));
  await run('ffmpeg', args);
  const out: RungQuality[] = [];
  for (let i = 0; i < n; i++) {
    out.push({
      rung: rungs[i].name,
      ssim: meanOf(await readFile(statsPath(workDir, 'ssim', i), 'utf8'), /All:([\d.]+)/),
      psnr: psnrOfMse(meanOf(await readFile(statsPath(workDir, 'psnr', i), 'utf8'), /mse_avg:([\d.]+)/)),
    });
  }
  return out;
}

function statsPath(dir: string, kind: string, i: number): string {
  if (/[:,;'\[\]\\]/.test(dir)) throw new Error(`the work folder ${dir} has characters ffmpeg filter options cannot take`);
  return join(dir, `${kind}-${i}.log`);
}

function meanOf(text: string, pattern: RegExp): number {
  const values = text
    .split('\n')
    .map((l) => pattern.exec(l)?.[1])
    .filter((v): v is string => v !== undefined)
    .map(Number)
    .filter(Number.isFinite);
  return values.length ? values.reduce((a, b) => a + b, 0) / values.length : Number.NaN;
}

function psnrOfMse(mse: number): number {
  return mse > 0 ? 10 * Math.log10((255 * 255) / mse) : Number.POSITIVE_INFINITY;
}
