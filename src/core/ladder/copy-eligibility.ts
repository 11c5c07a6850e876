import type { MediaInfo } from '../model/media-info.ts';
import { maxrateFor } from './plan-ladder.ts';

/**
 * Decides whether a source can be published at once as it is: packaged as one HLS rendition by
 * stream copy (no re-encoding, segments cut at its own keyframes), before the ladder is encoded.
 * Pure: same input, same answer.
 *
 * Rules (all must hold):
 * - Video: H.264 in Baseline, Constrained Baseline, Main or High profile, 8-bit 4:2:0,
 *   SDR (no PQ/HLG transfer), square pixels, no rotation (players ignore the track's display
 *   matrix), constant frame rate at most 60 fps, the long side at most 4096 and the short side at
 *   most 2304 (what H.264 level 5.2 and browsers' decoders handle). yuvj420p (full range, common on
 *   phones) counts as 4:2:0: the range is flagged in the stream and players honour it.
 * - Audio: none, or AAC with one or two channels at 16 to 48 kHz.
 * - Container: MP4/MOV, Matroska or MPEG-TS (the ones the copy can read without surprises). Not FLV:
 *   its packets carry no duration and millisecond timestamps, and ffmpeg's HLS muxer can then write
 *   segment durations far from the truth (0.03 s for a 1.1 s clip), which players trust.
 * - Keyframes: measured, at most `maxKeyframeIntervalSec` apart (default 10 s), so that no segment
 *   is longer than that.
 * - Bit rate: the video's rate at most `bitrateFactor` (default 2.5) times the ladder's cap for a
 *   picture of that size (1080p: 12.5 Mbit/s, 720p: 7.5 Mbit/s), so the copy streams on an ordinary
 *   connection. Unknown rates are estimated from the file size and duration.
 * - Duration: known and positive.
 */
export interface CopyEligibilityOptions {
  /** Longest keyframe interval accepted, seconds (default 10). */
  maxKeyframeIntervalSec?: number;
  /** Largest video bit rate accepted, as a multiple of the ladder's cap for the size (default 2.5). */
  bitrateFactor?: number;
}

export type CopyEligibility = { eligible: true } | { eligible: false; reason: string };

export const DEFAULT_MAX_KEYFRAME_INTERVAL_SEC = 10;
export const DEFAULT_BITRATE_FACTOR = 2.5;
const PROFILES = new Set(['baseline', 'constrained baseline', 'main', 'high']);
/** yuvj420p is 4:2:0 flagged full range (many phones); players honour the flag. */
const PIXEL_FORMATS = new Set(['yuv420p', 'yuvj420p']);
const CONTAINERS = ['mov', 'matroska', 'mpegts'];
const MAX_LONG_SIDE = 4096;
const MAX_SHORT_SIDE = 2304;
const MAX_FPS = 60;

export function copyEligibility(media: MediaInfo, options: CopyEligibilityOptions = {}): CopyEligibility {
  const no = (reason: string): CopyEligibility => ({ eligible: false, reason });
  const v = media.video;
  if (!v) return no('no video stream');
  if (!(media.durationSec > 0)) return no('unknown duration');
  const formats = media.formatName.split(',');
  if (!CONTAINERS.some((c) => formats.includes(c))) return no(`container ${media.formatName} is not copied`);
  if (v.codec !== 'h264') return no(`video codec ${v.codec} is not H.264`);
  if (!v.profile || !PROFILES.has(v.profile.toLowerCase())) return no(`H.264 profile ${v.profile ?? 'unknown'} is not copied`);
  if (!PIXEL_FORMATS.has(v.pixFmt) || v.bitDepth !== 8) return no(`pixel format ${v.pixFmt} is not 8-bit 4:2:0`);
  if (v.colorTransfer === 'smpte2084' || v.colorTransfer === 'arib-std-b67') return no('HDR transfer');
  if (v.rotation !== 0) return no(`rotated ${v.rotation} degrees`);
  if (v.displayWidth !== v.width || v.displayHeight !== v.height) return no('non-square pixels');
  if (v.variableFrameRate) return no('variable frame rate');
  if (!(v.fps > 0) || v.fps > MAX_FPS + 0.5) return no(`frame rate ${v.fps} is above ${MAX_FPS}`);
  const long = Math.max(v.width, v.height);
  const short = Math.min(v.width, v.height);
  if (long > MAX_LONG_SIDE || short > MAX_SHORT_SIDE) return no(`picture ${v.width}x${v.height} is too large`);

  const a = media.audio;
  if (a) {
    if (a.codec !== 'aac') return no(`audio codec ${a.codec} is not AAC`);
    if (a.channels < 1 || a.channels > 2) return no(`${a.channels} audio channels`);
    if (a.sampleRate < 16_000 || a.sampleRate > 48_000) return no(`audio sample rate ${a.sampleRate} Hz`);
  }

  const maxGap = options.maxKeyframeIntervalSec ?? DEFAULT_MAX_KEYFRAME_INTERVAL_SEC;
  const gap = v.maxKeyframeIntervalSec;
  if (gap === undefined || gap === null || !Number.isFinite(gap)) return no('keyframe interval unknown');
  if (gap > maxGap) return no(`keyframes ${round1(gap)} s apart (more than ${maxGap} s)`);

  const rate = videoBitrate(media);
  if (rate === null) return no('bit rate unknown');
  const limit = (options.bitrateFactor ?? DEFAULT_BITRATE_FACTOR) * maxrateFor(v.width * v.height) * 1000;
  if (rate > limit) return no(`video bit rate ${Math.round(rate / 1000)} kbit/s is above ${Math.round(limit / 1000)} kbit/s`);
  return { eligible: true };
}

/** The video stream's bit rate: as probed, else the file's rate less the audio, else size / duration. */
export function videoBitrate(media: MediaInfo): number | null {
  const v = media.video;
  if (!v) return null;
  if (v.bitrate && v.bitrate > 0) return v.bitrate;
  const audio = media.audio?.bitrate ?? 0;
  if (media.bitrate && media.bitrate > 0) return Math.max(0, media.bitrate - audio);
  if (media.sizeBytes > 0 && media.durationSec > 0) return Math.max(0, (media.sizeBytes * 8) / media.durationSec - audio);
  return null;
}

function round1(x: number): number {
  return Math.round(x * 10) / 10;
}
