import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { AbortedError, UnsupportedMediaError, ValidationError } from '../../../core/errors.ts';
import type { Rendition } from '../../../core/model/video.ts';
import { writeMasterPlaylist } from '../../../core/playlists/master-playlist.ts';
import type { MediaInfo } from '../../../core/model/media-info.ts';
import type { StoryboardPlan } from '../../../core/model/ladder-plan.ts';
import { writeStoryboardVtt } from '../../../core/ladder/storyboard-vtt.ts';
import type { CopyRequest, CopyResult, TranscodeRequest, TranscodeResult, Transcoder } from './transcoder-types.ts';
import type { CaptionTrack } from '../../../core/model/video.ts';
import { extractCaptions, type ExtractCaptionsRequest, type ExtractCaptionsTools } from './extract-subtitles.ts';
import {
  AUDIO_FOLDER,
  DOWNLOAD_FILE,
  MASTER_FILE,
  PLAYLIST_FILE,
  POSTER_FILE,
  STORYBOARD_IMAGE_FILE,
  STORYBOARD_TILES_FILE,
  STORYBOARD_VTT_FILE,
  THUMBNAIL_FILE,
  buildStillArgs,
  buildStoryboardSheetArgs,
  buildTranscodeArgs,
  type TranscodeArgsInput,
} from './ffmpeg-args.ts';
import { analyzeContent } from './content-analysis.ts';
import type { AnalysisRequest, ContentAnalysis } from '../../../core/model/content-analysis.ts';
import type { LadderPlan } from '../../../core/model/ladder-plan.ts';
import { chunkPlaylistFile } from './chunk-args.ts';
import { encryptRendition } from './encrypt-rendition.ts';
import { explainStderr, failureError, rawStderr } from './ffmpeg-errors.ts';
import { listFiles } from './list-files.ts';
import { firstLookMedia, probeMedia, type ProbeResult } from './probe.ts';
import { OutputWatcher, type WatchedRendition } from './output-watcher.ts';
import { packageCopy } from './package-copy.ts';
import { measureRendition, type RenditionStats } from './rendition-stats.ts';
import { runProcess } from './run-process.ts';
import { DEFAULT_X264_PRESET, quickStartPreset } from './x264-settings.ts';

export { locateFfmpeg, type FfmpegPaths } from './locate-ffmpeg.ts';

export interface FfmpegTranscoderOptions {
  ffmpegPath: string;
  ffprobePath: string;
  /** Started through this command (locateFfmpeg's `launcher`: ffmpeg dies with this process). */
  launcher?: readonly string[];
  /** Threads per x264 encoder (default: ffmpeg decides). */
  threads?: number;
  /** libx264 preset (default 'veryfast': good quality per CPU second on small machines). */
  preset?: string;
  /** Probe time limit in ms (default 120 000). */
  probeTimeoutMs?: number;
}

const PROGRESS_INTERVAL_MS = 250;

/** Transcoder on a local ffmpeg 5.1+ with libx264. */
export class FfmpegTranscoder implements Transcoder {
  private zscale: Promise<boolean> | null = null;
  private readonly preset: string;

  constructor(private readonly options: FfmpegTranscoderOptions) {
    this.preset = options.preset ?? DEFAULT_X264_PRESET;
    if (!/^[a-z]+$/.test(this.preset)) throw new ValidationError(`invalid x264 preset "${this.preset}"`);
    if (options.threads !== undefined && !(Number.isInteger(options.threads) && options.threads > 0)) {
      throw new ValidationError(`threads must be a positive whole number, got ${options.threads}`);
    }
  }

  probe(inputPath: string, signal?: AbortSignal): Promise<MediaInfo> {
    return probeMedia(inputPath, this.probeOptions(signal));
  }

  /** The headers and the first seconds of a local file (probe.ts: firstLookMedia). */
  firstLook(inputPath: string, signal?: AbortSignal): Promise<ProbeResult> {
    return firstLookMedia(inputPath, this.probeOptions(signal));
  }

  private probeOptions(signal: AbortSignal | undefined) {
    return { ffprobePath: this.options.ffprobePath, launcher: this.options.launcher, signal, timeoutMs: this.options.probeTimeoutMs };
  }

  /** A per-title analysis of a local file (content-analysis.ts), in `dir`, at this transcoder's preset. */
  async analyzeContent(input: { inputPath: string; media: MediaInfo; plan: LadderPlan; request: AnalysisRequest; dir: string }, signal?: AbortSignal): Promise<ContentAnalysis> {
    const zscale = input.plan.video?.toneMap ? await this.hasZscale(signal) : false;
    const tools = { ffmpegPath: this.options.ffmpegPath, launcher: this.options.launcher, preset: this.preset, zscale };
    return analyzeContent(tools, { ...input, inputPath: resolve(input.inputPath), dir: resolve(input.dir) }, signal);
  }

  async transcode(request: TranscodeRequest): Promise<TranscodeResult> {
    const { plan, media, signal } = request;
    const outputDir = resolve(request.outputDir);
    const hasVideo = Boolean(plan.video && media.video);
    const hasAudio = Boolean(plan.audio && media.audio);
    if (!hasVideo && !hasAudio) throw new ValidationError('the ladder plan has neither video nor audio to encode');
    if (signal?.aborted) throw new AbortedError('the transcode was aborted before it started');

    const folders = [...(hasVideo ? plan.video!.rungs.map((r) => r.name) : []), ...(hasAudio ? [AUDIO_FOLDER] : [])];
    for (const f of folders) await mkdir(join(outputDir, f), { recursive: true });
    if (hasVideo && plan.thumbnail) await mkdir(dirname(join(outputDir, THUMBNAIL_FILE)), { recursive: true });
    if (hasVideo && plan.storyboard) await mkdir(dirname(join(outputDir, STORYBOARD_IMAGE_FILE)), { recursive: true });

    const argsInput: TranscodeArgsInput = {
      inputPath: resolve(request.inputPath),
      outputDir,
      media,
      plan: hasVideo ? plan : { ...plan, video: null, poster: null, thumbnail: null, storyboard: null },
      preset: request.quickStart ? quickStartPreset(this.preset) : this.preset,
      threads: this.options.threads,
      quickStart: request.quickStart,
      zscale: hasVideo && plan.video!.toneMap ? await this.hasZscale(signal) : false,
      download: request.download && hasVideo && !request.encryption && !request.chunk ? { path: join(outputDir, DOWNLOAD_FILE), from: request.download } : undefined,
      chunk: request.chunk,
    };
    if (request.chunk && (hasAudio || plan.poster || plan.thumbnail || plan.storyboard || !hasVideo)) {
      throw new ValidationError('a chunk encodes video rungs only: no audio, no stills');
    }
    const progress = progressReporter(media.durationSec, request.onProgress);
    // Encrypted runs are encrypted at the end: nothing may be reported (and published) in the clear.
    const progressive = request.progressive && !request.encryption && !request.chunk;
    const watcher = progressive && request.onOutput ? this.watcher(outputDir, argsInput, request.onOutput) : null;
    watcher?.start();
    let result;
    try {
      result = await runProcess(this.options.ffmpegPath, buildTranscodeArgs({ ...argsInput, progressive }), {
        signal,
        onStdoutLine: progress.line,
        launcher: this.options.launcher,
      });
    } catch (err) {
      watcher?.cancel();
      throw err;
    }
    if (result.code !== 0 || result.signal) {
      watcher?.cancel();
      throw failureError('ffmpeg', result);
    }
    await watcher?.stop();

    const reason = (): string => explainStderr(result.stderr) ?? 'nothing in it could be decoded';
    const renditions: Rendition[] = [];
    let audioStats: RenditionStats | null = null;
    if (hasAudio) {
      audioStats = await measureRendition(outputDir, AUDIO_FOLDER, plan.segmentSeconds);
      if (!audioStats) throw new UnsupportedMediaError(`the audio could not be decoded: ${reason()}`, { cause: rawStderr('ffmpeg', result) });
    }
    if (hasVideo) {
      for (const rung of plan.video!.rungs) {
        const playlistFile = request.chunk ? chunkPlaylistFile(request.chunk.index) : PLAYLIST_FILE;
        const stats = await measureRendition(outputDir, rung.name, plan.segmentSeconds, playlistFile);
        if (!stats) throw new UnsupportedMediaError(`the video could not be decoded: ${reason()}`, { cause: rawStderr('ffmpeg', result) });
        renditions.push({
          name: rung.name,
          width: rung.width,
          height: rung.height,
          bandwidth: stats.peakBps + (audioStats?.peakBps ?? 0),
          averageBandwidth: stats.averageBps + (audioStats?.averageBps ?? 0),
          codecs: [...stats.codecs, ...(audioStats?.codecs ?? [])].join(','),
          frameRate: Math.round(plan.video!.fps * 1000) / 1000,
          playlist: `${rung.name}/${playlistFile}`,
        });
      }
    }
    if (audioStats) {
      renditions.push({
        name: AUDIO_FOLDER,
        width: 0,
        height: 0,
        bandwidth: audioStats.peakBps,
        averageBandwidth: audioStats.averageBps,
        codecs: audioStats.codecs.join(','),
        frameRate: null,
        playlist: `${AUDIO_FOLDER}/${PLAYLIST_FILE}`,
      });
    }

    let poster: string | null = null;
    let thumbnail: string | null = null;
    if (hasVideo && plan.poster) poster = await this.ensureStill(argsInput, plan.poster, POSTER_FILE, signal);
    if (hasVideo && plan.thumbnail) thumbnail = await this.ensureStill(argsInput, plan.thumbnail, THUMBNAIL_FILE, signal);
    const storyboard = hasVideo && plan.storyboard ? await this.writeStoryboard(outputDir, plan.storyboard, media.durationSec, signal) : null;
    if (argsInput.download && !(await nonEmpty(argsInput.download.path))) {
      throw new UnsupportedMediaError(`the download could not be written: ${reason()}`, { cause: rawStderr('ffmpeg', result) });
    }
    if (signal?.aborted) throw new AbortedError('the transcode was aborted');
    if (request.encryption) {
      for (const r of renditions) await encryptRendition(outputDir, r.name, request.encryption, signal);
    }

    const withMaster = !request.chunk && request.master !== false;
    if (withMaster) {
      const master = writeMasterPlaylist(renditions, { audioChannels: hasAudio ? plan.audio!.channels : undefined });
      const tmp = join(outputDir, `.${MASTER_FILE}.tmp`);
      await writeFile(tmp, master);
      await rename(tmp, join(outputDir, MASTER_FILE));
    }

    const files = (await listFiles(outputDir)).filter((f) => f !== MASTER_FILE);
    progress.done();
    return {
      masterPlaylist: withMaster ? MASTER_FILE : null,
      renditions,
      poster,
      thumbnail,
      download: argsInput.download ? DOWNLOAD_FILE : null,
      storyboard,
      files: withMaster ? [...files, MASTER_FILE] : files,
    };
  }

  /**
   * The storyboard: the tiles the encode wrote laid out into the sheet (a few small JPEGs decoded,
   * never the source again), the tiles removed, the WebVTT map written beside the sheet. Null when
   * the encode wrote no tile.
   */
  private async writeStoryboard(outputDir: string, plan: StoryboardPlan, durationSec: number, signal?: AbortSignal): Promise<{ vtt: string; image: string } | null> {
    const tiles = join(outputDir, STORYBOARD_TILES_FILE);
    try {
      if (!(await nonEmpty(tiles))) return null;
      const result = await runProcess(this.options.ffmpegPath, buildStoryboardSheetArgs(tiles, plan, join(outputDir, STORYBOARD_IMAGE_FILE)), {
        signal,
        launcher: this.options.launcher,
      });
      if (result.code !== 0 || result.signal) throw failureError('ffmpeg', result);
    } finally {
      await rm(tiles, { force: true });
    }
    return writeStoryboardMap(outputDir, plan, durationSec);
  }

  /** The source's text subtitle streams as published caption tracks (extract-subtitles.ts). */
  extractCaptions(tools: Pick<ExtractCaptionsTools, 'store' | 'logger'>, request: ExtractCaptionsRequest): Promise<CaptionTrack[]> {
    return extractCaptions({ ffmpegPath: this.options.ffmpegPath, launcher: this.options.launcher, ...tools }, request);
  }

  packageCopy(request: CopyRequest): Promise<CopyResult> {
    return packageCopy({ ffmpegPath: this.options.ffmpegPath, launcher: this.options.launcher }, request);
  }

  /** Reports the rung and audio playlists of a progressive run as ffmpeg writes them. */
  private watcher(outputDir: string, input: TranscodeArgsInput, onOutput: NonNullable<TranscodeRequest['onOutput']>): OutputWatcher {
    const { plan, media } = input;
    const renditions: WatchedRendition[] = [];
    if (plan.video && media.video) {
      const frameRate = Math.round(plan.video.fps * 1000) / 1000;
      for (const r of plan.video.rungs) {
        renditions.push({ name: r.name, kind: 'video', width: r.width, height: r.height, frameRate, declaredBps: r.maxrateKbps * 1000 });
      }
    }
    if (plan.audio && media.audio) {
      renditions.push({ name: AUDIO_FOLDER, kind: 'audio', width: 0, height: 0, frameRate: null, declaredBps: plan.audio.bitrateKbps * 1000 });
    }
    return new OutputWatcher({ outputDir, renditions, segmentSeconds: plan.segmentSeconds, onOutput });
  }

  /** The still written by the main run, or one made from the first frame when it came out empty. */
  private async ensureStill(
    input: TranscodeArgsInput,
    size: { width: number; height: number },
    file: string,
    signal?: AbortSignal,
  ): Promise<string> {
    const path = join(input.outputDir, file);
    if (await nonEmpty(path)) return file;
    const result = await runProcess(this.options.ffmpegPath, buildStillArgs(input, size, path), { signal, launcher: this.options.launcher });
    if (result.code !== 0 || result.signal) throw failureError('ffmpeg', result);
    if (!(await nonEmpty(path))) {
      throw new UnsupportedMediaError(`no picture could be taken from the video: ${explainStderr(result.stderr) ?? 'no frame could be decoded'}`, { cause: rawStderr('ffmpeg', result) });
    }
    return file;
  }

  private hasZscale(signal?: AbortSignal): Promise<boolean> {
    this.zscale ??= runProcess(this.options.ffmpegPath, ['-hide_banner', '-nostdin', '-filters'], {
      signal,
      captureStdout: true,
      launcher: this.options.launcher,
    }).then(
      (r) => /^\s*\S+\s+zscale\s/m.test(r.stdout),
      (err: unknown) => {
        this.zscale = null;
        throw err;
      },
    );
    return this.zscale;
  }
}

function progressReporter(durationSec: number, onProgress?: (fraction: number) => void) {
  let best = 0;
  let lastAt = 0;
  const emit = (fraction: number): void => {
    try {
      onProgress?.(fraction);
    } catch {
      // A failing progress listener must not break the transcode.
    }
  };
  return {
    line(line: string): void {
      if (!onProgress || !line.startsWith('out_time_us=') || !(durationSec > 0)) return;
      const us = Number(line.slice('out_time_us='.length));
      if (!Number.isFinite(us)) return;
      const fraction = Math.min(0.99, Math.max(0, us / 1e6 / durationSec));
      const now = Date.now();
      if (fraction > best && now - lastAt >= PROGRESS_INTERVAL_MS) {
        best = fraction;
        lastAt = now;
        emit(fraction);
      }
    },
    done(): void {
      emit(1);
    },
  };
}

/** The storyboard's WebVTT map beside its sheet; null (nothing written) when the sheet came out empty. */
async function writeStoryboardMap(outputDir: string, plan: StoryboardPlan, durationSec: number): Promise<{ vtt: string; image: string } | null> {
  if (!(await nonEmpty(join(outputDir, STORYBOARD_IMAGE_FILE)))) return null;
  await writeFile(join(outputDir, STORYBOARD_VTT_FILE), writeStoryboardVtt(plan, durationSec, basename(STORYBOARD_IMAGE_FILE)));
  return { vtt: STORYBOARD_VTT_FILE, image: STORYBOARD_IMAGE_FILE };
}


async function nonEmpty(path: string): Promise<boolean> {
  try {
    return (await stat(path)).size > 0;
  } catch {
    return false;
  }
}
