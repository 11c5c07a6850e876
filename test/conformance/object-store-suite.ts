import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ObjectStore, SignedRequest } from '../../src/core/ports/object-store.ts';
import { normalizeEtag } from '../../src/core/ports/object-store.ts';
import { NotFoundError, PreconditionFailedError, ValidationError } from '../../src/core/errors.ts';
import { makeTempDir } from '../support/temp-dir.ts';

/**
 * The ObjectStore conformance suite: every adapter's test file runs it unchanged.
 * What S3 enforces but s3rver does not (signatures, signed sizes, part ETags, minimum part
 * size) is tested with the local-disk store only, in its own test file.
 */
export interface Harness {
  store: ObjectStore;
  /** Executes a signed request as a client would, over HTTP. Returns non-2xx statuses, never throws for them. */
  perform(req: SignedRequest, body: Buffer | Readable): Promise<{ status: number; etag?: string }>;
  cleanup(): Promise<void>;
  /** Size the suite gives every multipart part but the last; at least the store's minimum. Default 5 MiB. */
  minPartSize?: number;
}

const MIB = 1024 * 1024;

/** Deterministic pseudo-random bytes (xorshift32), different for each seed. */
export function testBytes(size: number, seed = 1): Buffer {
  const out = Buffer.allocUnsafe(size);
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

/** A stream of `total` bytes in 64 KiB chunks, never held whole in memory. */
function testStream(total: number, seed: number): { stream: Readable; sha256: string } {
  const hash = createHash('sha256');
  const chunks: number[] = [];
  for (let left = total; left > 0; left -= 64 * 1024) chunks.push(Math.min(64 * 1024, left));
  for (const [i, n] of chunks.entries()) hash.update(testBytes(n, seed + i));
  const stream = Readable.from(
    (function* () {
      for (const [i, n] of chunks.entries()) yield testBytes(n, seed + i);
    })(),
  );
  return { stream, sha256: hash.digest('hex') };
}

export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks);
}

async function sha256Of(stream: Readable): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of stream) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

const md5 = (b: Buffer | string): string => createHash('md5').update(b).digest('hex');
const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

export const BAD_KEYS = ['', '/abs/key', 'a/../b', '..', '../escape', 'a//b', 'a/', './a', 'a/./b', 'a\\b', 'a\u0000b', 'a\nb'];

export function objectStoreConformance(name: string, setup: () => Promise<Harness>): void {
  describe(`ObjectStore conformance: ${name}`, () => {
    let h: Harness;
    let store: ObjectStore;
    beforeEach(async () => {
      h = await setup();
      store = h.store;
    });
    afterEach(async () => {
      await h.cleanup();
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

    it('keeps the content type and reports the MD5 ETag of a single put', async () => {
      const body = Buffer.from('#EXTM3U\n#EXT-X-VERSION:3\n');
      const info = await store.put('ct/index.m3u8', body, { contentType: 'application/vnd.apple.mpegurl' });
      expect(normalizeEtag(info.etag)).toBe(md5(body));
      expect(info.contentType).toBe('application/vnd.apple.mpegurl');
      const head = await store.head('ct/index.m3u8');
      expect(head).toMatchObject({ key: 'ct/index.m3u8', size: body.length, contentType: 'application/vnd.apple.mpegurl' });
      expect(normalizeEtag(head!.etag)).toBe(md5(body));
      expect(head!.lastModified).toBeInstanceOf(Date);
      const got = await store.get('ct/index.m3u8');
      expect(got.info.contentType).toBe('application/vnd.apple.mpegurl');
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
      for (const key of ['v1/b.ts', 'v1/sub/c.ts', 'v1/a.ts', 'v10/x.ts', 'v2/y.ts', 'v1/sub/deeper/d.ts']) {
        await store.put(key, Buffer.from(key), { contentType: 'video/mp2t' });
      }
      const underV1 = await store.list('v1/');
      expect(underV1.map((o) => o.key)).toEqual(['v1/a.ts', 'v1/b.ts', 'v1/sub/c.ts', 'v1/sub/deeper/d.ts']);
      expect(underV1[0]).toMatchObject({ size: 'v1/a.ts'.length });
      expect(normalizeEtag(underV1[0].etag)).toBe(md5('v1/a.ts'));
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
      await store.put('ow/obj', Buffer.from('first version'), { contentType: 'text/plain' });
      expect((await store.head('ow/obj'))?.contentType).toBe('text/plain');
      await readAll((await store.get('ow/obj')).body);
      // Same size, straight after: nothing remembered of the first version may survive.
      await store.put('ow/obj', Buffer.from('FIRST VERSION'), { contentType: 'video/mp4' });
      expect(await store.head('ow/obj')).toMatchObject({ size: 13, contentType: 'video/mp4' });
      const same = await store.get('ow/obj');
      expect((await readAll(same.body)).toString()).toBe('FIRST VERSION');
      expect(normalizeEtag(same.info.etag)).toBe(md5('FIRST VERSION'));
      const info = await store.put('ow/obj', Buffer.from('second'), { contentType: 'application/json' });
      expect(info.size).toBe(6);
      const got = await store.get('ow/obj');
      expect((await readAll(got.body)).toString()).toBe('second');
      expect(got.info).toMatchObject({ size: 6, contentType: 'application/json' });
      expect(normalizeEtag(got.info.etag)).toBe(md5('second'));
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
        expect(normalizeEtag(info.etag)).toBe(md5(first));
        expect(sha256(await readFile(pinned))).toBe(sha256(first));

        // Replaced at the same size, straight after: the pinned file still holds the first bytes.
        const second = testBytes(300_000, 22);
        await store.put(key, second, { contentType: 'video/mp4' });
        expect(sha256(await readFile(pinned))).toBe(sha256(first));
        expect(sha256(await readAll((await store.get(key)).body))).toBe(sha256(second));

        // The first version is gone: refused, and nothing is written.
        const stale = join(temp.dir, 'stale');
        await expect(store.pinToFile(key, stale, { etag: `"${normalizeEtag(v1.etag)}"` })).rejects.toBeInstanceOf(PreconditionFailedError);
        await expect(stat(stale)).rejects.toMatchObject({ code: 'ENOENT' });

        // The current version pins, quoted ETag or not.
        const current = join(temp.dir, 'current');
        const v2 = await store.pinToFile(key, current, { etag: `"${md5(second)}"` });
        expect(normalizeEtag(v2.etag)).toBe(md5(second));
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

    it('accepts a signed single PUT end to end', async () => {
      const key = 'uploads/my video (1) é.mp4';
      const body = testBytes(300_000, 7);
      const req = await store.signUpload(key, { contentType: 'video/mp4', maxSize: body.length, expiresInSec: 300 });
      expect(req.method).toBe('PUT');
      expect(req.headers['Content-Type']).toBe('video/mp4');
      expect(Date.parse(req.expiresAt)).toBeGreaterThan(Date.now());
      const res = await h.perform(req, body);
      expect(res.status).toBe(200);
      const head = await store.head(key);
      expect(head).toMatchObject({ key, size: body.length, contentType: 'video/mp4' });
      expect(normalizeEtag(head!.etag)).toBe(md5(body));
      expect(normalizeEtag(res.etag ?? '')).toBe(md5(body));
      expect(sha256(await readAll((await store.get(key)).body))).toBe(sha256(body));
    });

    it('declares who serves its signed URLs: a URL that is a path on vodkit comes with a receiver for it', async () => {
      const single = await store.signUpload('caps/one.mp4', { contentType: 'video/mp4', maxSize: 10, expiresInSec: 60 });
      const { uploadId } = await store.createMultipartUpload('caps/two.mp4', { contentType: 'video/mp4', maxSize: 10 });
      const part = await store.signUploadPart('caps/two.mp4', uploadId, 1, { expiresInSec: 60, maxSize: 10 });
      await store.abortMultipartUpload('caps/two.mp4', uploadId);
      const servedByVodkit = (url: string) => url.startsWith('/');
      expect(servedByVodkit(part.url)).toBe(servedByVodkit(single.url));
      expect(store.capabilities.signedRequests !== null).toBe(servedByVodkit(single.url));
      if (store.capabilities.signedRequests) expect(typeof store.capabilities.signedRequests.receiveSignedRequest).toBe('function');
      const { signedDownloads } = store.capabilities;
      if (signedDownloads) {
        // A store that signs downloads gives a URL any client can GET the object with.
        await store.put('caps/poster.jpg', Buffer.from('jpeg bytes'), { contentType: 'image/jpeg' });
        const res = await fetch(await signedDownloads.signDownload('caps/poster.jpg', { expiresInSec: 60 }));
        expect(res.status).toBe(200);
        expect(await res.text()).toBe('jpeg bytes');
      } else {
        expect(signedDownloads).toBeNull();
      }
      const { uploadEvents } = store.capabilities;
      if (!uploadEvents) return expect(uploadEvents).toBeNull();
      // A store that announces its uploads tells its listener of a signed PUT once it is stored.
      const heard: string[] = [];
      uploadEvents.setObjectCreatedListener(async (event) => {
        for (const record of event.Records) heard.push(decodeURIComponent(record.s3.object.key.replace(/\+/g, ' ')));
      });
      const body = testBytes(10, 3);
      const req = await store.signUpload('caps/three.mp4', { contentType: 'video/mp4', maxSize: body.length, expiresInSec: 60 });
      expect((await h.perform(req, body)).status).toBe(200);
      expect(heard).toEqual(['caps/three.mp4']);
      uploadEvents.setObjectCreatedListener(undefined);
    });

    it('runs a multipart upload: parts out of order, listParts, complete, bytes identical', async () => {
      const partSize = h.minPartSize ?? 5 * MIB;
      const key = 'mp/source video.mov';
      const sizes = [partSize, partSize, Math.floor(partSize / 2) + 7];
      const parts = sizes.map((n, i) => testBytes(n, 100 + i));
      const whole = Buffer.concat(parts);
      const { uploadId } = await store.createMultipartUpload(key, { contentType: 'video/quicktime', maxSize: whole.length });
      expect(uploadId).toBeTruthy();
      expect(await store.listParts(key, uploadId)).toEqual([]);

      const etags = new Map<number, string>();
      for (const partNumber of [3, 1, 2]) {
        const body = parts[partNumber - 1];
        const req = await store.signUploadPart(key, uploadId, partNumber, { expiresInSec: 300, maxSize: body.length });
        expect(req.method).toBe('PUT');
        const res = await h.perform(req, body);
        expect(res.status).toBe(200);
        expect(normalizeEtag(res.etag ?? '')).toBe(md5(body));
        etags.set(partNumber, normalizeEtag(res.etag ?? ''));
      }
      // Uploading a part again replaces it.
      const retry = await store.signUploadPart(key, uploadId, 2, { expiresInSec: 300, maxSize: parts[1].length });
      expect((await h.perform(retry, parts[1])).status).toBe(200);

      const listed = await store.listParts(key, uploadId);
      expect(listed.map((p) => ({ ...p, etag: normalizeEtag(p.etag) }))).toEqual(
        [1, 2, 3].map((n) => ({ partNumber: n, etag: etags.get(n), size: sizes[n - 1] })),
      );
      expect(await store.head(key)).toBeNull();

      const info = await store.completeMultipartUpload(
        key,
        uploadId,
        [1, 2, 3].map((n) => ({ partNumber: n, etag: `"${etags.get(n)}"` })),
      );
      expect(info).toMatchObject({ key, size: whole.length, contentType: 'video/quicktime' });
      for (const etag of etags.values()) expect(normalizeEtag(info.etag)).not.toBe(etag);
      expect(normalizeEtag(info.etag)).not.toBe('');
      const got = await store.get(key);
      expect(await sha256Of(got.body)).toBe(sha256(whole));
      expect(got.info.contentType).toBe('video/quicktime');
      await expect(store.listParts(key, uploadId)).rejects.toBeInstanceOf(NotFoundError);
    });

    it('a refused completion leaves the upload as it was: the right list then completes it', async () => {
      const partSize = h.minPartSize ?? 5 * MIB;
      const key = 'mp/refused.mp4';
      const sizes = [partSize, partSize, Math.floor(partSize / 3) + 5];
      const parts = sizes.map((n, i) => testBytes(n, 300 + i));
      const whole = Buffer.concat(parts);
      const { uploadId } = await store.createMultipartUpload(key, { contentType: 'video/mp4', maxSize: whole.length });
      const etags: string[] = [];
      for (const [i, body] of parts.entries()) {
        const req = await store.signUploadPart(key, uploadId, i + 1, { expiresInSec: 300, maxSize: body.length });
        const res = await h.perform(req, body);
        expect(res.status).toBe(200);
        etags.push(normalizeEtag(res.etag ?? ''));
      }
      const listed = [1, 2, 3].map((n) => ({ partNumber: n, etag: etags[n - 1], size: sizes[n - 1] }));
      const unchanged = async () => {
        expect(await store.head(key)).toBeNull();
        expect((await store.listParts(key, uploadId)).map((p) => ({ ...p, etag: normalizeEtag(p.etag) }))).toEqual(listed);
      };
      const all = [1, 2, 3].map((n) => ({ partNumber: n, etag: etags[n - 1] }));

      // Parts 1 and 3 of 3: a valid S3 list on its own, but not the declared size.
      await expect(
        store.completeMultipartUpload(key, uploadId, [all[0], all[2]], { size: whole.length }),
      ).rejects.toBeInstanceOf(ValidationError);
      await unchanged();
      // Part 2 with another part's ETag.
      await expect(
        store.completeMultipartUpload(key, uploadId, [all[0], { partNumber: 2, etag: etags[0] }, all[2]], { size: whole.length }),
      ).rejects.toBeInstanceOf(ValidationError);
      await unchanged();
      // A part that was never uploaded.
      await expect(
        store.completeMultipartUpload(key, uploadId, [...all, { partNumber: 4, etag: etags[2] }], { size: whole.length }),
      ).rejects.toBeInstanceOf(ValidationError);
      await unchanged();
      // Every part, but another size than declared.
      await expect(store.completeMultipartUpload(key, uploadId, all, { size: whole.length - 1 })).rejects.toBeInstanceOf(ValidationError);
      await unchanged();

      // Resume: the client sends a part again, then completes with the right list.
      const again = await store.signUploadPart(key, uploadId, 2, { expiresInSec: 300, maxSize: parts[1].length });
      expect((await h.perform(again, parts[1])).status).toBe(200);
      await unchanged();
      const info = await store.completeMultipartUpload(key, uploadId, all, { size: whole.length });
      expect(info).toMatchObject({ key, size: whole.length });
      expect(await sha256Of((await store.get(key)).body)).toBe(sha256(whole));
      await expect(store.listParts(key, uploadId)).rejects.toBeInstanceOf(NotFoundError);
    });

    it('refuses a completion list that is not in ascending order', async () => {
      const key = 'mp/order.bin';
      const { uploadId } = await store.createMultipartUpload(key, { contentType: 'video/mp4', maxSize: 1000 });
      const req = await store.signUploadPart(key, uploadId, 1, { expiresInSec: 300, maxSize: 10 });
      const res = await h.perform(req, Buffer.from('0123456789'));
      const etag = res.etag ?? '';
      await expect(
        store.completeMultipartUpload(key, uploadId, [
          { partNumber: 2, etag },
          { partNumber: 1, etag },
        ]),
      ).rejects.toBeInstanceOf(ValidationError);
      await expect(store.completeMultipartUpload(key, uploadId, [])).rejects.toBeInstanceOf(ValidationError);
      await store.abortMultipartUpload(key, uploadId);
    });

    it('aborts a multipart upload: its state is gone, aborting again is fine', async () => {
      const key = 'mp/aborted.bin';
      const { uploadId } = await store.createMultipartUpload(key, { contentType: 'video/mp4', maxSize: 1000 });
      const req = await store.signUploadPart(key, uploadId, 1, { expiresInSec: 300, maxSize: 100 });
      expect((await h.perform(req, testBytes(100, 9))).status).toBe(200);
      expect((await store.listParts(key, uploadId)).length).toBe(1);
      const { multipartListing } = store.capabilities;
      // A store that lists its open uploads lists this one until it is aborted.
      if (multipartListing) expect((await multipartListing.listMultipartUploads()).map((u) => [u.key, u.uploadId])).toContainEqual([key, uploadId]);
      await store.abortMultipartUpload(key, uploadId);
      if (multipartListing) expect((await multipartListing.listMultipartUploads()).map((u) => u.uploadId)).not.toContain(uploadId);
      await expect(store.listParts(key, uploadId)).rejects.toBeInstanceOf(NotFoundError);
      await expect(store.abortMultipartUpload(key, uploadId)).resolves.toBeUndefined();
      expect(await store.head(key)).toBeNull();
      expect(await store.list('mp/')).toEqual([]);
    });
  });
}
