import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../ports/clock.ts';
import { AccessDeniedError, SignatureMismatchError, ValidationError } from '../errors.ts';

/**
 * Signing of vodkit's own upload URLs (the local-disk object store serves them itself).
 *
 * The signature is HMAC-SHA256 over a canonical JSON array of every part the client cannot
 * change: method, bucket, object key, content type, max size, expiry (unix seconds) and, for a
 * multipart part, uploadId and partNumber (null for a single PUT, so a single-PUT URL cannot be
 * turned into a part URL and back). Max size, expiry, uploadId and partNumber travel in the query
 * string; method, bucket and key come from the request line; the content type from the header.
 * The signed content type also travels in the query (signed like the rest), so that a request
 * sending another one is told which Content-Type the URL wants.
 */
export const SIGNATURE_VERSION = 'vodkit-v1';

export const QUERY_EXPIRES = 'X-Vodkit-Expires';
export const QUERY_MAX_SIZE = 'X-Vodkit-Max-Size';
export const QUERY_SIGNATURE = 'X-Vodkit-Signature';
export const QUERY_UPLOAD_ID = 'uploadId';
export const QUERY_PART_NUMBER = 'partNumber';
export const QUERY_CONTENT_TYPE = 'X-Vodkit-Content-Type';

/** The longest validity a signed URL may have: 7 days, like S3 presigned URLs. */
export const MAX_EXPIRES_IN_SEC = 7 * 24 * 3600;

export interface SignedUploadParams {
  method: string;
  bucket: string;
  key: string;
  contentType: string;
  /** Largest body accepted, in bytes. */
  maxSize: number;
  /** Unix time in seconds after which the URL is refused. */
  expiresAt: number;
  uploadId?: string;
  partNumber?: number;
}

/** What the request itself carries (request line and headers), checked against the query. */
export interface UploadRequestParts {
  method: string;
  bucket: string;
  key: string;
  contentType: string;
}

/** The signed parameters read back from a verified query. */
export interface VerifiedUpload {
  maxSize: number;
  expiresAt: number;
  uploadId?: string;
  partNumber?: number;
}

export interface UrlSignerOptions {
  /** At least 32 characters of secret material. */
  secret: string;
  clock: Clock;
}

const HEX_SIGNATURE = /^[0-9a-f]{64}$/;

export class UrlSigner {
  private readonly secret: string;
  private readonly clock: Clock;

  constructor(opts: UrlSignerOptions) {
    if (typeof opts.secret !== 'string' || opts.secret.length < 32) {
      throw new ValidationError('The upload signing secret must be at least 32 characters long');
    }
    this.secret = opts.secret;
    this.clock = opts.clock;
  }

  /** Unix seconds `expiresInSec` from now, checked against MAX_EXPIRES_IN_SEC. */
  expiryFromNow(expiresInSec: number): number {
    if (!Number.isSafeInteger(expiresInSec) || expiresInSec <= 0 || expiresInSec > MAX_EXPIRES_IN_SEC) {
      throw new ValidationError(`expiresInSec must be a whole number of seconds between 1 and ${MAX_EXPIRES_IN_SEC}`);
    }
    return Math.floor(this.clock.now().getTime() / 1000) + expiresInSec;
  }

  /** The query parameters to append to the upload URL. */
  sign(p: SignedUploadParams): URLSearchParams {
    checkParams(p);
    const query = new URLSearchParams();
    query.set(QUERY_CONTENT_TYPE, p.contentType);
    query.set(QUERY_EXPIRES, String(p.expiresAt));
    query.set(QUERY_MAX_SIZE, String(p.maxSize));
    if (p.uploadId !== undefined) query.set(QUERY_UPLOAD_ID, p.uploadId);
    if (p.partNumber !== undefined) query.set(QUERY_PART_NUMBER, String(p.partNumber));
    const signature = this.hmac(
      canonical(p.method, p.bucket, p.key, p.contentType, query.get(QUERY_MAX_SIZE), query.get(QUERY_EXPIRES), query.get(QUERY_UPLOAD_ID), query.get(QUERY_PART_NUMBER)),
    );
    query.set(QUERY_SIGNATURE, signature.toString('hex'));
    return query;
  }

  /**
   * Checks a request against its query. Throws SignatureMismatchError when any signed part was
   * changed or the signature is missing or garbled, then AccessDeniedError('Request has expired')
   * when it is past its expiry. The signature is checked first, so a changed expiry never gets
   * past it. Returns the signed parameters.
   */
  verify(request: UploadRequestParts, query: URLSearchParams): VerifiedUpload {
    const provided = query.get(QUERY_SIGNATURE);
    if (provided === null || !HEX_SIGNATURE.test(provided)) {
      throw mismatch();
    }
    const maxSizeRaw = query.get(QUERY_MAX_SIZE);
    const expiresRaw = query.get(QUERY_EXPIRES);
    const uploadIdRaw = query.get(QUERY_UPLOAD_ID);
    const partNumberRaw = query.get(QUERY_PART_NUMBER);
    for (const name of [QUERY_MAX_SIZE, QUERY_EXPIRES, QUERY_UPLOAD_ID, QUERY_PART_NUMBER, QUERY_SIGNATURE, QUERY_CONTENT_TYPE]) {
      if (query.getAll(name).length > 1) throw mismatch();
    }
    // URLs signed before the content type travelled in the query are checked against the header.
    const signedType = query.get(QUERY_CONTENT_TYPE) ?? request.contentType;
    const expected = this.hmac(
      canonical(request.method, request.bucket, request.key, signedType, maxSizeRaw, expiresRaw, uploadIdRaw, partNumberRaw),
    );
    if (!timingSafeEqual(expected, Buffer.from(provided, 'hex'))) {
      throw mismatch();
    }
    if (request.contentType !== signedType) throw contentTypeMismatch(signedType, request.contentType);
    // Signed values were written by sign() in canonical decimal form.
    const expiresAt = Number(expiresRaw);
    const maxSize = Number(maxSizeRaw);
    if (Math.floor(this.clock.now().getTime() / 1000) > expiresAt) {
      throw new AccessDeniedError('Request has expired');
    }
    const verified: VerifiedUpload = { maxSize, expiresAt };
    if (uploadIdRaw !== null) verified.uploadId = uploadIdRaw;
    if (partNumberRaw !== null) verified.partNumber = Number(partNumberRaw);
    return verified;
  }

  private hmac(text: string): Buffer {
    return createHmac('sha256', this.secret).update(text, 'utf8').digest();
  }
}

function canonical(
  method: string,
  bucket: string,
  key: string,
  contentType: string,
  maxSize: string | null,
  expires: string | null,
  uploadId: string | null,
  partNumber: string | null,
): string {
  return JSON.stringify([SIGNATURE_VERSION, method, bucket, key, contentType, maxSize, expires, uploadId, partNumber]);
}

function contentTypeMismatch(signed: string, sent: string): SignatureMismatchError {
  const what = sent === '' ? 'no Content-Type' : `Content-Type: ${JSON.stringify(sent.slice(0, 100))}`;
  return new SignatureMismatchError(
    `The request signature does not match: this URL was signed for the header Content-Type: ${signed}, and the request sent ${what}; send the headers the upload response names`,
  );
}

function mismatch(): SignatureMismatchError {
  return new SignatureMismatchError('The request signature does not match: the upload URL or its headers were changed');
}

function checkParams(p: SignedUploadParams): void {
  if (!/^[A-Z]+$/.test(p.method)) throw new ValidationError('method must be an upper-case HTTP method');
  if (p.bucket.length === 0) throw new ValidationError('bucket must not be empty');
  if (p.key.length === 0) throw new ValidationError('key must not be empty');
  if (!Number.isSafeInteger(p.maxSize) || p.maxSize <= 0) {
    throw new ValidationError('maxSize must be a positive whole number of bytes');
  }
  if (!Number.isSafeInteger(p.expiresAt) || p.expiresAt <= 0) {
    throw new ValidationError('expiresAt must be a unix time in whole seconds');
  }
  if (p.uploadId !== undefined && p.uploadId.length === 0) throw new ValidationError('uploadId must not be empty');
  if (p.partNumber !== undefined && (!Number.isInteger(p.partNumber) || p.partNumber < 1 || p.partNumber > 10_000)) {
    throw new ValidationError('partNumber must be a whole number from 1 to 10000');
  }
  if ((p.uploadId === undefined) !== (p.partNumber === undefined)) {
    throw new ValidationError('uploadId and partNumber go together');
  }
}
