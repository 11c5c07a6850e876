import type { LadderPlan } from '../model/ladder-plan.ts';
import type { MediaInfo } from '../model/media-info.ts';
import type { CaptionTrack, Rendition, Storyboard } from '../model/video.ts';
import type { ContentAnalyzer } from './content-analyzer.ts';
import type { MediaProbe } from './media-probe.ts';

/**
 * EncodeBackend: encodes a source object into HLS objects under a prefix of the media store.
 * It works on object keys only: it reads the source itself and writes its outputs itself.
 * Adapters: ffmpeg (src/adapters/transcoder/ffmpeg/ffmpeg-encode-backend.ts, in-process);
 * MediaConvert (src/adapters/transcoder/mediaconvert, completion by event). Conformance suite:
 * test/conformance/encode-backend-suite.ts (encoders that run here).
 *
 * Completion. Whatever the backend, an encode ends in exactly one call of the core's
 * `finishEncode({ videoId, attemptId, result | error })` (core/pipeline/finish-encode.ts), which
 * ignores duplicate and stale completions. How it gets there is declared by `capabilities.completion`:
 * - 'in-process': `submit` resolves when the encode is done, with `{ state: 'completed', result }`,
 *   or rejects with the error that stopped it; the caller then calls finishEncode.
 * - 'event': `submit` resolves as soon as the backend accepted the job, with
 *   `{ state: 'submitted', jobRef }`; the backend's completion event reaches finishEncode later,
 *   possibly in another process, possibly more than once.
 */

/**
 * What an encode produces, and what its completion means to the video.
 * - 'copy': the source packaged as it is into one rendition (stream copy, cut at its keyframes, no
 *   re-encoding) in `<outputPrefix>source/`, its master published after the first segment; only when
 *   `capabilities.streamCopy`. Completion: the video is playable.
 * - 'first-playable': the plan (typically its first rungs) encoded and published while it encodes,
 *   a master of every rung published once each has a segment. Completion: the video is playable.
 * - 'ladder': the whole plan. Completion: the video is ready. Published while it encodes; a master
 *   before the end only with `earlyMaster` (when nothing of the video is playable yet).
 * - 'chunk': one time range of the plan's video rungs (`chunk`), for a ladder split into parts
 *   encoded by separate jobs (split-ladder.ts); only when `capabilities.chunks`. No audio, no stills,
 *   no master: each rung's VOD media playlist at `<rung>/chunk-<index>.m3u8` (index in 4 digits),
 *   its init segment `<rung>/init-<index>.mp4`, its segments numbered from `chunk.firstSegment` with
 *   the ladder's segment names, timestamps those of the whole video, keyframes where the whole
 *   ladder has them. Completion: the core stitches the parts (stitch-ladder.ts).
 * - 'ladder-rest': the rest of a split ladder, in one job: the audio rendition (whole), the stills
 *   (poster, thumbnail, storyboard) and the caption tracks; no master. Only when `capabilities.chunks`.
 * Every mode but 'chunk' and 'ladder-rest' publishes its final master playlist last, at `<outputPrefix>master.m3u8` (a backend
 * that writes a master beside its segments may put it in the request's `folder`; `masterKey` says
 * where), replacing any earlier one; the files of an earlier encode in other folders stay
 * published, so players that opened its master play on to the end.
 */
export type EncodeMode = 'copy' | 'first-playable' | 'ladder' | 'chunk' | 'ladder-rest';

/**
 * One time range of a split ladder. It starts on a segment boundary of the whole video (a multiple of
 * the segment length, so of the keyframe interval too) and holds exactly `frames` output frames (all
 * the rest for the last chunk, `frames` null).
 */
export interface ChunkSpec {
  index: number;
  startSec: number;
  frames: number | null;
  /** Number of its first segment in the whole rendition (segment names go on from there). */
  firstSegment: number;
}

/** HLS AES-128: segments encrypted with `key`; media playlists refer to `keyUri` (IV = sequence number). */
export interface HlsEncryption {
  key: Buffer;
  keyUri: string;
}

export interface EncodeRequest {
  videoId: string;
  /** The attempt this encode belongs to; its completion carries it back to finishEncode. */
  attemptId: string;
  /** Key of the source in the sources store. */
  sourceKey: string;
  /** ETag of the source version that was probed: the encode reads exactly those bytes. */
  sourceEtag: string;
  /** Prefix in the media store under which every output is written, e.g. "<videoId>/". */
  outputPrefix: string;
  /**
   * A folder under the prefix for the renditions, stills and media playlists (e.g. "first"), so that
   * they never replace the files of another encode of the video; the master playlist stays at
   * `<outputPrefix>master.m3u8` and lists them there. Default: none (directly under the prefix).
   * Not for mode 'copy' (always `source/`).
   */
  folder?: string;
  plan: LadderPlan;
  /** The probe of that source version. */
  media: MediaInfo;
  /**
   * HLS AES-128, or null. An encrypted encode publishes nothing before it is done (no early
   * playable, no stream copy): its segments never appear in the clear.
   */
  encryption: HlsEncryption | null;
  mode: EncodeMode;
  /** Mode 'chunk': the range encoded. */
  chunk?: ChunkSpec;
  /** Mode 'ladder': publish a master as soon as every rung has a segment (reported by `events.playable`). */
  earlyMaster?: boolean;
  /**
   * Mode 'ladder': also make the downloadable MP4 (`<outputPrefix>download.mp4`, H.264/AAC, moov
   * first) in the same encode, returned as `downloadKey`. Not for encrypted encodes.
   */
  download?: boolean;
  /** With `download`: the source is fit for stream copy (copy-eligibility.ts), so the MP4 is the source remuxed rather than the best rung. */
  downloadFromSource?: boolean;
  /**
   * Which attempt of its stage this encode is, and how many the stage may make: a backend that
   * completes by event says in its completion whether another attempt follows (`number < max`).
   * Absent: the only one.
   */
  attempt?: { number: number; max: number };
  /** Stops an in-process encode (it then rejects); nothing is left in its scratch space. */
  signal?: AbortSignal;
}

/** A master playlist published before the encode is done. */
export interface EarlyPlayable {
  /** Key of the published master playlist in the media store. */
  masterKey: string;
  /** The renditions it lists; playlists relative to the output prefix; bandwidths provisional. */
  renditions: Rendition[];
}

/** Updates while an encode runs. Listeners must not throw; `playable` is awaited before the encode goes on. */
export interface EncodeEvents {
  /** 0..1, a few times a second at most, never going back. */
  progress(fraction: number): void;
  /** Called at most once per encode, when its first master playlist is published. */
  playable(early: EarlyPlayable): Promise<void>;
}

export interface EncodeResult {
  /** Key of the final master playlist in the media store ('' for modes 'chunk' and 'ladder-rest', which publish none). */
  masterKey: string;
  /** As listed by that master; playlists relative to the output prefix. */
  renditions: Rendition[];
  /** Keys in the media store, null when the source has no video (or for a copy). */
  posterKey: string | null;
  thumbnailKey: string | null;
  /** Caption tracks taken from the source's subtitle streams (WebVTT, with their playlists); absent: none. */
  captions?: CaptionTrack[];
  /** Scrub previews made from the frames the encode decoded; absent: none. */
  storyboard?: Storyboard | null;
  /** The downloadable MP4 made in the same encode; absent: none. */
  downloadKey?: string | null;
  /** A DASH manifest over the same fMP4 segments as the HLS renditions; absent: none. */
  dashKey?: string | null;
}

export type EncodeSubmission =
  | { state: 'completed'; result: EncodeResult }
  | { state: 'submitted'; /** The backend's own reference of the job (stored with the video). */ jobRef: string };

export interface EncodeBackendCapabilities {
  /** How the completion reaches finishEncode (see above). */
  completion: 'in-process' | 'event';
  /** Mode 'copy' is supported (packaging without re-encoding). */
  streamCopy: boolean;
  /** Masters are published while encoding and reported through `events.playable` ('copy', 'first-playable', 'ladder' with earlyMaster). */
  earlyPlayable: boolean;
  /** Modes 'chunk' and 'ladder-rest' are supported: a long video's ladder may be split into parts encoded by separate jobs. */
  chunks: boolean;
}

export interface EncodeBackend {
  readonly capabilities: EncodeBackendCapabilities;
  submit(request: EncodeRequest, events: EncodeEvents): Promise<EncodeSubmission>;
}

/**
 * What a worker encodes with: a probe, an encode backend and, when it has one, a content analyzer
 * that lets the ladder be fitted to each source (null: the fixed ladder); built together, they may
 * share a scratch space.
 */
export interface Encoding {
  probe: MediaProbe;
  backend: EncodeBackend;
  analyzer: ContentAnalyzer | null;
}
