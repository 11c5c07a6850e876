import type { Readable } from 'node:stream';

/**
 * ObjectStore: a bucket-like key/value store for media bytes.
 * Adapters: local disk (src/adapters/object-store/local-disk), S3 (src/adapters/object-store/s3).
 * Conformance suite: test/conformance/object-store-suite.ts.
 *
 * Keys are server-made, relative, '/'-separated, never starting with '/' and never containing
 * '..' segments; adapters must still refuse bad keys with a ValidationError.
 */
export interface ObjectInfo {
  key: string;
  size: number;
  /**
   * Quoted or unquoted entity tag; compare with `normalizeEtag`. It names one stored version: every
   * read of that version reports the ETag its write returned, and a version with other bytes has
   * another one. It need not be a hash of the bytes (S3: the MD5 of a single PUT; local disk: a
   * random version id), so nothing may check bytes against it.
   */
  etag: string;
  contentType: string;
  lastModified: Date;
}

/** Inclusive byte range, like HTTP `Range: bytes=start-end`. `end` omitted = to the end. */
export interface ByteRange {
  start: number;
  end?: number;
}

export interface GetResult {
  body: Readable;
  info: ObjectInfo;
  /** Present when a range was asked for: the inclusive range actually returned. */
  range?: { start: number; end: number };
}

export interface PutOptions {
  contentType?: string;
  cacheControl?: string;
}

/** A request a client can make on its own, without vodkit credentials. */
export interface SignedRequest {
  method: 'PUT' | 'GET';
  /** Absolute URL, or a path starting with '/' that the HTTP layer resolves against its public URL. */
  url: string;
  /** Headers the client must send exactly as given (e.g. Content-Type). */
  headers: Record<string, string>;
  expiresAt: string;
}

export interface SignUploadOptions {
  contentType: string;
  /** Largest body accepted, in bytes. */
  maxSize: number;
  expiresInSec: number;
}

export interface UploadedPart {
  partNumber: number;
  etag: string;
  size: number;
}

/** A multipart upload that was started and neither completed nor aborted. */
export interface MultipartUploadSummary {
  key: string;
  uploadId: string;
  initiated: Date;
  /** When a part was last stored (or `initiated` when none was). */
  lastActivity: Date;
}

/** A signed upload request that reached vodkit's own HTTP server, as the HTTP layer hands it over. */
export interface IncomingSignedRequest {
  method: string;
  /** URL pathname, still percent-encoded, e.g. '/s3/media/up/my%20video.mp4'. */
  path: string;
  query: URLSearchParams;
  /** Node-style headers (names in any case). */
  headers: Record<string, string | string[] | undefined>;
  body: Readable;
}

export interface SignedRequestResult {
  status: number;
  /** Quoted entity tag, as for an HTTP ETag header. */
  etag: string;
}

/** Checks and stores the signed uploads a store's URLs send to vodkit itself (`PUT /s3/<bucket>/<key>`). */
export interface SignedRequestReceiver {
  receiveSignedRequest(req: IncomingSignedRequest): Promise<SignedRequestResult>;
}

/** What a store does beyond the common contract, declared by its adapter (never probed). */
export interface ObjectStoreCapabilities {
  /**
   * Set when the store's signed URLs point at vodkit's own HTTP server (the embedded local-disk
   * store): the HTTP layer hands those requests to it. Null when clients send them to the store
   * itself (S3).
   */
  signedRequests: SignedRequestReceiver | null;
  /**
   * Set when the store raises object-created events itself for the uploads it receives (a signed
   * PUT, a completed multipart upload). Null when such events come from elsewhere (S3 notifications
   * through the webhook) or not at all, so the API reports completed uploads itself.
   */
  uploadEvents: ObjectCreatedEventSource | null;
  /**
   * Set when clients can fetch objects from the store itself with a signed GET (S3), so media may
   * be answered with a redirect there. Null when vodkit serves the bytes (the embedded store).
   */
  signedDownloads: SignedDownloadSigner | null;
  /**
   * Set when the store lists its open multipart uploads, so maintenance aborts abandoned ones (the
   * embedded store). Null on S3, where a bucket lifecycle rule (AbortIncompleteMultipartUpload)
   * does this job.
   */
  multipartListing: MultipartUploadLister | null;
}

/** Lists the multipart uploads that were started and neither completed nor aborted. */
export interface MultipartUploadLister {
  listMultipartUploads(): Promise<MultipartUploadSummary[]>;
}

/** Signs a GET URL of the store for one object, valid `expiresInSec`. */
export interface SignedDownloadSigner {
  signDownload(key: string, options: { expiresInSec: number }): Promise<string>;
}

/** A store that tells a listener of each upload it received, once the object is in place. */
export interface ObjectCreatedEventSource {
  /** Sets (or clears) the listener; an error it throws is the upload's error. */
  setObjectCreatedListener(listener: ObjectCreatedListener | undefined): void;
}

export interface ObjectStore {
  /** Bucket name, as reported in object-created events. */
  readonly bucket: string;
  readonly capabilities: ObjectStoreCapabilities;

  put(key: string, body: Readable | Buffer, options?: PutOptions): Promise<ObjectInfo>;
  /** Throws NotFoundError when absent; a range past the end throws ValidationError('range'). */
  get(key: string, range?: ByteRange): Promise<GetResult>;
  head(key: string): Promise<ObjectInfo | null>;
  /**
   * Pins one version of an object as a file on this machine, for tools that read a file by name
   * more than once (probe, then encode): `path` (which must not exist yet) gets exactly the bytes
   * whose ETag is `etag`, and later writes to `key` never change them. The local-disk store
   * hard-links the object (a copy across file systems); S3 downloads it with If-Match and checks
   * the ETag of what it got. Throws PreconditionFailedError, writing nothing, when the object is no
   * longer that version; NotFoundError when it is gone.
   */
  pinToFile(key: string, path: string, options: { etag: string; signal?: AbortSignal }): Promise<ObjectInfo>;
  /** Every object whose key starts with `prefix`, sorted by key. */
  list(prefix: string): Promise<ObjectInfo[]>;
  delete(key: string): Promise<void>;
  /** Deletes every object under `prefix`; returns how many were deleted. */
  deletePrefix(prefix: string): Promise<number>;

  /** A signed single PUT of at most `maxSize` bytes with exactly `contentType`, bound to `key`. */
  signUpload(key: string, options: SignUploadOptions): Promise<SignedRequest>;

  /**
   * Multipart upload, the S3 model: create, PUT signed parts, list, complete or abort. `partSize`,
   * when the caller knows it, is the size of every part but the last: a store may lay such parts
   * out in place so that completing them copies nothing; parts of any other size work as ever.
   */
  createMultipartUpload(key: string, options: { contentType: string; maxSize: number; partSize?: number }): Promise<{ uploadId: string }>;
  signUploadPart(key: string, uploadId: string, partNumber: number, options: { expiresInSec: number; maxSize: number }): Promise<SignedRequest>;
  listParts(key: string, uploadId: string): Promise<UploadedPart[]>;
  /**
   * Assembles the parts atomically (the object appears whole or not at all). Everything is checked
   * before anything is assembled: each part was uploaded with that ETag and, when `expect.size` is
   * given, the listed parts add up to exactly that many bytes. A refused completion (ValidationError,
   * EntityTooLargeError) leaves the upload exactly as it was: its parts are still listed, more can
   * be uploaded and a corrected list completes it.
   */
  completeMultipartUpload(
    key: string,
    uploadId: string,
    parts: Array<{ partNumber: number; etag: string }>,
    expect?: { size?: number },
  ): Promise<ObjectInfo>;
  abortMultipartUpload(key: string, uploadId: string): Promise<void>;
}

/** S3 event notification shape (https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html). */
export interface S3EventRecord {
  eventVersion: string;
  eventSource: string;
  awsRegion: string;
  eventTime: string;
  eventName: string;
  s3: {
    s3SchemaVersion: string;
    bucket: { name: string; arn?: string };
    /** `key` is URL-encoded as in S3 notifications (spaces as '+'). */
    object: { key: string; size: number; eTag: string; sequencer?: string };
  };
}

export interface S3Event {
  Records: S3EventRecord[];
}

export type ObjectCreatedListener = (event: S3Event) => Promise<void>;

export function normalizeEtag(etag: string): string {
  return etag.replace(/^W\//, '').replace(/"/g, '');
}
