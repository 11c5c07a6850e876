export type VideoStatus = 'uploading' | 'queued' | 'processing' | 'ready' | 'failed';
export type Visibility = 'private' | 'unlisted' | 'public';

export const VIDEO_STATUSES: readonly VideoStatus[] = ['uploading', 'queued', 'processing', 'ready', 'failed'];

/** One HLS variant (or the audio-only rendition) as published in the master playlist. */
export interface Rendition {
  /** Folder name under the video's media prefix, e.g. "720p" or "audio". */
  name: string;
  /** 0 for audio-only. */
  width: number;
  height: number;
  /** Peak bits per second (EXT-X-STREAM-INF BANDWIDTH). */
  bandwidth: number;
  /** Average bits per second (AVERAGE-BANDWIDTH). */
  averageBandwidth: number;
  /** RFC 6381 codecs, e.g. "avc1.640028,mp4a.40.2". */
  codecs: string;
  frameRate: number | null;
  /** Media playlist path relative to the video's media prefix, e.g. "720p/index.m3u8". */
  playlist: string;
}

/** A caption or subtitle track of a video (WebVTT), in the media store. */
export interface CaptionTrack {
  /** BCP 47 language tag, e.g. "en" or "pt-BR"; one track per language. */
  language: string;
  /** Shown in the player's captions menu, e.g. "English". */
  label: string;
  /** The WebVTT file, relative to the store root. */
  vttKey: string;
  /** Its HLS media playlist (one WebVTT segment covering the video), relative to the store root. */
  playlistKey: string;
  /** Where it came from: a subtitle stream of the upload, or the captions API. */
  source: 'upload' | 'api';
}

/** Scrub previews: a sprite sheet of thumbnails at a fixed interval and its WebVTT map (`#xywh=`). */
export interface Storyboard {
  vttKey: string;
  imageKey: string;
}

export interface Video {
  id: string;
  title: string;
  status: VideoStatus;
  /** 0..1 while processing; 1 when ready. */
  progress: number;
  /** A reason a user can read, when status is failed. */
  error: string | null;
  filename: string;
  contentType: string;
  /** Declared upload size in bytes. */
  sourceSize: number;
  /** Key of the source in the sources store, e.g. "k3j9....mp4". */
  sourceKey: string;
  ownerId: string | null;
  visibility: Visibility;
  durationSec: number | null;
  width: number | null;
  height: number | null;
  renditions: Rendition[];
  /** Keys in the media store, relative to the store root. */
  masterKey: string | null;
  posterKey: string | null;
  thumbnailKey: string | null;
  /** True once the master playlist can be played (may be before `ready`). */
  playable: boolean;
  /**
   * HLS AES-128: segments are encrypted with a key derived per video (never stored) and served by
   * GET /media/<id>/keys/<kid>.key. Absent means false.
   */
  encrypted?: boolean;
  /**
   * False when the video failed because of its file (not media, damaged, beyond the limits): trying
   * again would fail the same way, so it is not offered. Absent means true.
   */
  retryable?: boolean;
  /**
   * The current encode attempt: a new id each time processing starts (see core/videos/lifecycle.ts),
   * so that the completion of an earlier attempt is recognized and ignored. Absent means null.
   */
  attemptId?: string | null;
  /** The encode backend's reference to the attempt's job (e.g. a MediaConvert job id); null for an in-process encode. Absent means null. */
  encodeJobRef?: string | null;
  /** Caption tracks; absent or null means none. */
  captions?: CaptionTrack[] | null;
  /** Scrub previews made during the ladder encode; absent or null means none. */
  storyboard?: Storyboard | null;
  /**
   * Whether the ladder makes a downloadable MP4 of this video; absent or null means the
   * installation's default (VODKIT_DOWNLOADS).
   */
  downloads?: boolean | null;
  /** The downloadable MP4 (H.264/AAC, faststart), when one was made; absent means null. */
  downloadKey?: string | null;
  /** The DASH manifest over the same fMP4 segments as the HLS renditions; absent means null. */
  dashKey?: string | null;
  /** The time of the poster frame chosen by the owner, seconds; absent or null means the default. */
  posterTimeSec?: number | null;
  /**
   * Users (ids) the owner shared the video with: they may watch it, and their lists show it,
   * whatever its visibility. Absent or null means nobody.
   */
  shares?: string[] | null;
  createdAt: string;
  updatedAt: string;
}

export type VideoPatch = Partial<Omit<Video, 'id' | 'createdAt' | 'updatedAt'>>;
