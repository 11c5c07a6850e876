import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  compareKeys,
  decodeS3EventKey,
  encodeKeyPath,
  encodeS3Key,
  validateObjectKey,
  validatePrefix,
} from '../../../src/adapters/object-store/object-key.ts';
import { ValidationError } from '../../../src/core/errors.ts';
import { BAD_KEYS } from '../../conformance/object-store-suite.ts';

describe('object keys', () => {
  it('encodes event keys like S3 notifications', () => {
    expect(encodeS3Key('uploads/my video (1).mp4')).toBe('uploads/my+video+%281%29.mp4');
    expect(encodeS3Key('a+b/c=d&e.mov')).toBe('a%2Bb/c%3Dd%26e.mov');
    expect(encodeS3Key('vidéo/ü.mp4')).toBe('vid%C3%A9o/%C3%BC.mp4');
    expect(encodeS3Key('plain-key_1.2*x/y')).toBe('plain-key_1.2*x/y');
    expect(decodeS3EventKey('uploads/my+video+%281%29.mp4')).toBe('uploads/my video (1).mp4');
    expect(() => decodeS3EventKey('bad%zz')).toThrow(ValidationError);
  });

  it('decodes what it encodes, for any key', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 60 }), (key) => {
        const encoded = encodeS3Key(key);
        expect(encoded).not.toMatch(/ /);
        expect(decodeS3EventKey(encoded)).toBe(key);
        expect(encodeKeyPath(key).split('/').map(decodeURIComponent).join('/')).toBe(key);
      }),
      { numRuns: 300 },
    );
  });

  it('accepts ordinary keys and prefixes, refuses bad ones', () => {
    for (const key of ['a', 'videos/abc/source.mp4', 'x/..y/z', 'a b/c (1).mp4', 'é/ü']) expect(validateObjectKey(key)).toBe(key);
    for (const key of BAD_KEYS) expect(() => validateObjectKey(key), JSON.stringify(key)).toThrow(ValidationError);
    expect(() => validateObjectKey('a'.repeat(256))).toThrow(ValidationError);
    expect(() => validateObjectKey('\uD800x')).toThrow(ValidationError);
    for (const prefix of ['', 'v', 'v1/', 'v1/s']) expect(validatePrefix(prefix)).toBe(prefix);
    for (const prefix of ['/x', '../', 'a//', 'a/..', 'a\\']) expect(() => validatePrefix(prefix), prefix).toThrow(ValidationError);
  });

  it('orders keys by UTF-8 bytes, like S3 listings', () => {
    expect(['b', 'a/z', 'a', '\u{1F600}', '\uFFFD'].sort(compareKeys)).toEqual(['a', 'a/z', 'b', '\uFFFD', '\u{1F600}']);
  });
});
