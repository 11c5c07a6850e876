import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeEach, expect, it } from 'vitest';
import type { ObjectStore } from '../../src/core/ports/object-store.ts';
import { normalizeEtag } from '../../src/core/ports/object-store.ts';
import { NotFoundError, PreconditionFailedError, ValidationError } from '../../src/core/errors.ts';
import { makeTempDir } from '../support/temp-dir.ts';
import { BAD_KEYS, MIB, readAll, sha256, sha256Of, testBytes, testStream } from './object-store-fixtures.ts';
import type { Harness } from './object-store-suite.ts';

/** ObjectStore contract, part of object-store-suite.ts: objects (put, get, ranges, head, list, delete, overwrite, pinning, refused keys and options). */
export function objectCases(current: () => Harness): void {
  let store: ObjectStore;
  beforeEach(() => {
    store = current().store;
  });

  it('round-trips a multi-MB stream byte for byte', async () => {
    const { stream, sha256: expected } = testStream(7 * MIB + 12_345, 11);
    const info = await store.put('rt/big.bin', stream, { contentType: 'application/octet-stream' });
    expect(info.key).toBe('rt/big.bin');
    expect(info.size).toBe(7 * MIB + 12_345);
    expect(normalizeEtag(info.etag)).not.toBe('');
    const got = await store.get('rt/big.bin');
    expect(got.info.size).toBe(7 * MIB + 12_345);
    expect(got.range).toBeUndefined();
    expect(await sha256Of(got.body)).toBe(expected);
    const head = await store.head('rt/big.bin');
    expect(head?.size).toBe(7 * MIB + 12_345);
    expect(normalizeEtag(head?.etag ?? '')).toBe(normalizeEtag(info.etag));
  });

  // An ETag names one stored version of an object: every read of that version reports the ETag its
  // write returned, and a version with other bytes has another one. It need not be a hash of the
  // bytes (S3's single PUT reports their MD5, the local-disk store a random version id).
  it('keeps the content type and reports the ETag the put returned', async () => {
    const body = Buffer.from('#EXTM3U\n#EXT-X-VERSION:3\n');
    const info = await store.put('ct/index.m3u8', body, { contentType: 'application/vnd.apple.mpegurl' });
    expect(normalizeEtag(info.etag)).not.toBe('');
    expect(info.contentType).toBe('application/vnd.apple.mpegurl');
    const head = await store.head('ct/index.m3u8');
    expect(head).toMatchObject({ key: 'ct/index.m3u8', size: body.length, contentType: 'application/vnd.apple.mpegurl' });
    expect(normalizeEtag(head!.etag)).toBe(normalizeEtag(info.etag));
    expect(head!.lastModified).toBeInstanceOf(Date);
    const got = await store.get('ct/index.m3u8');
    expect(got.info.contentType).toBe('application/vnd.apple.mpegurl');
    expect(normalizeEtag(got.info.etag)).toBe(normalizeEtag(info.etag));
    expect((await readAll(got.body)).equals(body)).toBe(true);
  });

  it('serves inclusive byte ranges and refuses unsatisfiable ones', async () => {
    const body = testBytes(1000, 3);
    await store.put('ranges/obj.bin', body);

    const mid = await store.get('ranges/obj.bin', { start: 10, end: 19 });
    expect(mid.range).toEqual({ start: 10, end: 19 });
    expect(mid.info.size).toBe(1000);
    expect((await readAll(mid.body)).equals(body.subarray(10, 20))).toBe(true);

    const open = await store.get('ranges/obj.bin', { start: 990 });
    expect(open.range).toEqual({ start: 990, end: 999 });
    expect((await readAll(open.body)).equals(body.subarray(990))).toBe(true);

    const last = await store.get('ranges/obj.bin', { start: 999, end: 999 });
    expect(last.range).toEqual({ start: 999, end: 999 });
    expect((await readAll(last.body)).equals(body.subarray(999))).toBe(true);

    const clamped = await store.get('ranges/obj.bin', { start: 995, end: 5000 });
    expect(clamped.range).toEqual({ start: 995, end: 999 });
    expect((await readAll(clamped.body)).equals(body.subarray(995))).toBe(true);

    await expect(store.get('ranges/obj.bin', { start: 1000 })).rejects.toBeInstanceOf(ValidationError);
    await expect(store.get('ranges/obj.bin', { start: 5000, end: 6000 })).rejects.toBeInstanceOf(ValidationError);
    await expect(store.get('ranges/obj.bin', { start: 20, end: 10 })).rejects.toBeInstanceOf(ValidationError);
    await expect(store.get('ranges/obj.bin', { start: -1 })).rejects.toBeInstanceOf(ValidationError);
  });

  it('reports missing objects: head → null, get → NotFoundError', async () => {
    expect(await store.head('missing/nothing.bin')).toBeNull();
    await expect(store.get('missing/nothing.bin')).rejects.toBeInstanceOf(NotFoundError);
    await expect(store.get('missing/nothing.bin', { start: 0, end: 10 })).rejects.toBeInstanceOf(NotFoundError);
  });

  it('lists by prefix, nested, sorted by key', async () => {
    const etags = new Map<string, string>();
    for (const key of ['v1/b.ts', 'v1/sub/c.ts', 'v1/a.ts', 'v10/x.ts', 'v2/y.ts', 'v1/sub/deeper/d.ts']) {
      etags.set(key, normalizeEtag((await store.put(key, Buffer.from(key), { contentType: 'video/mp2t' })).etag));
    }
    const underV1 = await store.list('v1/');
    expect(underV1.map((o) => o.key)).toEqual(['v1/a.ts', 'v1/b.ts', 'v1/sub/c.ts', 'v1/sub/deeper/d.ts']);
    expect(underV1[0]).toMatchObject({ size: 'v1/a.ts'.length });
    for (const info of underV1) expect(normalizeEtag(info.etag)).toBe(etags.get(info.key));
    expect(new Set(etags.values()).size).toBe(etags.size);
    expect((await store.list('v1')).map((o) => o.key)).toEqual([
      'v1/a.ts',
      'v1/b.ts',
      'v1/sub/c.ts',
      'v1/sub/deeper/d.ts',
      'v10/x.ts',
    ]);
    expect((await store.list('v1/sub/')).map((o) => o.key)).toEqual(['v1/sub/c.ts', 'v1/sub/deeper/d.ts']);
    expect((await store.list('v1/s')).map((o) => o.key)).toEqual(['v1/sub/c.ts', 'v1/sub/deeper/d.ts']);
    expect(await store.list('nothing-here/')).toEqual([]);
  });

  it('deletes objects, and deleting a missing key is not an error', async () => {
    await store.put('del/one.bin', Buffer.from('one'));
    await store.delete('del/one.bin');
    expect(await store.head('del/one.bin')).toBeNull();
    expect(await store.list('del/')).toEqual([]);
    await expect(store.delete('del/one.bin')).resolves.toBeUndefined();
  });

  it('deletes a prefix and counts what it deleted', async () => {
    for (const key of ['p/1.ts', 'p/2.ts', 'p/deep/3.ts', 'q/keep.ts', 'pp/keep.ts']) await store.put(key, Buffer.from(key));
    expect(await store.deletePrefix('p/')).toBe(3);
    expect(await store.list('p/')).toEqual([]);
    expect((await store.list('q/')).map((o) => o.key)).toEqual(['q/keep.ts']);
    expect((await store.list('pp/')).map((o) => o.key)).toEqual(['pp/keep.ts']);
    expect(await store.deletePrefix('p/')).toBe(0);
  });

  it('overwrites an object: new bytes, size, ETag and content type', async () => {
    const v1 = await store.put('ow/obj', Buffer.from('first version'), { contentType: 'text/plain' });
    expect((await store.head('ow/obj'))?.contentType).toBe('text/plain');
    await readAll((await store.get('ow/obj')).body);
    // Same size, straight after: nothing remembered of the first version may survive.
    const v2 = await store.put('ow/obj', Buffer.from('FIRST VERSION'), { contentType: 'video/mp4' });
    expect(normalizeEtag(v2.etag)).not.toBe(normalizeEtag(v1.etag));
    expect(await store.head('ow/obj')).toMatchObject({ size: 13, contentType: 'video/mp4' });
    const same = await store.get('ow/obj');
    expect((await readAll(same.body)).toString()).toBe('FIRST VERSION');
    expect(normalizeEtag(same.info.etag)).toBe(normalizeEtag(v2.etag));
    const info = await store.put('ow/obj', Buffer.from('second'), { contentType: 'application/json' });
    expect(info.size).toBe(6);
    const got = await store.get('ow/obj');
    expect((await readAll(got.body)).toString()).toBe('second');
    expect(got.info).toMatchObject({ size: 6, contentType: 'application/json' });
    expect(normalizeEtag(got.info.etag)).toBe(normalizeEtag(info.etag));
    expect(normalizeEtag(info.etag)).not.toBe(normalizeEtag(v2.etag));
    expect((await store.list('ow/')).length).toBe(1);
  });

  it('pins one version as a local file: later writes to the key never change it, an old version is refused', async () => {
    const temp = await makeTempDir('vodkit-pin-');
    try {
      const key = 'pin/source video.mp4';
      const first = testBytes(300_000, 21);
      const v1 = await store.put(key, first, { contentType: 'video/mp4' });
      const pinned = join(temp.dir, 'pinned');
      const info = await store.pinToFile(key, pinned, { etag: v1.etag });
      expect(info).toMatchObject({ key, size: first.length });
      expect(normalizeEtag(info.etag)).toBe(normalizeEtag(v1.etag));
      expect(sha256(await readFile(pinned))).toBe(sha256(first));

      // Replaced at the same size, straight after: the pinned file still holds the first bytes.
      const second = testBytes(300_000, 22);
      const v2 = await store.put(key, second, { contentType: 'video/mp4' });
      expect(normalizeEtag(v2.etag)).not.toBe(normalizeEtag(v1.etag));
      expect(sha256(await readFile(pinned))).toBe(sha256(first));
      expect(sha256(await readAll((await store.get(key)).body))).toBe(sha256(second));

      // The first version is gone: refused, and nothing is written.
      const stale = join(temp.dir, 'stale');
      await expect(store.pinToFile(key, stale, { etag: `"${normalizeEtag(v1.etag)}"` })).rejects.toBeInstanceOf(PreconditionFailedError);
      await expect(stat(stale)).rejects.toMatchObject({ code: 'ENOENT' });

      // The current version pins, quoted ETag or not.
      const current = join(temp.dir, 'current');
      const pinnedV2 = await store.pinToFile(key, current, { etag: `"${normalizeEtag(v2.etag)}"` });
      expect(normalizeEtag(pinnedV2.etag)).toBe(normalizeEtag(v2.etag));
      expect(sha256(await readFile(current))).toBe(sha256(second));

      await expect(store.pinToFile('pin/missing.mp4', join(temp.dir, 'missing'), { etag: v1.etag })).rejects.toBeInstanceOf(NotFoundError);
      await store.delete(key);
      expect(sha256(await readFile(pinned))).toBe(sha256(first));
    } finally {
      await temp.cleanup();
    }
  });

  it('refuses bad keys and prefixes with ValidationError', async () => {
    for (const key of BAD_KEYS) {
      await expect(store.put(key, Buffer.from('x')), `put ${JSON.stringify(key)}`).rejects.toBeInstanceOf(ValidationError);
      await expect(store.get(key), `get ${JSON.stringify(key)}`).rejects.toBeInstanceOf(ValidationError);
      await expect(store.head(key), `head ${JSON.stringify(key)}`).rejects.toBeInstanceOf(ValidationError);
      await expect(store.delete(key), `delete ${JSON.stringify(key)}`).rejects.toBeInstanceOf(ValidationError);
      await expect(
        store.signUpload(key, { contentType: 'video/mp4', maxSize: 10, expiresInSec: 60 }),
        `signUpload ${JSON.stringify(key)}`,
      ).rejects.toBeInstanceOf(ValidationError);
      await expect(store.createMultipartUpload(key, { contentType: 'video/mp4', maxSize: 10 })).rejects.toBeInstanceOf(ValidationError);
    }
    for (const prefix of ['/abs/', '../', 'a/../', 'a//']) {
      await expect(store.list(prefix), `list ${JSON.stringify(prefix)}`).rejects.toBeInstanceOf(ValidationError);
      await expect(store.deletePrefix(prefix)).rejects.toBeInstanceOf(ValidationError);
    }
    await expect(store.deletePrefix('')).rejects.toBeInstanceOf(ValidationError);
  });

  it('refuses bad upload options with ValidationError', async () => {
    const key = 'opts/video.mp4';
    await expect(store.signUpload(key, { contentType: '', maxSize: 10, expiresInSec: 60 })).rejects.toBeInstanceOf(ValidationError);
    await expect(store.signUpload(key, { contentType: 'video/mp4\r\nX-Evil: 1', maxSize: 10, expiresInSec: 60 })).rejects.toBeInstanceOf(
      ValidationError,
    );
    await expect(store.signUpload(key, { contentType: 'video/mp4', maxSize: 0, expiresInSec: 60 })).rejects.toBeInstanceOf(ValidationError);
    await expect(store.signUpload(key, { contentType: 'video/mp4', maxSize: 10, expiresInSec: 0 })).rejects.toBeInstanceOf(ValidationError);
  });
}
