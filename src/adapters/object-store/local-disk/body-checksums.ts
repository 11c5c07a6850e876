import { ValidationError } from '../../../core/errors.ts';
import type { IncomingSignedRequest } from '../../../core/ports/object-store.ts';
import type { DigestName } from './body-to-file.ts';
import { headerValue } from './signed-request.ts';

/**
 * The checksums a client may send with a PUT, as S3 takes them: Content-MD5 (the base64 MD5 of the
 * body) and x-amz-checksum-sha256 (its base64 SHA-256). The store hashes a body only when one is
 * given (its ETag is not a hash: see local-disk-object-store.ts), and stores nothing whose digest
 * differs from the one sent.
 */
const HEADERS: ReadonlyArray<{ name: DigestName; header: string; bytes: number }> = [
  { name: 'md5', header: 'content-md5', bytes: 16 },
  { name: 'sha256', header: 'x-amz-checksum-sha256', bytes: 32 },
];

export type ExpectedDigests = Partial<Record<DigestName, Buffer>>;

/** The digests the request's headers announce; ValidationError for a malformed one. */
export function expectedDigests(headers: IncomingSignedRequest['headers']): ExpectedDigests {
  const expected: ExpectedDigests = {};
  for (const { name, header, bytes } of HEADERS) {
    const value = headerValue(headers, header)?.trim();
    if (value === undefined) continue;
    const digest = Buffer.from(value, 'base64');
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(value) || digest.length !== bytes || digest.toString('base64') !== value) {
      throw new ValidationError(`${header} must be the base64 of the body's ${bytes}-byte digest`, { field: header });
    }
    expected[name] = digest;
  }
  return expected;
}

/** Throws a ValidationError naming the first digest of the body that differs from the one sent. */
export function checkDigests(expected: ExpectedDigests, got: ExpectedDigests): void {
  for (const { name, header } of HEADERS) {
    const want = expected[name];
    if (want && !got[name]?.equals(want)) {
      throw new ValidationError(`The body does not match its ${header}: it was changed on the way, and nothing was stored`, { field: header });
    }
  }
}
