import { beforeEach, expect, it } from 'vitest';
import type { ObjectStore } from '../../src/core/ports/object-store.ts';
import { normalizeEtag } from '../../src/core/ports/object-store.ts';
import { NotFoundError, ValidationError } from '../../src/core/errors.ts';
import { MIB, readAll, sha256, sha256Of, testBytes } from './object-store-fixtures.ts';
import type { Harness } from './object-store-suite.ts';

/** ObjectStore contract, part of object-store-suite.ts: uploads (signed single PUTs, who serves signed URLs, and multipart uploads with completion, refusal and abort). */
export function uploadCases(current: () => Harness): void {
  let h: Harness;
  let store: ObjectStore;
  beforeEach(() => {
    h = current();
    store = h.store;
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
    expect(normalizeEtag(res.etag ?? '')).not.toBe('');
    expect(normalizeEtag(head!.etag)).toBe(normalizeEtag(res.etag ?? ''));
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
      expect(normalizeEtag(res.etag ?? '')).not.toBe('');
      etags.set(partNumber, normalizeEtag(res.etag ?? ''));
    }
    expect(new Set(etags.values()).size).toBe(3);
    // Uploading a part again replaces it (its ETag is the new upload's).
    const retry = await store.signUploadPart(key, uploadId, 2, { expiresInSec: 300, maxSize: parts[1].length });
    const again = await h.perform(retry, parts[1]);
    expect(again.status).toBe(200);
    etags.set(2, normalizeEtag(again.etag ?? ''));

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

  it('takes the part size when told it: parts of that size sent at once, one sent again, complete byte for byte', async () => {
    const partSize = h.minPartSize ?? 5 * MIB;
    const key = 'mp/sized.mp4';
    const parts = [testBytes(partSize, 201), testBytes(partSize, 202), testBytes(partSize, 203), testBytes(1234, 204)];
    const { uploadId } = await store.createMultipartUpload(key, { contentType: 'video/mp4', maxSize: 4 * partSize, partSize });
    const send = async (n: number, body: Buffer) => {
      const res = await h.perform(await store.signUploadPart(key, uploadId, n, { expiresInSec: 300, maxSize: body.length }), body);
      expect(res.status).toBe(200);
      return normalizeEtag(res.etag ?? '');
    };
    const etags = await Promise.all(parts.map((body, i) => send(i + 1, body)));
    parts[2] = testBytes(partSize, 213);
    etags[2] = await send(3, parts[2]);
    const whole = Buffer.concat(parts);
    const info = await store.completeMultipartUpload(key, uploadId, etags.map((etag, i) => ({ partNumber: i + 1, etag })), { size: whole.length });
    expect(info).toMatchObject({ key, size: whole.length, contentType: 'video/mp4' });
    expect(await sha256Of((await store.get(key)).body)).toBe(sha256(whole));
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

    // Resume: the client sends a part again (it may get a new ETag), then completes with the right list.
    const again = await store.signUploadPart(key, uploadId, 2, { expiresInSec: 300, maxSize: parts[1].length });
    const resent = await h.perform(again, parts[1]);
    expect(resent.status).toBe(200);
    etags[1] = normalizeEtag(resent.etag ?? '');
    listed[1].etag = etags[1];
    all[1].etag = etags[1];
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
}
