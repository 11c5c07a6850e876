import type { MediaInfo } from '../model/media-info.ts';

/**
 * MediaProbe: what a source holds (container, streams, duration, what its packets really hold),
 * read from one version of an object in the sources store.
 * Adapter: ffmpeg (src/adapters/transcoder/ffmpeg/ffmpeg-media-probe.ts: pins the object to its own
 * scratch space and runs ffprobe). Conformance suite: test/conformance/encode-backend-suite.ts.
 */

/** One version of an object in the sources store: its key and the ETag of those bytes. */
export interface ObjectRef {
  key: string;
  etag: string;
}

/** What a probe offers beyond probe(), declared (never probed). */
export interface MediaProbeCapabilities {
  /** firstLook() is offered. */
  readonly firstLook: boolean;
}

/** What a first look saw (see MediaProbe.firstLook). */
export interface FirstLook {
  media: MediaInfo;
  /** True when it read the whole source (a short one): `media` is what probe() returns. */
  whole: boolean;
}

export interface MediaProbe {
  readonly capabilities: MediaProbeCapabilities;
  /**
   * Probes exactly the bytes of `source` (never a newer version written to the key). Throws
   * UnsupportedMediaError for input that is neither video nor audio, PreconditionFailedError when the
   * object was replaced, NotFoundError when it is gone; each with a sentence a person understands.
   */
  probe(source: ObjectRef, signal?: AbortSignal): Promise<MediaInfo>;
  /**
   * Only when `capabilities.firstLook`: the source's headers and what its first seconds hold, in a
   * fraction of the time probe() takes to read a long file, so that its first output can be
   * published while probe() reads the rest. Its duration is the headers' claim; its `held`, frame
   * rate and keyframe interval are measured on what was read; its streams are probe()'s. Throws as
   * probe() does; a probe without the capability throws ValidationError.
   */
  firstLook(source: ObjectRef, signal?: AbortSignal): Promise<FirstLook>;
}
