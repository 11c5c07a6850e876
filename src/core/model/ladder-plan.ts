/**
 * The HLS ladder a source is encoded to, in terms every encoder understands: rungs (size and rate
 * caps), frame rate, keyframe and segment spacing, rotation and colour handling, audio, stills.
 * Encoder settings (x264 CRF, profile, level and preset; MediaConvert QVBR) are chosen by each
 * encode backend from this plan (a rung's `crf`, when the ladder was fitted to the content, moves
 * the backend's quality from its default). Made by core/ladder/plan-ladder.ts.
 */
export interface VideoRung {
  /** Folder and label, e.g. "720p". */
  name: string;
  width: number;
  height: number;
  /** Peak video rate the rung may reach, kbit/s (the encoder targets a quality under this cap). */
  maxrateKbps: number;
  /** Rate-control buffer for that peak, kbit. */
  bufsizeKbps: number;
  /**
   * Constant-quality target on the H.264 CRF scale, chosen for the content (core/ladder/per-title.ts);
   * absent: the backend's default quality (x264 CRF 23, MediaConvert's QVBR level for the rung).
   */
  crf?: number;
}

export interface LadderPlan {
  video: {
    rungs: VideoRung[];
    /** Constant output frame rate. */
    fps: number;
    /** Keyframe interval, seconds; it divides segmentSeconds, so every segment starts on a keyframe. */
    gopSeconds: number;
    /** Rotation to undo (from the source's display matrix). */
    rotation: 0 | 90 | 180 | 270;
    /** Colour handling: true when a 10-bit or HDR source is converted to 8-bit SDR bt709. */
    toneMap: boolean;
  } | null;
  audio: { bitrateKbps: number; channels: 2 | 1; sampleRate: number } | null;
  segmentSeconds: number;
  poster: { width: number; height: number; atSec: number } | null;
  thumbnail: { width: number; height: number; atSec: number } | null;
  /** Scrub previews taken from the decoded picture (core/ladder/plan-storyboard.ts); absent or null: none. */
  storyboard?: StoryboardPlan | null;
}

/** A sprite sheet of `count` tiles, one every `intervalSec` from the start, in a `columns` x `rows` grid. */
export interface StoryboardPlan {
  intervalSec: number;
  tileWidth: number;
  tileHeight: number;
  columns: number;
  rows: number;
  count: number;
}
