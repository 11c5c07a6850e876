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

export interface MediaProbe {
  /**
   * Probes exactly the bytes of `source` (never a newer version written to the key). Throws
   * UnsupportedMediaError for input that is neither video nor audio, PreconditionFailedError when the
   * object was replaced, NotFoundError when it is gone; each with a sentence a person understands.
   */
  probe(source: ObjectRef, signal?: AbortSignal): Promise<MediaInfo>;
}
