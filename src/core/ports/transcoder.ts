import type { Rendition } from '../model/video.ts';

/**
 * Transcoder: probes a source and encodes it to an HLS ladder on the local disk.
 * Adapter: ffmpeg (src/adapters/transcoder/ffmpeg). Conformance suite: test/conformance/transcoder-suite.ts.
 */
export interface VideoStreamInfo {
  index: number;
  codec: string;
  profile: string | null;
  /** Coded size, before rotation. */
  width: number;
  height: number;
  /** Size as shown, after rotation and sample aspect ratio. */
  displayWidth: number;
  displayHeight: number;
  /** Clockwise degrees to show the picture upright: 0, 90, 180 or 270. */
  rotation: 0 | 90 | 180 | 270;
  /** Average frames per second. */
  fps: number;
  /** True when frame timing varies (VFR). */
  variableFrameRate: boolean;
  pixFmt: string;
  bitDepth: number;
  /** e.g. 'bt709', 'smpte2084' (PQ), 'arib-std-b67' (HLG); null if unknown. */
  colorTransfer: string | null;
  colorPrimaries: string | null;
  bitrate: number | null;
  /**
   * Longest distance between two keyframes (and from the last keyframe to the end) in the part of
   * the stream that was read, seconds; null or absent when unknown.
   */
  maxKeyframeIntervalSec?: number | null;
}

export interface AudioStreamInfo {
  index: number;
  codec: string;
  channels: number;
  sampleRate: number;
  bitrate: number | null;
}

/**
 * What the packets of the chosen streams hold, read from every packet of the file rather than from
 * the container's headers. An encode turns gaps between timestamps into copies of frames and into
 * silence, so the work a file may ask for is judged against this (core/maintenance/job-limits.ts).
 */
export interface HeldMedia {
  /** Video packets (frames) in the file; 0 without video. */
  videoFrames: number;
  /** From the first video frame to the end of the last, seconds; 0 without video. */
  videoSpanSec: number;
  /** Seconds of sound the audio packets hold (no packet counted for more than 2 s); 0 without audio. */
  audioSec: number;
  /** From the first audio packet to the end of the last, seconds; 0 without audio. */
  audioSpanSec: number;
}

export interface MediaInfo {
  formatName: string;
  /** From the packets when they disagree with the headers: what an encode will really cover. */
  durationSec: number;
  sizeBytes: number;
  bitrate: number | null;
  video: VideoStreamInfo | null;
  audio: AudioStreamInfo | null;
  held: HeldMedia;
}

export interface VideoRung {
  /** Folder and label, e.g. "720p". */
  name: string;
  width: number;
  height: number;
  /** Quality target (libx264 -crf), capped by maxrate/bufsize. */
  crf: number;
  maxrateKbps: number;
  bufsizeKbps: number;
  /** H.264 profile and level, e.g. 'high', '4.0'. */
  profile: 'high' | 'main' | 'baseline';
  level: string;
}

export interface LadderPlan {
  video: {
    rungs: VideoRung[];
    /** Constant output frame rate. */
    fps: number;
    gopSeconds: number;
    /** Rotation to undo (from the source's display matrix). */
    rotation: 0 | 90 | 180 | 270;
    /** 10-bit or HDR sources are converted to 8-bit SDR bt709. */
    toneMap: boolean;
  } | null;
  audio: { bitrateKbps: number; channels: 2 | 1; sampleRate: number } | null;
  segmentSeconds: number;
  poster: { width: number; height: number; atSec: number } | null;
  thumbnail: { width: number; height: number; atSec: number } | null;
}

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
  /** Relative to outputDir: "master.m3u8". */
  masterPlaylist: string;
  renditions: Rendition[];
  /** Relative paths, or null when the source has no video. */
  poster: string | null;
  thumbnail: string | null;
  /** Every file written, relative to outputDir, master playlist last. */
  files: string[];
}

export interface Transcoder {
  /** Throws UnsupportedMediaError for input that is neither video nor audio. */
  probe(inputPath: string, signal?: AbortSignal): Promise<MediaInfo>;
  transcode(request: TranscodeRequest): Promise<TranscodeResult>;
  /** Stream copy of an H.264/AAC source into one HLS rendition (see copyEligibility); optional. */
  packageCopy?(request: CopyRequest): Promise<CopyResult>;
}
