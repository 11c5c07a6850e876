import type { MediaInfo } from '../../../core/model/media-info.ts';
import type { ChunkSpec } from '../../../core/ports/encode-backend.ts';

export { chunkInitFile, chunkPlaylistFile } from '../../../core/ladder/plan-chunks.ts';

/**
 * Input options of a chunk's run: the source read from the chunk's start (an input seek, which
 * ffmpeg makes frame-accurate when it re-encodes: it decodes from the keyframe before and drops the
 * frames before the start) and no further than its frames and a little more.
 */
export function chunkInputArgs(chunk: ChunkSpec, fps: number, media: MediaInfo): string[] {
  const rest = Math.max(0, media.durationSec - chunk.startSec);
  const span = chunk.frames !== null ? Math.min(rest, chunk.frames / fps) + 2 : rest + Math.max(2, media.durationSec * 0.01);
  return ['-ss', seconds(chunk.startSec), '-t', seconds(span)];
}

/**
 * Output options of each rung of a chunk: exactly its frames, and its timestamps moved to where
 * the chunk is in the whole video (keyframes forced every interval from the chunk's start, which is
 * a multiple of it, fall where the whole ladder has them).
 */
export function chunkOutputArgs(chunk: ChunkSpec): string[] {
  // Timestamps are kept as they are (the encoder's first decode time is before the first frame's, as
  // in the first chunk), not moved to start at zero.
  return [...(chunk.frames !== null ? ['-frames:v', String(chunk.frames)] : []), '-output_ts_offset', seconds(chunk.startSec), '-avoid_negative_ts', 'disabled'];
}

function seconds(value: number): string {
  return String(Math.round(value * 1e6) / 1e6);
}
