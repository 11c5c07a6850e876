import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import {
  AbortedError,
  NotFoundError,
  TransientError,
  UnsupportedMediaError,
  VodkitError,
} from '../../../core/errors.ts';
import type { AudioStreamInfo, MediaInfo, SubtitleStreamInfo, VideoStreamInfo } from '../../../core/model/media-info.ts';
import { safeInputArgs } from './demuxers.ts';
import { cleanLines, explainStderr, rawStderr } from './ffmpeg-errors.ts';
import { analyseFrameTiming, parseRate } from './frame-timing.ts';
import {
  addPacket, decodedAudioSeconds, emptyTiming, keyframeInterval, num, PACKET_ENTRIES, round3, scanPackets,
  type PacketFields, type PacketTiming, type RunScan,
} from './probe-scans.ts';
import { runProcess } from './run-process.ts';

interface ProbeStream {
  index: number;
  codec_type?: string;
  codec_name?: string;
  profile?: string;
  width?: number;
  height?: number;
  sample_aspect_ratio?: string;
  pix_fmt?: string;
  r_frame_rate?: string;
  avg_frame_rate?: string;
  color_transfer?: string;
  color_primaries?: string;
  bits_per_raw_sample?: string;
  channels?: number;
  sample_rate?: string;
  bit_rate?: string;
  duration?: string;
  disposition?: Record<string, number>;
  tags?: Record<string, string>;
  side_data_list?: Array<{ side_data_type?: string; rotation?: number }>;
}

interface ProbeOutput {
  streams?: ProbeStream[];
  format?: { format_name?: string; duration?: string; size?: string; bit_rate?: string; start_time?: string };
  /** A first look's packets (its window). */
  packets?: PacketFields[];
}

/**
 * A first look reads the packets of this many seconds from the start: several keyframe intervals
 * of any file fit for a stream copy, in one ffprobe with the headers (under a tenth of a second for
 * a 10-minute 1080p file).
 */
export const FIRST_LOOK_SEC = 30;
/** The packet scan may read the whole file: it gets this much time per byte beyond the probe's limit. */
const SCAN_BYTES_PER_MS = 50_000;

export interface ProbeOptions {
  ffprobePath: string;
  /** See RunOptions.launcher. */
  launcher?: readonly string[];
  signal?: AbortSignal;
  /** Give up (TransientError) after this long (default 120 s). */
  timeoutMs?: number;
}

/** What a probe read: the whole file, or the packets of its first FIRST_LOOK_SEC seconds. */
export interface ProbeResult {
  media: MediaInfo;
  /** True when every packet was read: `media` is what probeMedia returns. */
  whole: boolean;
}

/**
 * Probes a local file with ffprobe: its headers, and every packet of its chosen streams and all its
 * sound (what it really holds). Throws UnsupportedMediaError when it is neither video nor audio.
 */
export async function probeMedia(inputPath: string, options: ProbeOptions): Promise<MediaInfo> {
  return (await probeFile(inputPath, options, null)).media;
}

/**
 * A first look at a file: its headers and the packets of its first FIRST_LOOK_SEC seconds only, in
 * one ffprobe, so in a fraction of a second whatever its length. Its duration is the headers' claim,
 * `held` is what the window's packets hold (the sound counted by their span, not decoded) and its
 * frame rate is measured on the window. A file whose headers claim no more than the window (or no
 * duration) is read whole, as by probeMedia.
 */
export function firstLookMedia(inputPath: string, options: ProbeOptions): Promise<ProbeResult> {
  return probeFile(inputPath, options, FIRST_LOOK_SEC);
}

async function probeFile(inputPath: string, options: ProbeOptions, lookSec: number | null): Promise<ProbeResult> {
  const path = resolve(inputPath);
  let size: number;
  try {
    const st = await stat(path);
    if (!st.isFile()) throw new UnsupportedMediaError('not a video or audio file: it is not a regular file');
    size = st.size;
  } catch (err) {
    if (err instanceof VodkitError) throw err;
    // The messages are for users: the server's paths stay in the cause, for the logs.
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new NotFoundError('the uploaded file is no longer on the server', { cause: err });
    throw new TransientError(`the uploaded file could not be read on the server (${(err as NodeJS.ErrnoException).code ?? 'error'})`, { cause: err });
  }
  if (size === 0) throw new UnsupportedMediaError('not a video or audio file: the file is empty');

  // A first look reads the packets of its window in the same ffprobe as the headers.
  const lookArgs = lookSec === null ? [] : ['-read_intervals', `%+${lookSec}`, '-show_entries', PACKET_ENTRIES];
  const head = await runTimed(options, ['-v', 'error', ...lookArgs, '-show_format', '-show_streams', '-of', 'json', ...safeInputArgs(path)]);
  if (head.code !== 0 || head.signal) throw probeFailure(head);
  let parsed: ProbeOutput;
  try {
    parsed = JSON.parse(head.stdout) as ProbeOutput;
  } catch {
    throw new TransientError('reading the file failed on the server (the analysis gave no usable answer)', { cause: new Error(`ffprobe printed: ${head.stdout.slice(0, 300)}`) });
  }
  const streams = parsed.streams ?? [];
  const format = parsed.format ?? {};
  const videoStream = pick(streams.filter(isRealVideo));
  const audioStream = pick(streams.filter((s) => s.codec_type === 'audio' && (s.channels ?? 0) > 0));
  if (!videoStream && !audioStream) {
    const kinds = [...new Set(streams.map((s) => s.codec_type ?? 'unknown'))];
    const what =
      streams.length === 0
        ? 'it has no video or audio stream (no streams at all)'
        : kinds.includes('video') || kinds.includes('audio')
          ? 'its streams are damaged (a video stream without a picture size, or audio without channels)'
          : `it has no video or audio stream (only ${kinds.join(', ')} streams)`;
    throw new UnsupportedMediaError(`not a video or audio file: ${what}`);
  }

  const claimed = num(format.duration) ?? maxOf(streams.map((s) => num(s.duration)));
  const startTime = num(format.start_time) ?? 0;
  if (lookSec !== null && claimed !== null && claimed > lookSec) {
    // The look: what the window's packets hold; its sound counted by their span, not decoded.
    const timing = emptyTiming();
    for (const packet of parsed.packets ?? []) addPacket(timing, packet, videoStream, audioStream);
    const media = mediaInfo({ format, streams, size, durationSec: claimed, videoStream, audioStream, timing, audioSec: spanOf(timing.audioStart, timing.audioEnd) });
    return { media, whole: false };
  }
  // The packet scan and the audio decode read the file side by side (each is one ffprobe, mostly
  // waiting on its own start-up and reads); the first to fail stops the other.
  const scans = new AbortController();
  const scanOptions = { ...options, signal: options.signal ? AbortSignal.any([options.signal, scans.signal]) : scans.signal };
  const scan: RunScan = (args, onLine) =>
    runTimed({ ...scanOptions, timeoutMs: (options.timeoutMs ?? 120_000) + Math.ceil(size / SCAN_BYTES_PER_MS) }, args, onLine);
  const stopOthers = (err: unknown): never => {
    scans.abort(err);
    throw err;
  };
  const [timing, audioSec] = await Promise.all([
    scanPackets(scan, path, videoStream, audioStream).catch(stopOthers),
    audioStream ? decodedAudioSeconds(scan, path, audioStream).catch(stopOthers) : 0,
  ]);
  let durationSec = claimed ?? 0;
  const measuredEnd = timing.endTime !== null ? timing.endTime - Math.min(startTime, timing.startTime ?? startTime) : null;
  // Every packet was read: the headers are believed only when they agree with the packets (a
  // truncated file announces more than it holds; a forged header may announce more or less).
  if (measuredEnd !== null && measuredEnd > 0 && (claimed === null || Math.abs(claimed - measuredEnd) > 1)) durationSec = measuredEnd;

  return { media: mediaInfo({ format, streams, size, durationSec, videoStream, audioStream, timing, audioSec }), whole: true };
}

function mediaInfo(read: {
  format: NonNullable<ProbeOutput['format']>;
  streams: ProbeStream[];
  size: number;
  durationSec: number;
  videoStream: ProbeStream | null;
  audioStream: ProbeStream | null;
  timing: PacketTiming;
  audioSec: number;
}): MediaInfo {
  const { format, streams, timing, videoStream, audioStream } = read;
  return {
    formatName: format.format_name ?? 'unknown',
    durationSec: round3(read.durationSec),
    sizeBytes: num(format.size) ?? read.size,
    bitrate: num(format.bit_rate),
    video: videoStream ? { ...videoInfo(videoStream, timing.videoPts), maxKeyframeIntervalSec: keyframeInterval(timing) } : null,
    audio: audioStream ? audioInfo(audioStream) : null,
    ...subtitlesOf(streams),
    held: {
      videoFrames: timing.videoFrames,
      videoSpanSec: spanOf(timing.videoStart, timing.videoEnd),
      audioSec: round3(read.audioSec),
      audioSpanSec: spanOf(timing.audioStart, timing.audioEnd),
    },
  };
}

function spanOf(start: number | null, end: number | null): number {
  return start !== null && end !== null && end > start ? round3(end - start) : 0;
}

function runTimed(options: ProbeOptions, args: string[], onStdoutLine?: (line: string) => void) {
  const timeout = AbortSignal.timeout(options.timeoutMs ?? 120_000);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  return runProcess(options.ffprobePath, ['-hide_banner', ...args], {
    signal,
    launcher: options.launcher,
    captureStdout: !onStdoutLine,
    onStdoutLine,
  }).catch((err: unknown) => {
    if (err instanceof AbortedError && timeout.aborted && !options.signal?.aborted) {
      throw new TransientError(`reading the file took longer than ${Math.round((options.timeoutMs ?? 120_000) / 1000)} seconds`);
    }
    throw err;
  });
}

function probeFailure(result: { code: number | null; signal: string | null; stderr: string }): VodkitError {
  const cause = rawStderr('ffprobe', result);
  if (result.signal) return new TransientError(`reading the file was stopped by the system (${result.signal})`, { cause });
  const lines = cleanLines(result.stderr);
  if (lines.some((l) => /Input\/output error|Cannot allocate memory|Too many open files|Permission denied/i.test(l))) {
    return new TransientError(`reading the file failed on the server: ${explainStderr(result.stderr)}`, { cause });
  }
  if (/not on whitelist/i.test(result.stderr)) {
    const name = /\[([\w,]+) @ 0x[0-9a-f]+\] Format not on whitelist/i.exec(result.stderr)?.[1] ?? 'this';
    return new UnsupportedMediaError(
      `not a video or audio file: the ${name} format is not accepted (it can refer to other files); upload the media file itself`,
      { cause },
    );
  }
  return new UnsupportedMediaError(`not a video or audio file: ${explainStderr(result.stderr) ?? 'vodkit cannot read its format'}`, { cause });
}

/** A video stream that is moving pictures: not an attached cover picture or a timed thumbnail. */
function isRealVideo(s: ProbeStream): boolean {
  return (
    s.codec_type === 'video' &&
    !s.disposition?.attached_pic &&
    !s.disposition?.timed_thumbnails &&
    (s.width ?? 0) > 0 &&
    (s.height ?? 0) > 0
  );
}

function pick(streams: ProbeStream[]): ProbeStream | null {
  return streams.find((s) => s.disposition?.default) ?? streams[0] ?? null;
}

function videoInfo(s: ProbeStream, pts: number[]): VideoStreamInfo {
  const width = s.width ?? 0;
  const height = s.height ?? 0;
  const rotation = rotationOf(s);
  const sar = parseRate(s.sample_aspect_ratio?.replace(':', '/'));
  const shownWidth = Number.isFinite(sar) && Math.abs(sar - 1) > 0.001 ? Math.round(width * sar) : width;
  const quarter = rotation === 90 || rotation === 270;
  const declared = [parseRate(s.r_frame_rate), parseRate(s.avg_frame_rate)];
  const timing = analyseFrameTiming(pts, declared);
  const fallbackFps = declared.find((r) => Number.isFinite(r) && r > 0 && r <= 240) ?? 30;
  const pixFmt = s.pix_fmt ?? 'unknown';
  return {
    index: s.index,
    codec: s.codec_name ?? 'unknown',
    profile: s.profile && s.profile !== 'unknown' ? s.profile : null,
    width,
    height,
    displayWidth: quarter ? height : shownWidth,
    displayHeight: quarter ? shownWidth : height,
    rotation,
    fps: round3(timing?.fps ?? fallbackFps, 6),
    variableFrameRate: timing?.variableFrameRate ?? false,
    pixFmt,
    bitDepth: bitDepthOf(pixFmt, s.bits_per_raw_sample),
    colorTransfer: known(s.color_transfer),
    colorPrimaries: known(s.color_primaries),
    bitrate: num(s.bit_rate),
  };
}

/** The subtitle streams, when there are any (the field is absent otherwise). */
function subtitlesOf(streams: ProbeStream[]): { subtitles?: SubtitleStreamInfo[] } {
  const subtitles = streams
    .filter((s) => s.codec_type === 'subtitle')
    .map((s) => ({ index: s.index, codec: s.codec_name ?? 'unknown', language: known(tag(s, 'language')), title: known(tag(s, 'title')) }));
  return subtitles.length > 0 ? { subtitles } : {};
}

function tag(s: ProbeStream, name: string): string | undefined {
  const entry = Object.entries(s.tags ?? {}).find(([k]) => k.toLowerCase() === name);
  return entry?.[1];
}

function audioInfo(s: ProbeStream): AudioStreamInfo {
  return {
    index: s.index,
    codec: s.codec_name ?? 'unknown',
    channels: s.channels ?? 0,
    sampleRate: num(s.sample_rate) ?? 0,
    bitrate: num(s.bit_rate),
  };
}

/** Clockwise degrees to show the picture upright. ffprobe's display-matrix rotation is counter-clockwise. */
function rotationOf(s: ProbeStream): 0 | 90 | 180 | 270 {
  const matrix = s.side_data_list?.find((d) => typeof d.rotation === 'number')?.rotation;
  const tag = num(s.tags?.rotate);
  const ccw = matrix !== undefined ? matrix : tag !== null ? -tag : 0;
  const cw = (((Math.round(-ccw / 90) * 90) % 360) + 360) % 360;
  return cw as 0 | 90 | 180 | 270;
}

function bitDepthOf(pixFmt: string, bitsPerRawSample: string | undefined): number {
  const m = /(\d+)(le|be)$/.exec(pixFmt);
  if (m) {
    const bits = Number(m[1]);
    if (/^(rgb|bgr)(48|64)/.test(pixFmt)) return 16;
    if (bits >= 9 && bits <= 16) return bits;
  }
  if (/^p0(10|12|16)/.test(pixFmt)) return Number(pixFmt.slice(2, 4));
  const raw = num(bitsPerRawSample);
  return raw !== null && raw > 8 && raw <= 16 ? raw : 8;
}

function known(v: string | undefined): string | null {
  return v && v !== 'unknown' && v !== 'unspecified' ? v : null;
}

function maxOf(values: Array<number | null>): number | null {
  const nums = values.filter((v): v is number => v !== null && v > 0);
  return nums.length ? Math.max(...nums) : null;
}

