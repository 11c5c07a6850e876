/**
 * What a probe learns about a source (see ports/media-probe.ts): its container, duration, size and
 * its chosen video and audio streams, and what their packets really hold.
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
 * silence, so the work a file may ask for is judged against this (core/pipeline/job-limits.ts).
 */
export interface HeldMedia {
  /** Video packets (frames) in the file; 0 without video. */
  videoFrames: number;
  /** From the first video frame to the end of the last, seconds; 0 without video. */
  videoSpanSec: number;
  /** Seconds of sound the audio stream holds: its decoded samples, not its packets' durations; 0 without audio. */
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
  /** The source's subtitle streams (text and bitmap), in file order; absent: none or not probed. */
  subtitles?: SubtitleStreamInfo[];
}

/** A subtitle stream of the source, as its container describes it. */
export interface SubtitleStreamInfo {
  index: number;
  /** e.g. 'subrip', 'ass', 'mov_text', 'webvtt'; bitmap: 'hdmv_pgs_subtitle', 'dvb_subtitle', 'dvd_subtitle'. */
  codec: string;
  /** The stream's language tag as written (often ISO 639-2, e.g. "eng"), or null. */
  language: string | null;
  /** The stream's title tag, or null. */
  title: string | null;
}
