import { TransientError } from '../../../core/errors.ts';
import { safeInputArgs } from './demuxers.ts';
import { rawStderr } from './ffmpeg-errors.ts';
import type { runProcess } from './run-process.ts';

/**
 * The probe's reads of a file's packets and sound (see probe.ts): what the file holds, from its
 * start to its end or to a window's end, whatever its headers say.
 */

/** The frame rate is measured on the video packets of the first this-many seconds. */
export const TIMING_WINDOW_SEC = 120;

/** Runs one ffprobe, its stdout's lines handed to `onLine`. */
export type RunScan = (args: string[], onLine?: (line: string) => void) => ReturnType<typeof runProcess>;

export interface PacketTiming {
  /** Timestamps of the video packets of the first TIMING_WINDOW_SEC (frame-rate analysis). */
  videoPts: number[];
  /** Timestamps of the video packets flagged as keyframes. */
  keyframePts: number[];
  /** True when the first video packet (in file order) is a keyframe. */
  startsWithKeyframe: boolean | null;
  videoFrames: number;
  videoStart: number | null;
  /** End of the last video packet (timestamp + duration). */
  videoEnd: number | null;
  audioStart: number | null;
  audioEnd: number | null;
  startTime: number | null;
  endTime: number | null;
}

/** Timing of no packet yet. */
export function emptyTiming(): PacketTiming {
  return {
    videoPts: [], keyframePts: [], startsWithKeyframe: null, videoFrames: 0, videoStart: null, videoEnd: null,
    audioStart: null, audioEnd: null, startTime: null, endTime: null,
  };
}

/** A packet as ffprobe prints it (`-show_entries packet=stream_index,pts_time,dts_time,duration_time,flags`). */
export interface PacketFields {
  stream_index?: string | number;
  pts_time?: string;
  dts_time?: string;
  duration_time?: string;
  flags?: string;
}

export const PACKET_ENTRIES = 'packet=stream_index,pts_time,dts_time,duration_time,flags';

/** Counts one packet into `timing` when it belongs to the chosen video or audio stream. */
export function addPacket(timing: PacketTiming, f: PacketFields, video: { index: number } | null, audio: { index: number } | null): void {
  const index = Number(f.stream_index);
  const isVideo = video !== null && index === video.index;
  const isAudio = audio !== null && index === audio.index;
  if (!isVideo && !isAudio) return;
  const t = num(f.pts_time) ?? num(f.dts_time);
  if (t === null) return;
  const duration = num(f.duration_time);
  const end = t + Math.max(0, duration ?? 0);
  timing.startTime = timing.startTime === null ? t : Math.min(timing.startTime, t);
  timing.endTime = timing.endTime === null ? end : Math.max(timing.endTime, end);
  if (isVideo) {
    timing.videoFrames++;
    timing.videoStart = timing.videoStart === null ? t : Math.min(timing.videoStart, t);
    if (t - timing.videoStart <= TIMING_WINDOW_SEC) timing.videoPts.push(t);
    const key = (f.flags ?? '').startsWith('K');
    timing.startsWithKeyframe ??= key;
    if (key) timing.keyframePts.push(t);
    timing.videoEnd = timing.videoEnd === null ? end : Math.max(timing.videoEnd, end);
  } else {
    timing.audioStart = timing.audioStart === null ? t : Math.min(timing.audioStart, t);
    timing.audioEnd = timing.audioEnd === null ? end : Math.max(timing.audioEnd, end);
  }
}

/**
 * Reads the timestamps of every packet of the chosen streams (the whole file, without decoding):
 * what the file holds, whatever its headers say.
 */
export async function scanPackets(run: RunScan, path: string, video: { index: number } | null, audio: { index: number } | null): Promise<PacketTiming> {
  const timing = emptyTiming();
  const result = await run(['-v', 'error', '-show_entries', PACKET_ENTRIES, '-of', 'compact=p=0', ...safeInputArgs(path)], (line) =>
    addPacket(timing, fields(line), video, audio),
  );
  // Reading packets of a damaged file may fail half-way; what was read is still useful.
  if (result.signal) throw new TransientError(`reading the file was stopped by the system (${result.signal})`, { cause: rawStderr('ffprobe', result) });
  return timing;
}

/**
 * Seconds of sound the audio stream really holds: its samples, decoded (audio decodes at about a
 * thousand times real time). Packet durations are written by whoever made the file and cannot be
 * trusted for this; a damaged stream counts what could be decoded.
 */
export async function decodedAudioSeconds(run: RunScan, path: string, audio: { index: number; sample_rate?: string }): Promise<number> {
  const rate = num(audio.sample_rate);
  if (!rate || rate <= 0) return 0;
  let samples = 0;
  const result = await run(
    ['-v', 'quiet', '-select_streams', String(audio.index), '-show_entries', 'frame=nb_samples', '-of', 'csv=p=0', ...safeInputArgs(path)],
    (line) => {
      const n = Number.parseInt(line, 10);
      if (Number.isFinite(n) && n > 0) samples += n;
    },
  );
  if (result.signal) throw new TransientError(`reading the file was stopped by the system (${result.signal})`, { cause: rawStderr('ffprobe', result) });
  return samples / rate;
}

/**
 * Longest stretch without a keyframe in what was read: between keyframes, and from the last one to
 * the end of the video. null when the video does not start with a keyframe or has none.
 */
export function keyframeInterval(timing: PacketTiming): number | null {
  if (!timing.startsWithKeyframe || timing.keyframePts.length === 0) return null;
  const keys = [...new Set(timing.keyframePts)].sort((a, b) => a - b);
  let longest = 0;
  for (let i = 1; i < keys.length; i++) longest = Math.max(longest, keys[i] - keys[i - 1]);
  if (timing.videoEnd !== null) longest = Math.max(longest, timing.videoEnd - keys[keys.length - 1]);
  return round3(longest);
}

function fields(line: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of line.split('|')) {
    const eq = part.indexOf('=');
    if (eq > 0) out[part.slice(0, eq)] = part.slice(eq + 1);
  }
  return out;
}

/** A number ffprobe printed, or null when it printed none ('', 'N/A') or not a finite one. */
export function num(v: string | number | undefined | null): number | null {
  if (v === undefined || v === null || v === '' || v === 'N/A') return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
}

/** `x` rounded to `digits` decimals (3: milliseconds). */
export function round3(x: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
