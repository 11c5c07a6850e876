import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { AbortedError, UnsupportedMediaError } from '../../../core/errors.ts';
import type { CopyRequest, CopyResult } from './transcoder-types.ts';
import { videoBitrate } from '../../../core/ladder/copy-eligibility.ts';
import { buildCopyArgs, PLAYLIST_FILE, SOURCE_FOLDER } from './ffmpeg-args.ts';
import { explainStderr, failureError, rawStderr } from './ffmpeg-errors.ts';
import { listFiles } from './list-files.ts';
import { OutputWatcher } from './output-watcher.ts';
import { measureRendition } from './rendition-stats.ts';
import { runProcess } from './run-process.ts';

/**
 * Packages the source as one HLS rendition in `source/` by stream copy (see buildCopyArgs), reporting
 * its playlist as it grows when `onOutput` is given. The caller decides whether the source is fit for
 * it (core/ladder/copy-eligibility.ts).
 */
export async function packageCopy(tool: { ffmpegPath: string; launcher?: readonly string[] }, request: CopyRequest): Promise<CopyResult> {
  const { media, signal } = request;
  const v = media.video;
  if (!v) throw new UnsupportedMediaError('a stream copy needs a video stream');
  if (signal?.aborted) throw new AbortedError('the copy was aborted before it started');
  const outputDir = resolve(request.outputDir);
  await mkdir(join(outputDir, SOURCE_FOLDER), { recursive: true });
  const frameRate = Math.round(v.fps * 1000) / 1000;
  const sourceBps = (videoBitrate(media) ?? 0) + (media.audio?.bitrate ?? 0);
  const watcher = request.onOutput
    ? new OutputWatcher({
        outputDir,
        renditions: [{ name: SOURCE_FOLDER, kind: 'muxed', width: v.width, height: v.height, frameRate, declaredBps: sourceBps }],
        segmentSeconds: request.segmentSeconds,
        onOutput: request.onOutput,
        intervalMs: 50,
      })
    : null;
  watcher?.start();
  let result;
  try {
    const args = buildCopyArgs({ inputPath: resolve(request.inputPath), outputDir, media, segmentSeconds: request.segmentSeconds });
    result = await runProcess(tool.ffmpegPath, args, { signal, launcher: tool.launcher });
  } catch (err) {
    watcher?.cancel();
    throw err;
  }
  if (result.code !== 0 || result.signal) {
    watcher?.cancel();
    throw failureError('ffmpeg', result);
  }
  await watcher?.stop();
  const stats = await measureRendition(outputDir, SOURCE_FOLDER, request.segmentSeconds);
  if (!stats) throw new UnsupportedMediaError(`the file could not be packaged as it is: ${explainStderr(result.stderr) ?? 'no segment was written'}`, { cause: rawStderr('ffmpeg', result) });
  return {
    rendition: {
      name: SOURCE_FOLDER,
      width: v.width,
      height: v.height,
      bandwidth: stats.peakBps,
      averageBandwidth: stats.averageBps,
      codecs: stats.codecs.join(','),
      frameRate,
      playlist: `${SOURCE_FOLDER}/${PLAYLIST_FILE}`,
    },
    files: await listFiles(outputDir),
  };
}
