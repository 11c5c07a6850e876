import type { LadderPlan } from '../../../core/model/ladder-plan.ts';
import type { MediaInfo } from '../../../core/model/media-info.ts';
import type { Rendition } from '../../../core/model/video.ts';
import type { ChunkSpec } from '../../../core/ports/encode-backend.ts';

/**
 * The ffmpeg adapter's own encoder, on files of this machine: it probes a source file and encodes it
 * to an HLS ladder in a folder (FfmpegTranscoder). The encode backend (ffmpeg-encode-backend.ts)
 * runs it in its scratch space and publishes what it writes; `vodkit transcode` runs it on the
 * user's files. Output checks: test/adapters/transcoder/transcoder-suite.ts.
 */
export interface TranscodeRequest {
  inputPath: string;
  /** An empty directory the transcoder owns; outputs are written below it. */
  outputDir: string;
  media: MediaInfo;
  plan: LadderPlan;
  signal?: AbortSignal;
  /** 0..1, called at most a few times a second. */
  onProgress?: (fraction: number) => void;
  /**
   * Write the media playlists while encoding (EXT-X-PLAYLIST-TYPE:EVENT, growing segment by segment,
   * EXT-X-ENDLIST at the end) and report them through `onOutput`, so they can be published early.
   */
  progressive?: boolean;
  /** Called (a few times a second at most) when media playlists changed on disk; see OutputUpdate. */
  onOutput?: (update: OutputUpdate) => void;
  /**
   * HLS AES-128: every media segment is encrypted with `key` and the media playlists get
   * `#EXT-X-KEY:METHOD=AES-128,URI="<keyUri>"` (IV = media sequence number). The key is never written
   * to outputDir nor listed in the result. Segments are encrypted once the encode is done, so
   * `progressive` is ignored (no playlist is reported before the end).
   */
  encryption?: { key: Buffer; keyUri: string };
  /**
   * Also write a downloadable MP4 (`download.mp4`, H.264/AAC, moov first) in the same run: the best
   * rung and the audio as encoded for the ladder ('ladder'), or the source's streams remuxed
   * ('source', for a source fit for stream copy). Only with video; never with `encryption`.
   */
  download?: 'ladder' | 'source';
  /**
   * A first playable output, wanted on screen as soon as possible (a plan of one rung, no stills):
   * encoded with a faster x264 preset (quickStartPreset), the picture scaled before anything else.
   */
  quickStart?: boolean;
  /**
   * One time range of the video rungs (a split ladder's chunk): each rung's VOD playlist is
   * `<rung>/chunk-<index>.m3u8` with its init segment `init-<index>.mp4` and segments numbered from
   * `firstSegment`, timestamps those of the whole video. The plan must have no audio and no stills.
   * No master playlist is written.
   */
  chunk?: ChunkSpec;
  /** False: no master playlist is written (the renditions are listed by another run's). Default true. */
  master?: boolean;
}

/**
 * What a progressive run has written so far. Every listed playlist, read at any moment, refers only
 * to its init segment and to segments that are complete on disk.
 */
export interface OutputUpdate {
  /** Media playlists (relative to outputDir) that changed since the last update. */
  playlists: string[];
  /**
   * Renditions for a master playlist, once every rendition of the run has at least one segment;
   * null before. Bandwidths are provisional (the plan's caps, or the rate measured so far).
   */
  renditions: Rendition[] | null;
}

/** Packaging a source as one HLS rendition without re-encoding (stream copy, cut at its keyframes). */
export interface CopyRequest {
  inputPath: string;
  /** An empty directory the transcoder owns; the rendition is written in its `source/` folder. */
  outputDir: string;
  media: MediaInfo;
  /** Target segment length; segments are cut at the first keyframe after it. */
  segmentSeconds: number;
  signal?: AbortSignal;
  /** As for TranscodeRequest: the copy's playlist is written as it grows. */
  onOutput?: (update: OutputUpdate) => void;
}

export interface CopyResult {
  /** The copy as a variant (video and audio in one stream), its playlist relative to outputDir. */
  rendition: Rendition;
  /** Every file written, relative to outputDir. */
  files: string[];
}

export interface TranscodeResult {
  /** Relative to outputDir: "master.m3u8"; null when none was written (a chunk, or `master: false`). */
  masterPlaylist: string | null;
  renditions: Rendition[];
  /** Relative paths, or null when the source has no video. */
  poster: string | null;
  thumbnail: string | null;
  /** The storyboard's WebVTT map and sprite sheet (relative paths); null or absent when none was made. */
  storyboard?: { vtt: string; image: string } | null;
  /** The downloadable MP4 (relative path); null or absent when none was asked for. */
  download?: string | null;
  /** Every file written, relative to outputDir, master playlist (if any) last. */
  files: string[];
}

export interface Transcoder {
  /** Throws UnsupportedMediaError for input that is neither video nor audio. */
  probe(inputPath: string, signal?: AbortSignal): Promise<MediaInfo>;
  transcode(request: TranscodeRequest): Promise<TranscodeResult>;
  /** Stream copy of an H.264/AAC source into one HLS rendition (see copyEligibility); optional. */
  packageCopy?(request: CopyRequest): Promise<CopyResult>;
}
