import { UnsupportedMediaError, ValidationError } from '../errors.ts';
import type { LadderPlan, VideoRung } from '../model/ladder-plan.ts';
import type { MediaInfo, VideoStreamInfo } from '../model/media-info.ts';
import { planStoryboard } from './plan-storyboard.ts';

/**
 * Plans the HLS ladder for a probed source. Pure: same input, same plan.
 *
 * Rules:
 * - Rungs are named and chosen by the SHORT side of the picture as shown (after rotation and sample
 *   aspect ratio), so portrait stays portrait: 1080x1920 gives 1080x1920, 720x1280, 480x854, 360x640.
 * - Standard rungs are 1080, 720, 480 and 360; 240 only when the top rung is smaller than 360.
 *   Never upscaled: the top rung is the source size (even-rounded down) when it is below 1080,
 *   e.g. a 1000-px source gives 1000, 720, 480, 360. A standard rung closer than 85% to the top
 *   rung is left out (a 750-px source gives 750, 480, 360, not 750 and 720).
 * - Aspect ratio is kept (within a pixel), every size is even, no side is larger than the source's,
 *   the long side is capped at 3840 (a very wide source's top rung is then below its short side).
 * - Peak rates (the encoder aims at a constant quality under them, QVBR-like): 1080p 5000k,
 *   720p 3000k, 480p 1500k, 360p 800k, 240p 400k; other sizes are interpolated by pixel count.
 *   bufsize = 2x maxrate. Codec settings (H.264 profile, level, CRF) are the encode backend's.
 * - Frame rate: constant. A CFR source keeps its rate; a VFR source gets its average rounded to a whole
 *   number. Above 60 the rate is divided by the smallest whole number that brings it to 60 or less
 *   (120 -> 60, 90 -> 45), so frames are dropped evenly.
 * - Keyframes every gopSeconds (default 2), adjusted so that it divides segmentSeconds.
 * - toneMap when the source is deeper than 8 bits or uses a PQ/HLG transfer (HDR).
 * - Audio: AAC-LC 48 kHz; stereo at 128 kbit/s, mono sources stay mono at 64 kbit/s; more than two
 *   channels are downmixed to stereo. null when the source has no audio.
 * - A still cover picture (an MP3's attached picture) is not video: the probe does not report it.
 * - Poster: the top-rung size. Thumbnail: 320 px on the long side (smaller sources keep their size).
 *   Both taken at min(1 s, 10% of the duration), and never past the last frame.
 * - Storyboard: see plan-storyboard.ts (from the top rung's picture).
 */
export interface PlanLadderOptions {
  /** Target HLS segment length in seconds. */
  segmentSeconds: number;
  /** Keyframe interval in seconds (default 2). */
  gopSeconds?: number;
  /** Keep at most this many rungs (the largest ones). */
  maxRungs?: number;
}

export const STANDARD_RUNGS: readonly number[] = [1080, 720, 480, 360];
export const LOW_RUNG = 240;
export const THUMBNAIL_LONG_SIDE = 320;
const TOO_CLOSE = 0.85;
const MAX_LONG_SIDE = 3840;
const MAX_FPS = 60;
const DEFAULT_GOP_SECONDS = 2;

/** [pixels, maxrate kbit/s] anchors, from the reference QVBR ladder. */
const RATE_ANCHORS: ReadonlyArray<readonly [number, number]> = [
  [426 * 240, 400],
  [640 * 360, 800],
  [854 * 480, 1500],
  [1280 * 720, 3000],
  [1920 * 1080, 5000],
];
const MIN_MAXRATE_KBPS = 150;
const MAX_MAXRATE_KBPS = 8000;

export function planLadder(media: MediaInfo, options: PlanLadderOptions): LadderPlan {
  const segmentSeconds = options.segmentSeconds;
  if (!Number.isFinite(segmentSeconds) || segmentSeconds <= 0) {
    throw new ValidationError(`segmentSeconds must be a positive number, got ${segmentSeconds}`);
  }
  if (options.maxRungs !== undefined && (!Number.isInteger(options.maxRungs) || options.maxRungs < 1)) {
    throw new ValidationError(`maxRungs must be a whole number of at least 1, got ${options.maxRungs}`);
  }
  if (!media.video && !media.audio) {
    throw new UnsupportedMediaError('not a video or audio file: it has no video or audio stream');
  }
  const audio = media.audio
    ? media.audio.channels >= 2
      ? { bitrateKbps: 128, channels: 2 as const, sampleRate: 48_000 }
      : { bitrateKbps: 64, channels: 1 as const, sampleRate: 48_000 }
    : null;

  if (!media.video) {
    return { video: null, audio, segmentSeconds, poster: null, thumbnail: null, storyboard: null };
  }

  const v = media.video;
  const fps = outputFps(v);
  const gopSeconds = alignGop(options.gopSeconds ?? DEFAULT_GOP_SECONDS, segmentSeconds);
  const { shortSide, longSide } = displaySides(v);
  const portrait = v.displayHeight > v.displayWidth;

  // The long side is capped at MAX_LONG_SIDE, which caps the short side of very wide pictures too:
  // the rungs are chosen below that, so no two rungs come out the same size.
  const top = Math.min(shortSide, STANDARD_RUNGS[0], Math.floor((MAX_LONG_SIDE * shortSide) / longSide));
  const shorts = [top];
  const below = top < 360 ? [...STANDARD_RUNGS, LOW_RUNG] : STANDARD_RUNGS;
  for (const s of below) {
    if (s < top && s <= TOO_CLOSE * top) shorts.push(s);
  }
  const kept = options.maxRungs ? shorts.slice(0, options.maxRungs) : shorts;

  const rungs: VideoRung[] = kept.map((s) => {
    const size = sizeFor(s, shortSide, longSide, portrait);
    const maxrateKbps = maxrateFor(size.width * size.height);
    const bufsizeKbps = 2 * maxrateKbps;
    return {
      name: `${Math.min(size.width, size.height)}p`,
      width: size.width,
      height: size.height,
      maxrateKbps,
      bufsizeKbps,
    };
  });

  const topRung = rungs[0];
  const atSec = stillTime(media.durationSec, fps);
  const thumbLong = Math.min(THUMBNAIL_LONG_SIDE, Math.max(topRung.width, topRung.height));
  const thumbShort = Math.max(2, roundEven((thumbLong * shortSide) / longSide));
  const thumbnail = portrait
    ? { width: thumbShort, height: thumbLong, atSec }
    : { width: thumbLong, height: thumbShort, atSec };

  return {
    video: {
      rungs,
      fps,
      gopSeconds,
      rotation: v.rotation,
      toneMap: needsToneMap(v),
    },
    audio,
    segmentSeconds,
    poster: { width: topRung.width, height: topRung.height, atSec },
    thumbnail,
    storyboard: planStoryboard(media.durationSec, topRung),
  };
}

export function needsToneMap(v: Pick<VideoStreamInfo, 'bitDepth' | 'colorTransfer'>): boolean {
  return v.bitDepth > 8 || v.colorTransfer === 'smpte2084' || v.colorTransfer === 'arib-std-b67';
}

/** Constant output frame rate for a source (see the rules above). */
export function outputFps(v: Pick<VideoStreamInfo, 'fps' | 'variableFrameRate'>): number {
  let fps = Number.isFinite(v.fps) && v.fps > 0 ? v.fps : 30;
  if (v.variableFrameRate) fps = Math.max(1, Math.round(fps));
  if (fps > MAX_FPS + 0.5) fps = fps / Math.ceil(fps / MAX_FPS);
  return Math.min(fps, MAX_FPS);
}

/** A keyframe interval that divides the segment length (so segments start on keyframes). */
function alignGop(gopSeconds: number, segmentSeconds: number): number {
  if (!Number.isFinite(gopSeconds) || gopSeconds <= 0) {
    throw new ValidationError(`gopSeconds must be a positive number, got ${gopSeconds}`);
  }
  const perSegment = Math.max(1, Math.round(segmentSeconds / gopSeconds));
  return segmentSeconds / perSegment;
}

function displaySides(v: VideoStreamInfo): { shortSide: number; longSide: number } {
  const w = v.displayWidth;
  const h = v.displayHeight;
  if (!(w >= 16 && h >= 16)) {
    throw new UnsupportedMediaError(`the video picture is too small to use (${w}x${h})`);
  }
  return { shortSide: Math.min(w, h), longSide: Math.max(w, h) };
}

function sizeFor(targetShort: number, shortSide: number, longSide: number, portrait: boolean) {
  let s = floorEven(targetShort);
  let l = Math.min(roundEven((s * longSide) / shortSide), floorEven(longSide));
  if (l > MAX_LONG_SIDE) {
    l = MAX_LONG_SIDE;
    s = Math.max(2, roundEven((MAX_LONG_SIDE * shortSide) / longSide));
  }
  return portrait ? { width: s, height: l } : { width: l, height: s };
}

/** maxrate in kbit/s for a picture of this many pixels, interpolated on the reference ladder. */
export function maxrateFor(pixels: number): number {
  const [p0, r0] = RATE_ANCHORS[0];
  let rate: number;
  if (pixels <= p0) {
    rate = (r0 * pixels) / p0;
  } else {
    let i = 1;
    while (i < RATE_ANCHORS.length - 1 && pixels > RATE_ANCHORS[i][0]) i++;
    const [pa, ra] = RATE_ANCHORS[i - 1];
    const [pb, rb] = RATE_ANCHORS[i];
    rate = ra + ((rb - ra) * (pixels - pa)) / (pb - pa);
  }
  const clamped = Math.min(MAX_MAXRATE_KBPS, Math.max(MIN_MAXRATE_KBPS, rate));
  return Math.round(clamped / 10) * 10;
}

function stillTime(durationSec: number, fps: number): number {
  if (!Number.isFinite(durationSec) || durationSec <= 0) return 0;
  const wanted = Math.min(1, durationSec * 0.1);
  const lastFrame = Math.max(0, durationSec - 1 / fps);
  return Math.round(Math.min(wanted, lastFrame) * 1000) / 1000;
}

function roundEven(x: number): number {
  return Math.max(2, Math.round(x / 2) * 2);
}

function floorEven(x: number): number {
  return Math.max(2, Math.floor(x / 2) * 2);
}
