import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UrlSigner } from '../../src/core/upload/url-signer.ts';
import type { SignedUploadParams } from '../../src/core/upload/url-signer.ts';
import { ManualClock } from '../../src/core/ports/clock.ts';
import { AccessDeniedError, SignatureMismatchError, ValidationError } from '../../src/core/errors.ts';

const SECRET = 'unit-test-secret-0123456789abcdefghij';
const NOW = new Date('2026-05-01T10:00:00Z');
const NOW_SEC = NOW.getTime() / 1000;

function signer(clock = new ManualClock(NOW), secret = SECRET): UrlSigner {
  return new UrlSigner({ secret, clock });
}

const single: SignedUploadParams = {
  method: 'PUT',
  bucket: 'sources',
  key: 'videos/abc/source.mp4',
  contentType: 'video/mp4',
  maxSize: 5_000_000,
  expiresAt: NOW_SEC + 900,
};
const part: SignedUploadParams = { ...single, uploadId: 'f'.repeat(32), partNumber: 3 };

const requestOf = (p: SignedUploadParams) => ({ method: p.method, bucket: p.bucket, key: p.key, contentType: p.contentType });

describe('UrlSigner', () => {
  it('signs the query parameters and verifies them back', () => {
    const s = signer();
    const q = s.sign(single);
    expect(q.get('X-Vodkit-Expires')).toBe(String(NOW_SEC + 900));
    expect(q.get('X-Vodkit-Max-Size')).toBe('5000000');
    expect(q.get('X-Vodkit-Signature')).toMatch(/^[0-9a-f]{64}$/);
    expect(q.has('uploadId')).toBe(false);
    expect(s.verify(requestOf(single), q)).toEqual({ maxSize: 5_000_000, expiresAt: NOW_SEC + 900 });

    const pq = s.sign(part);
    expect(pq.get('uploadId')).toBe(part.uploadId);
    expect(pq.get('partNumber')).toBe('3');
    expect(s.verify(requestOf(part), pq)).toEqual({ maxSize: 5_000_000, expiresAt: NOW_SEC + 900, uploadId: part.uploadId, partNumber: 3 });
  });

  it('refuses a signature made with another secret', () => {
    const q = signer(new ManualClock(NOW), 'another-secret-0123456789abcdefghijk').sign(single);
    expect(() => signer().verify(requestOf(single), q)).toThrow(SignatureMismatchError);
  });

  it('refuses missing, garbled, truncated or duplicated signatures', () => {
    const s = signer();
    const good = s.sign(single);
    const sig = good.get('X-Vodkit-Signature')!;
    for (const bad of [null, '', 'zz', sig.slice(0, 63), sig + '0', sig.toUpperCase(), Buffer.from(sig, 'hex').toString('base64')]) {
      const q = new URLSearchParams(good);
      if (bad === null) q.delete('X-Vodkit-Signature');
      else q.set('X-Vodkit-Signature', bad);
      expect(() => s.verify(requestOf(single), q), String(bad)).toThrow(SignatureMismatchError);
    }
    const dup = new URLSearchParams(good);
    dup.append('X-Vodkit-Max-Size', '1');
    expect(() => s.verify(requestOf(single), dup)).toThrow(SignatureMismatchError);
  });

  it('refuses non-canonical numbers even when they mean the same value', () => {
    const s = signer();
    const q = s.sign(single);
    q.set('X-Vodkit-Max-Size', '05000000');
    expect(() => s.verify(requestOf(single), q)).toThrow(SignatureMismatchError);
  });

  it('expires after expiresAt with AccessDeniedError "Request has expired", checking the signature first', () => {
    const clock = new ManualClock(NOW);
    const s = signer(clock);
    const q = s.sign(single);
    clock.advance(900_000);
    expect(() => s.verify(requestOf(single), q)).not.toThrow();
    clock.advance(1000);
    expect(() => s.verify(requestOf(single), q)).toThrow(AccessDeniedError);
    expect(() => s.verify(requestOf(single), q)).toThrow('Request has expired');
    const extended = new URLSearchParams(q);
    extended.set('X-Vodkit-Expires', String(NOW_SEC + 100_000));
    expect(() => s.verify(requestOf(single), extended)).toThrow(SignatureMismatchError);
  });

  it('names the signed Content-Type when a request sends another; the query cannot change it', () => {
    const s = signer();
    const q = s.sign(single);
    expect(q.get('X-Vodkit-Content-Type')).toBe('video/mp4');
    for (const sent of ['video/webm', '', 'VIDEO/MP4']) {
      expect(() => s.verify({ ...requestOf(single), contentType: sent }, q), sent).toThrow(
        /signed for the header Content-Type: video\/mp4, and the request sent/,
      );
    }
    // Another type in the query breaks the signature: a plain mismatch that names nothing.
    const changed = new URLSearchParams(q);
    changed.set('X-Vodkit-Content-Type', 'video/webm');
    for (const contentType of ['video/webm', 'video/mp4']) {
      expect(() => s.verify({ ...requestOf(single), contentType }, changed)).toThrow(/^The request signature does not match: the upload URL or its headers were changed$/);
    }
    const repeated = new URLSearchParams(q);
    repeated.append('X-Vodkit-Content-Type', 'video/mp4');
    expect(() => s.verify(requestOf(single), repeated)).toThrow(SignatureMismatchError);
    // A URL without it (signed before it travelled in the query) is checked against the header.
    const older = new URLSearchParams(q);
    older.delete('X-Vodkit-Content-Type');
    expect(s.verify(requestOf(single), older)).toEqual({ maxSize: 5_000_000, expiresAt: NOW_SEC + 900 });
    expect(() => s.verify({ ...requestOf(single), contentType: 'video/webm' }, older)).toThrow(SignatureMismatchError);
  });

  it('validates what it signs and its secret', () => {
    expect(() => new UrlSigner({ secret: 'short', clock: new ManualClock(NOW) })).toThrow(ValidationError);
    const s = signer();
    expect(() => s.sign({ ...single, maxSize: 0 })).toThrow(ValidationError);
    expect(() => s.sign({ ...single, maxSize: 1.5 })).toThrow(ValidationError);
    expect(() => s.sign({ ...single, method: 'put' })).toThrow(ValidationError);
    expect(() => s.sign({ ...single, partNumber: 0, uploadId: 'x' })).toThrow(ValidationError);
    expect(() => s.sign({ ...single, partNumber: 1 })).toThrow(ValidationError);
    expect(() => s.expiryFromNow(0)).toThrow(ValidationError);
    expect(() => s.expiryFromNow(8 * 24 * 3600)).toThrow(ValidationError);
    expect(s.expiryFromNow(60)).toBe(NOW_SEC + 60);
  });

  describe('property: any change to a signed part is a SignatureMismatchError', () => {
    const text = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 });
    const params = fc.record({
      bucket: text,
      key: text,
      contentType: text,
      maxSize: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
      expiresIn: fc.integer({ min: 1, max: 7 * 24 * 3600 }),
      part: fc.option(fc.record({ uploadId: text, partNumber: fc.integer({ min: 1, max: 10_000 }) }), { nil: undefined }),
    });
    type Mutation =
      | { field: 'method' | 'bucket' | 'key' | 'contentType'; value: string }
      | { field: 'X-Vodkit-Max-Size' | 'X-Vodkit-Expires' | 'uploadId' | 'partNumber' | 'X-Vodkit-Signature'; value: string | null };
    const mutation: fc.Arbitrary<Mutation> = fc.oneof(
      fc.record({ field: fc.constantFrom('method' as const, 'bucket' as const, 'key' as const, 'contentType' as const), value: fc.string({ maxLength: 40 }) }),
      fc.record({
        field: fc.constantFrom(
          'X-Vodkit-Max-Size' as const,
          'X-Vodkit-Expires' as const,
          'uploadId' as const,
          'partNumber' as const,
          'X-Vodkit-Signature' as const,
        ),
        value: fc.option(fc.oneof(fc.string({ maxLength: 70 }), fc.nat().map(String), fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 64, maxLength: 64 })), {
          nil: null,
        }),
      }),
    );

    it('holds for random parameters and random mutations', () => {
      fc.assert(
        fc.property(params, mutation, (p, m) => {
          const s = signer();
          const signed: SignedUploadParams = {
            method: 'PUT',
            bucket: p.bucket,
            key: p.key,
            contentType: p.contentType,
            maxSize: p.maxSize,
            expiresAt: NOW_SEC + p.expiresIn,
            ...(p.part ?? {}),
          };
          const query = s.sign(signed);
          const request = requestOf(signed);
          // Unmutated: accepted.
          expect(s.verify(request, query)).toMatchObject({ maxSize: p.maxSize, expiresAt: NOW_SEC + p.expiresIn });

          const mutatedRequest = { ...request };
          const mutatedQuery = new URLSearchParams(query);
          if (m.field === 'method' || m.field === 'bucket' || m.field === 'key' || m.field === 'contentType') {
            fc.pre(mutatedRequest[m.field] !== m.value);
            mutatedRequest[m.field] = m.value;
          } else {
            fc.pre(query.get(m.field) !== m.value);
            if (m.value === null) mutatedQuery.delete(m.field);
            else mutatedQuery.set(m.field, m.value);
          }
          expect(() => s.verify(mutatedRequest, mutatedQuery)).toThrow(SignatureMismatchError);
        }),
        { numRuns: 500 },
      );
    });
  });
});
