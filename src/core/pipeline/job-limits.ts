import type { MediaInfo } from '../model/media-info.ts';
import { TimeoutError, UnsupportedMediaError } from '../errors.ts';
import { outputFps } from '../ladder/plan-ladder.ts';

/** How long one transcode may run: max(minSec, factor x the video's duration). */
export interface JobTimeouts {
  minSec: number;
  factor: number;
}

export const DEFAULT_JOB_TIMEOUTS: JobTimeouts = { minSec: 600, factor: 20 };

/** Sources larger than this on either side are refused (8K is 7680 x 4320). */
export const MAX_SOURCE_SIDE = 8192;
/** Sources longer than this are refused (a header claiming more is broken or hostile). */
export const MAX_SOURCE_DURATION_SEC = 24 * 3600;

/**
 * An encode fills the gaps between a file's timestamps: with copies of the last frame (constant frame
 * rate) and with silence. It may fill at most as much as the file really holds (frames, or sound: a
 * screen recording may show one still picture for minutes while its sound goes on), or this many
 * seconds when that is more; a file asking for more is refused before any encoding.
 */
export const MAX_FILLED_GAPS_SEC = 60;

/**
 * The time limit of a job: the duration is the probe's, which comes from the packets the file holds
 * (headers that claim more are not believed) and which checkMediaLimits has checked against them.
 */
export function jobTimeoutMs(durationSec: number, timeouts: JobTimeouts): number {
  const duration = Number.isFinite(durationSec) && durationSec > 0 ? durationSec : 0;
  return Math.round(Math.max(timeouts.minSec, timeouts.factor * duration) * 1000);
}

export function jobTimeoutError(limitMs: number, durationSec: number): TimeoutError {
  return new TimeoutError(
    `transcoding took longer than ${describeMs(limitMs)}, the most allowed for a ${Math.round(durationSec)}-second video, ` +
      'and was stopped. Retry it when the server is less busy (operators: VODKIT_JOB_TIMEOUT_MIN, VODKIT_JOB_TIMEOUT_FACTOR).',
  );
}

/**
 * Refuses sources no viewer needs and no worker should try: absurd sizes and durations, and files
 * whose timestamps spread a few packets over a long time (a 9 KB file of 61 frames, one of them at
 * ten hours, would otherwise be encoded as ten hours of copies of one black frame).
 */
export function checkMediaLimits(media: MediaInfo): void {
  const v = media.video;
  if (v && (v.width > MAX_SOURCE_SIDE || v.height > MAX_SOURCE_SIDE)) {
    throw new UnsupportedMediaError(
      `the video is ${v.width}x${v.height} pixels; vodkit accepts up to ${MAX_SOURCE_SIDE} pixels on each side`,
    );
  }
  if (media.durationSec > MAX_SOURCE_DURATION_SEC) {
    throw new UnsupportedMediaError(
      `the file says it lasts ${Math.round(media.durationSec / 3600)} hours; vodkit accepts up to ${MAX_SOURCE_DURATION_SEC / 3600} hours`,
    );
  }
  checkHeldContent(media);
}

function checkHeldContent(media: MediaInfo): void {
  const { held } = media;
  const refuse = (what: string, span: number, holds: string): never => {
    throw new UnsupportedMediaError(
      `the file's ${what} timestamps stretch over ${describeSec(span)}, but it holds only ${holds}; ` +
        'it is damaged or made to waste encoding time. Export it again from the program that made it and upload that',
    );
  };
  if (media.video) {
    if (held.videoFrames === 0) throw new UnsupportedMediaError('the file has a video stream without a single frame');
    // At the frame rate the ladder is encoded at, the frames fill this much; the rest would be copies.
    const heldSec = held.videoFrames / outputFps(media.video);
    if (held.videoSpanSec - heldSec > Math.max(MAX_FILLED_GAPS_SEC, heldSec, held.audioSec)) {
      refuse('video', held.videoSpanSec, `${held.videoFrames} frame${held.videoFrames === 1 ? '' : 's'} (about ${describeSec(heldSec)})`);
    }
  }
  if (media.audio) {
    if (held.audioSpanSec - held.audioSec > Math.max(MAX_FILLED_GAPS_SEC, held.audioSec)) {
      refuse('audio', held.audioSpanSec, `about ${describeSec(held.audioSec)} of sound`);
    }
  }
}

function describeSec(sec: number): string {
  if (sec < 120) return `${Math.max(0, Math.round(sec * 10) / 10)} seconds`;
  if (sec < 2 * 3600) return `${Math.round(sec / 60)} minutes`;
  return `${Math.round(sec / 360) / 10} hours`;
}

function describeMs(ms: number): string {
  const sec = Math.round(ms / 1000);
  if (sec < 120) return sec === 1 ? '1 second' : `${sec} seconds`;
  const min = Math.round(sec / 60);
  return min < 120 ? `${min} minutes` : `${Math.round(min / 60)} hours`;
}
