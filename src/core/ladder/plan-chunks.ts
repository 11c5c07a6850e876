import type { LadderPlan } from '../model/ladder-plan.ts';
import type { MediaInfo } from '../model/media-info.ts';
import type { ChunkSpec } from '../ports/encode-backend.ts';

/** A chunk's media playlist, in each rung's folder (mode 'chunk'). */
export function chunkPlaylistFile(index: number): string {
  return `chunk-${String(index).padStart(4, '0')}.m3u8`;
}

/** A chunk's init segment, in each rung's folder. */
export function chunkInitFile(index: number): string {
  return `init-${String(index).padStart(4, '0')}.mp4`;
}

export interface ChunkRules {
  /** Wanted chunk length, seconds (rounded down to a multiple of the segment length); 0: never split. */
  chunkSeconds: number;
  /** The video is encrypted (its segments are encrypted after the whole encode): never split. */
  encrypted: boolean;
  /** The ladder also makes the downloadable MP4 (one file from the whole encode): never split. */
  download: boolean;
}

export type ChunkDecision = { split: true; chunkSeconds: number; chunks: ChunkSpec[] } | { split: false; reason: string };

/**
 * Whether a ladder is split into chunks encoded by separate jobs, and where it is cut. A video is
 * split when it lasts at least two chunks, and:
 * - it has video (an audio-only ladder is one cheap encode);
 * - it is neither encrypted nor made downloadable as an MP4 (both are made from the whole encode);
 * - its chunk length and keyframe interval are whole numbers of frames at its output frame rate (e.g.
 *   24, 25, 30, 50 or 60 fps; not 29.97): every chunk then starts on a frame, a keyframe and a segment
 *   boundary of the unsplit encode, so the chunks hold exactly its frames.
 * Chunks start at multiples of the chunk length; a remainder shorter than half a chunk is left to
 * the last chunk, which takes everything to the end.
 */
export function planChunks(plan: LadderPlan, media: MediaInfo, rules: ChunkRules): ChunkDecision {
  if (!(rules.chunkSeconds > 0)) return { split: false, reason: 'splitting is off' };
  const video = plan.video;
  if (!video || !media.video || video.rungs.length === 0) return { split: false, reason: 'no video' };
  if (rules.encrypted) return { split: false, reason: 'encrypted' };
  if (rules.download) return { split: false, reason: 'downloadable MP4' };
  const segment = plan.segmentSeconds;
  const length = Math.max(segment, Math.floor(rules.chunkSeconds / segment) * segment);
  const whole = (x: number) => Math.abs(x - Math.round(x)) < 1e-6;
  if (!whole(length * video.fps) || !whole(video.gopSeconds * video.fps) || !whole(segment / video.gopSeconds)) {
    return { split: false, reason: 'frame rate' };
  }
  const duration = media.durationSec;
  if (!(duration >= 2 * length)) return { split: false, reason: 'shorter than two chunks' };
  const full = Math.floor(duration / length);
  const count = duration - full * length >= length / 2 ? full + 1 : full;
  const frames = Math.round(length * video.fps);
  const segmentsPerChunk = Math.round(length / segment);
  const chunks: ChunkSpec[] = [];
  for (let index = 0; index < count; index++) {
    chunks.push({ index, startSec: index * length, frames: index < count - 1 ? frames : null, firstSegment: index * segmentsPerChunk });
  }
  return { split: true, chunkSeconds: length, chunks };
}
