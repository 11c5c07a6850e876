import type { MediaInfo } from '../ports/transcoder.ts';
import { TimeoutError, UnsupportedMediaError } from '../errors.ts';

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

/** Refuses sources no viewer needs and no worker should try: absurd sizes and durations. */
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
}

function describeMs(ms: number): string {
  const sec = Math.round(ms / 1000);
  if (sec < 120) return sec === 1 ? '1 second' : `${sec} seconds`;
  const min = Math.round(sec / 60);
  return min < 120 ? `${min} minutes` : `${Math.round(min / 60)} hours`;
}
