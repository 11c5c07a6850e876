import { mkdir, readdir, rename, rmdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalDiskObjectStore } from '../../../src/adapters/object-store/local-disk/local-disk-object-store.ts';
import { UrlSigner } from '../../../src/core/upload/url-signer.ts';
import { systemClock } from '../../../src/core/ports/clock.ts';
import { normalizeEtag } from '../../../src/core/ports/object-store.ts';
import { ConflictError, NotFoundError } from '../../../src/core/errors.ts';
import { readAll, testBytes } from '../../conformance/object-store-suite.ts';
import { makeTempDir } from '../../support/temp-dir.ts';
import { filesUnder, requestFor, SECRET } from './local-disk-requests.ts';

const PART = 4096;

/**
 * Multipart uploads created with a part size: parts of that size are written in place into the
 * object being assembled, so completing parts 1..N moves that file into place (no copy), whole or
 * not at all; anything else is copied as before.
 */
describe('LocalDiskObjectStore multipart parts written in place', () => {
  let temp: { dir: string; cleanup: () => Promise<void> };
  let root: string;
  let store: LocalDiskObjectStore;

  const openStore = () =>
    LocalDiskObjectStore.open({ root, bucket: 'sources', signer: new UrlSigner({ secret: SECRET, clock: systemClock }), clock: systemClock, minPartSize: 1024 });
  beforeEach(async () => {
    temp = await makeTempDir('vodkit-local-multipart-');
    root = join(temp.dir, 'root');
    store = await openStore();
  });
  afterEach(async () => {
    await temp.cleanup();
  });

  const uploadDir = (uploadId: string) => join(root, '.vodkit', 'uploads', uploadId);
  /** Sends part `n` with its Content-Length (as browsers and the CLI do), or chunked with `chunked`. */
  const sendPart = async (key: string, uploadId: string, n: number, body: Buffer, chunked = false) => {
    const req = await store.signUploadPart(key, uploadId, n, { expiresInSec: 600, maxSize: PART });
    const res = await store.receiveSignedRequest(requestFor(req, body, chunked ? {} : { 'Content-Length': String(body.length) }));
    return normalizeEtag(res.etag);
  };
  const threeParts = () => [testBytes(PART, 1), testBytes(PART, 2), testBytes(1000, 3)];

  it('completes parts 1..N sent in parallel without copying them: the object is the file they were written into', async () => {
    const key = 'mp/in-place.mp4';
    const parts = threeParts();
    const { uploadId } = await store.createMultipartUpload(key, { contentType: 'video/mp4', maxSize: 10 * PART, partSize: PART });
    const etags = await Promise.all(parts.map((body, i) => sendPart(key, uploadId, i + 1, body)));
    // Part 2 sent again: its new bytes replace the old ones in place.
    parts[1] = testBytes(PART, 22);
    etags[1] = await sendPart(key, uploadId, 2, parts[1]);
    expect((await store.listParts(key, uploadId)).map((p) => ({ ...p, etag: normalizeEtag(p.etag) }))).toEqual(
      parts.map((body, i) => ({ partNumber: i + 1, etag: etags[i], size: body.length })),
    );
    const assembled = await stat(join(uploadDir(uploadId), 'data'));
    const info = await store.completeMultipartUpload(key, uploadId, etags.map((etag, i) => ({ partNumber: i + 1, etag })), { size: 2 * PART + 1000 });
    expect(info.size).toBe(2 * PART + 1000);
    expect((await stat(join(root, 'mp', 'in-place.mp4'))).ino).toBe(assembled.ino);
    expect((await readAll((await store.get(key)).body)).equals(Buffer.concat(parts))).toBe(true);
    expect(await filesUnder(join(root, '.vodkit', 'uploads'))).toEqual([]);
    expect(await filesUnder(join(root, '.vodkit', 'tmp'))).toEqual([]);
  });

  it('copies when the parts are not laid out in place: a chunked part, a list that skips a part, bytes past the last part', async () => {
    const key = 'mp/copied.mp4';
    const parts = threeParts();
    const { uploadId } = await store.createMultipartUpload(key, { contentType: 'video/mp4', maxSize: 10 * PART, partSize: PART });
    const etags = [await sendPart(key, uploadId, 1, parts[0]), await sendPart(key, uploadId, 2, parts[1], true), await sendPart(key, uploadId, 3, parts[2])];
    await sendPart(key, uploadId, 4, testBytes(500, 4));
    // Parts 1 and 3 only (part 1 in place, part 3 in place but at another offset than second).
    const info = await store.completeMultipartUpload(key, uploadId, [
      { partNumber: 1, etag: etags[0] },
      { partNumber: 3, etag: etags[2] },
    ]);
    expect(info.size).toBe(PART + 1000);
    expect((await readAll((await store.get(key)).body)).equals(Buffer.concat([parts[0], parts[2]]))).toBe(true);

    for (const [name, chunkedPart, extraPart] of [['chunked', true, false], ['past', false, true]] as const) {
      const other = `mp/copied-${name}.mp4`;
      const { uploadId: id } = await store.createMultipartUpload(other, { contentType: 'video/mp4', maxSize: 10 * PART, partSize: PART });
      const list = [];
      for (const [i, body] of parts.entries()) list.push({ partNumber: i + 1, etag: await sendPart(other, id, i + 1, body, chunkedPart && i === 1) });
      if (extraPart) await sendPart(other, id, 4, testBytes(500, 4));
      const data = await stat(join(uploadDir(id), 'data'));
      await store.completeMultipartUpload(other, id, list);
      expect((await readAll((await store.get(other)).body)).equals(Buffer.concat(parts))).toBe(true);
      expect((await stat(join(root, 'mp', `copied-${name}.mp4`))).ino).not.toBe(data.ino);
    }
    expect(await filesUnder(join(root, '.vodkit', 'tmp'))).toEqual([]);
  });

  it('refuses to complete while a part is still being written in place, and completes once it is stored', async () => {
    const key = 'mp/busy.mp4';
    const parts = threeParts();
    const { uploadId } = await store.createMultipartUpload(key, { contentType: 'video/mp4', maxSize: 10 * PART, partSize: PART });
    const etags = [await sendPart(key, uploadId, 1, parts[0]), await sendPart(key, uploadId, 2, parts[1]), await sendPart(key, uploadId, 3, parts[2])];
    // Part 3 sent again, its body still arriving.
    const body = new PassThrough();
    const again = store.receiveSignedRequest(
      requestFor(await store.signUploadPart(key, uploadId, 3, { expiresInSec: 600, maxSize: PART }), body, { 'Content-Length': '1000' }),
    );
    body.write(testBytes(500, 33));
    while (!(await readdir(uploadDir(uploadId))).includes('writing-00003')) await new Promise((r) => setTimeout(r, 10));
    const list = etags.map((etag, i) => ({ partNumber: i + 1, etag }));
    await expect(store.completeMultipartUpload(key, uploadId, list)).rejects.toBeInstanceOf(ConflictError);
    expect(await store.head(key)).toBeNull();
    body.end(testBytes(500, 34));
    const etag3 = normalizeEtag((await again).etag);
    // Its earlier bytes were overwritten: the first ETag of part 3 is gone, the new one completes.
    await expect(store.completeMultipartUpload(key, uploadId, list)).rejects.toThrow(/ETag does not match/);
    await store.completeMultipartUpload(key, uploadId, [...list.slice(0, 2), { partNumber: 3, etag: etag3 }]);
    const expected = Buffer.concat([parts[0], parts[1], testBytes(500, 33), testBytes(500, 34)]);
    expect((await readAll((await store.get(key)).body)).equals(expected)).toBe(true);
  });

  it('a completion that cannot put the object in place leaves no object and the upload as it was', async () => {
    const key = 'mp/conflict';
    const parts = threeParts();
    const { uploadId } = await store.createMultipartUpload(key, { contentType: 'video/mp4', maxSize: 10 * PART, partSize: PART });
    const etags = await Promise.all(parts.map((body, i) => sendPart(key, uploadId, i + 1, body)));
    await mkdir(join(root, 'mp', 'conflict'), { recursive: true }); // the key is now a folder
    const list = etags.map((etag, i) => ({ partNumber: i + 1, etag }));
    await expect(store.completeMultipartUpload(key, uploadId, list)).rejects.toBeInstanceOf(ConflictError);
    expect((await store.listParts(key, uploadId)).map((p) => p.size)).toEqual([PART, PART, 1000]);
    expect(await filesUnder(join(root, '.vodkit', 'tmp'))).toEqual([]);
    // It still takes parts, and completes once the key is free.
    etags[2] = await sendPart(key, uploadId, 3, parts[2]);
    await rmdir(join(root, 'mp', 'conflict'));
    await store.completeMultipartUpload(key, uploadId, etags.map((etag, i) => ({ partNumber: i + 1, etag })));
    expect((await readAll((await store.get(key)).body)).equals(Buffer.concat(parts))).toBe(true);
  });

  it('a completion cut short by a crash leaves no object; completing again (after a restart) puts it whole', async () => {
    const key = 'mp/crash.mp4';
    const parts = threeParts();
    const { uploadId } = await store.createMultipartUpload(key, { contentType: 'video/mp4', maxSize: 10 * PART, partSize: PART });
    const etags = await Promise.all(parts.map((body, i) => sendPart(key, uploadId, i + 1, body)));
    // What a crash during a completion leaves: the upload sealed, and a part's claim of a process that is gone.
    const dir = uploadDir(uploadId);
    await rename(join(dir, 'upload.json'), join(dir, 'completing.json'));
    await writeFile(join(dir, 'writing-00002'), '999999999');
    const restarted = await openStore();
    expect(await restarted.head(key)).toBeNull();
    expect((await restarted.listParts(key, uploadId)).map((p) => normalizeEtag(p.etag))).toEqual(etags);
    // Sealed: no part is taken any more.
    const late = await restarted.signUploadPart(key, uploadId, 4, { expiresInSec: 600, maxSize: PART });
    await expect(restarted.receiveSignedRequest(requestFor(late, testBytes(10, 4), { 'Content-Length': '10' }))).rejects.toBeInstanceOf(NotFoundError);
    const info = await restarted.completeMultipartUpload(key, uploadId, etags.map((etag, i) => ({ partNumber: i + 1, etag })));
    expect(info.size).toBe(2 * PART + 1000);
    expect((await readAll((await restarted.get(key)).body)).equals(Buffer.concat(parts))).toBe(true);
    expect(await filesUnder(join(root, '.vodkit', 'uploads'))).toEqual([]);
  });
});
