import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalDiskObjectStore } from '../../../src/adapters/object-store/local-disk/local-disk-object-store.ts';
import { decodeS3EventKey } from '../../../src/adapters/object-store/object-key.ts';
import type { IncomingSignedRequest } from '../../../src/adapters/object-store/local-disk/signed-request.ts';
import { UrlSigner } from '../../../src/core/upload/url-signer.ts';
import { ManualClock, systemClock } from '../../../src/core/ports/clock.ts';
import { normalizeEtag, type S3Event } from '../../../src/core/ports/object-store.ts';
import { AccessDeniedError, EntityTooLargeError, NotFoundError, SignatureMismatchError, ValidationError } from '../../../src/core/errors.ts';
import { BAD_KEYS, objectStoreConformance, readAll, testBytes } from '../../conformance/object-store-suite.ts';
import { makeTempDir } from '../../support/temp-dir.ts';
import { performHttp, serveSignedUploads } from './signed-http.ts';
import { filesUnder, md5, requestFor, SECRET, untouchedBody } from './local-disk-requests.ts';

objectStoreConformance('local disk', async () => {
  const temp = await makeTempDir('vodkit-local-store-');
  const store = await LocalDiskObjectStore.open({
    root: join(temp.dir, 'root'),
    bucket: 'media',
    signer: new UrlSigner({ secret: SECRET, clock: systemClock }),
    clock: systemClock,
    minPartSize: 256 * 1024,
  });
  const server = await serveSignedUploads(store);
  return {
    store,
    minPartSize: 256 * 1024,
    perform: (req, body) => performHttp(server.baseUrl, req, body),
    cleanup: async () => {
      await server.close();
      await temp.cleanup();
    },
  };
});


describe('LocalDiskObjectStore (local only)', () => {
  let temp: { dir: string; cleanup: () => Promise<void> };
  let root: string;
  let clock: ManualClock;
  let store: LocalDiskObjectStore;
  let events: S3Event[];

  beforeEach(async () => {
    temp = await makeTempDir('vodkit-local-only-');
    root = join(temp.dir, 'root');
    clock = new ManualClock(new Date('2026-03-01T12:00:00Z'));
    events = [];
    store = await LocalDiskObjectStore.open({
      root,
      bucket: 'sources',
      signer: new UrlSigner({ secret: SECRET, clock }),
      clock,
      minPartSize: 1024,
      onObjectCreated: async (event) => {
        events.push(event);
      },
    });
  });
  afterEach(async () => {
    await temp.cleanup();
  });

  const signPut = (key = 'up/video.mp4', maxSize = 100) =>
    store.signUpload(key, { contentType: 'video/mp4', maxSize, expiresInSec: 600 });

  it('accepts an untampered signed PUT and raises one S3-shaped event after the object is in place', async () => {
    let seenOnDisk: Buffer | null = null;
    store.setObjectCreatedListener(async (event) => {
      events.push(event);
      seenOnDisk = await readFile(join(root, 'up', 'my video+1.mp4'));
    });
    const req = await signPut('up/my video+1.mp4', 100);
    const body = testBytes(100, 1);
    const res = await store.receiveSignedRequest(requestFor(req, body));
    expect(res).toEqual({ status: 200, etag: expect.stringMatching(/^"[0-9a-f]{32}"$/) });
    const etag = res.etag.replace(/"/g, '');
    expect(normalizeEtag((await store.head('up/my video+1.mp4'))!.etag)).toBe(etag);
    expect(seenOnDisk).not.toBeNull();
    expect(seenOnDisk!.equals(body)).toBe(true);
    expect(events).toHaveLength(1);
    const record = events[0].Records[0];
    expect(events[0].Records).toHaveLength(1);
    expect(record).toMatchObject({
      eventVersion: '2.1',
      eventSource: 'vodkit:local',
      eventTime: '2026-03-01T12:00:00.000Z',
      eventName: 'ObjectCreated:Put',
      s3: { bucket: { name: 'sources' }, object: { key: 'up/my+video%2B1.mp4', size: 100, eTag: etag } },
    });
    expect(record.s3.object.sequencer).toMatch(/^[0-9A-F]{16,}$/);
    expect(decodeS3EventKey(record.s3.object.key)).toBe('up/my video+1.mp4');
  });

  it('refuses every tampered signed part with SignatureMismatchError and writes nothing', async () => {
    const req = await signPut('up/video.mp4', 100);
    const url = new URL(req.url, 'http://local');
    const base = requestFor(req, Buffer.alloc(10));
    const withQuery = (name: string, value: string | null): URLSearchParams => {
      const q = new URLSearchParams(url.searchParams);
      if (value === null) q.delete(name);
      else q.set(name, value);
      return q;
    };
    const sig = url.searchParams.get('X-Vodkit-Signature')!;
    const tampered: Array<[string, Partial<IncomingSignedRequest>]> = [
      ['method', { method: 'POST' }],
      ['bucket', { path: url.pathname.replace('/s3/sources/', '/s3/other/') }],
      ['key', { path: url.pathname.replace('video.mp4', 'video2.mp4') }],
      ['content type', { headers: { ...base.headers, 'content-type': 'video/webm' } }],
      ['missing content type', { headers: { 'content-length': '10' } }],
      ['max size', { query: withQuery('X-Vodkit-Max-Size', '1000000') }],
      ['expiry', { query: withQuery('X-Vodkit-Expires', String(Number(url.searchParams.get('X-Vodkit-Expires')) + 3600)) }],
      ['signature', { query: withQuery('X-Vodkit-Signature', (sig[0] === 'a' ? 'b' : 'a') + sig.slice(1)) }],
      ['garbled signature', { query: withQuery('X-Vodkit-Signature', 'not-hex') }],
      ['missing signature', { query: withQuery('X-Vodkit-Signature', null) }],
      ['added uploadId', { query: (() => { const q = withQuery('uploadId', '0'.repeat(32)); q.set('partNumber', '1'); return q; })() }],
    ];
    for (const [what, change] of tampered) {
      await expect(store.receiveSignedRequest({ ...requestFor(req, Buffer.alloc(10)), ...change }), what).rejects.toBeInstanceOf(
        SignatureMismatchError,
      );
    }
    // Part URLs: uploadId and partNumber are signed too.
    const { uploadId } = await store.createMultipartUpload('up/big.mp4', { contentType: 'video/mp4', maxSize: 10_000 });
    const other = await store.createMultipartUpload('up/big.mp4', { contentType: 'video/mp4', maxSize: 10_000 });
    const part = await store.signUploadPart('up/big.mp4', uploadId, 2, { expiresInSec: 600, maxSize: 2000 });
    const partUrl = new URL(part.url, 'http://local');
    for (const [name, value] of [
      ['uploadId', other.uploadId],
      ['partNumber', '3'],
    ]) {
      const q = new URLSearchParams(partUrl.searchParams);
      q.set(name, value);
      await expect(store.receiveSignedRequest({ ...requestFor(part, Buffer.alloc(10)), query: q }), name).rejects.toBeInstanceOf(
        SignatureMismatchError,
      );
    }
    expect(await store.listParts('up/big.mp4', uploadId)).toEqual([]);
    expect(await store.list('')).toEqual([]);
    expect(events).toEqual([]);
  });

  it('refuses an expired URL with AccessDeniedError "Request has expired", after checking the signature', async () => {
    const req = await signPut('up/late.mp4', 100);
    clock.advance(600 * 1000); // exactly at expiry: still valid
    const ok = await store.receiveSignedRequest(requestFor(req, Buffer.alloc(10)));
    expect(ok.status).toBe(200);
    clock.advance(1000);
    const late = store.receiveSignedRequest(requestFor(req, Buffer.alloc(10)));
    await expect(late).rejects.toBeInstanceOf(AccessDeniedError);
    await expect(store.receiveSignedRequest(requestFor(req, Buffer.alloc(10)))).rejects.toThrow('Request has expired');
    // Changing the expiry of an expired URL only ever yields a signature mismatch.
    const q = new URL(req.url, 'http://local').searchParams;
    q.set('X-Vodkit-Expires', String(Number(q.get('X-Vodkit-Expires')) + 86_400));
    await expect(store.receiveSignedRequest({ ...requestFor(req, Buffer.alloc(10)), query: q })).rejects.toBeInstanceOf(
      SignatureMismatchError,
    );
  });

  it('answers 403 over HTTP when the Content-Type differs from the signed one', async () => {
    const server = await serveSignedUploads(store);
    try {
      const req = await signPut('up/typed.mp4', 100);
      const wrong = await performHttp(server.baseUrl, { ...req, headers: { 'Content-Type': 'text/html' } }, Buffer.alloc(10));
      expect(wrong.status).toBe(403);
      expect(JSON.parse(wrong.body)).toMatchObject({ code: 'SignatureDoesNotMatch' });
      expect(await store.head('up/typed.mp4')).toBeNull();
      const right = await performHttp(server.baseUrl, req, Buffer.alloc(10));
      expect(right.status).toBe(200);
    } finally {
      await server.close();
    }
  });

  it('refuses a declared Content-Length over the limit before reading the body', async () => {
    const req = await signPut('up/too-big.mp4', 100);
    const { body, wasRead } = untouchedBody();
    await expect(store.receiveSignedRequest(requestFor(req, body, { 'Content-Length': '101' }))).rejects.toBeInstanceOf(
      EntityTooLargeError,
    );
    expect(wasRead()).toBe(false);
  });

  it('cuts off a body larger than allowed (chunked, or lying Content-Length) and leaves nothing behind', async () => {
    const req = await signPut('up/liar.mp4', 100_000);
    const chunked = Readable.from((function* () {
      for (let i = 0; i < 40; i++) yield testBytes(4096, i); // 160 KiB
    })());
    await expect(store.receiveSignedRequest(requestFor(req, chunked))).rejects.toBeInstanceOf(EntityTooLargeError);
    const lying = requestFor(req, testBytes(5000, 2), { 'Content-Length': '1000' });
    await expect(store.receiveSignedRequest(lying)).rejects.toBeInstanceOf(EntityTooLargeError);
    const short = requestFor(req, testBytes(500, 2), { 'Content-Length': '1000' });
    await expect(store.receiveSignedRequest(short)).rejects.toBeInstanceOf(ValidationError);
    expect(await store.head('up/liar.mp4')).toBeNull();
    expect(await filesUnder(root)).toEqual([]);
    expect(events).toEqual([]);
  });

  it('leaves the request stream undestroyed when it stops reading, so the HTTP layer can drain it', async () => {
    const req = await signPut('up/drain.mp4', 1000);
    let produced = 0;
    const body = Readable.from((function* () {
      for (let i = 0; i < 64; i++) {
        produced += 4096;
        yield testBytes(4096, i); // 256 KiB, far more than the stream buffers hold
      }
    })());
    await expect(store.receiveSignedRequest(requestFor(req, body))).rejects.toBeInstanceOf(EntityTooLargeError);
    expect(body.destroyed).toBe(false);
    expect(produced).toBeLessThan(64 * 4096);
    const drained = new Promise((resolve) => body.on('end', resolve));
    body.resume();
    await drained;
    expect(produced).toBe(64 * 4096);
  });

  it('rethrows a listener error after the object is stored intact', async () => {
    store.setObjectCreatedListener(async () => {
      throw new Error('queue down');
    });
    const req = await signPut('up/kept.mp4', 100);
    const body = testBytes(64, 5);
    await expect(store.receiveSignedRequest(requestFor(req, body))).rejects.toThrow('queue down');
    const head = await store.head('up/kept.mp4');
    expect(head).toMatchObject({ size: 64, contentType: 'video/mp4', etag: expect.stringMatching(/^[0-9a-f]{32}$/) });
    expect((await readAll((await store.get('up/kept.mp4')).body)).equals(body)).toBe(true);
  });

  it('enforces multipart rules: part ETags, minimum part size, total size; emits one CompleteMultipartUpload event', async () => {
    const key = 'mp/movie.mov';
    const { uploadId } = await store.createMultipartUpload(key, { contentType: 'video/quicktime', maxSize: 2800 });
    const put = async (n: number, body: Buffer) => {
      const req = await store.signUploadPart(key, uploadId, n, { expiresInSec: 600, maxSize: 2000 });
      expect(req.headers['Content-Type']).toBe('video/quicktime');
      return store.receiveSignedRequest(requestFor(req, body));
    };
    const small = testBytes(500, 1);
    const a = await put(1, small);
    const b = await put(2, testBytes(1500, 2));
    expect(events).toEqual([]);
    await expect(
      store.completeMultipartUpload(key, uploadId, [{ partNumber: 1, etag: a.etag }, { partNumber: 2, etag: b.etag }]),
    ).rejects.toThrow(/at least 1024 bytes/);
    const a2 = await put(1, testBytes(1400, 3));
    await expect(
      store.completeMultipartUpload(key, uploadId, [{ partNumber: 1, etag: a.etag }, { partNumber: 2, etag: b.etag }]),
    ).rejects.toThrow(/ETag does not match/);
    await expect(
      store.completeMultipartUpload(key, uploadId, [{ partNumber: 1, etag: a2.etag }, { partNumber: 2, etag: b.etag }]),
    ).rejects.toBeInstanceOf(EntityTooLargeError);
    await expect(
      store.completeMultipartUpload(key, uploadId, [{ partNumber: 1, etag: a2.etag }, { partNumber: 5, etag: b.etag }]),
    ).rejects.toBeInstanceOf(ValidationError);
    const c = await put(3, testBytes(100, 4));
    const info = await store.completeMultipartUpload(key, uploadId, [
      { partNumber: 1, etag: a2.etag },
      { partNumber: 3, etag: c.etag },
    ]);
    const expectedEtag = createHash('md5')
      .update(Buffer.concat([Buffer.from(a2.etag.replace(/"/g, ''), 'hex'), Buffer.from(c.etag.replace(/"/g, ''), 'hex')]))
      .digest('hex');
    expect(info).toMatchObject({ size: 1500, etag: `${expectedEtag}-2`, contentType: 'video/quicktime' });
    expect((await readAll((await store.get(key)).body)).equals(Buffer.concat([testBytes(1400, 3), testBytes(100, 4)]))).toBe(true);
    expect(events).toHaveLength(1);
    expect(events[0].Records[0]).toMatchObject({
      eventName: 'ObjectCreated:CompleteMultipartUpload',
      s3: { object: { key: 'mp/movie.mov', size: 1500, eTag: `${expectedEtag}-2` } },
    });
    expect(await filesUnder(join(root, '.vodkit', 'uploads'))).toEqual([]);
    expect(await filesUnder(join(root, '.vodkit', 'tmp'))).toEqual([]);
  });

  it('keeps multipart uploads across a restart', async () => {
    const key = 'mp/restart.mp4';
    const { uploadId } = await store.createMultipartUpload(key, { contentType: 'video/mp4', maxSize: 10_000 });
    const req = await store.signUploadPart(key, uploadId, 1, { expiresInSec: 600, maxSize: 2000 });
    const res = await store.receiveSignedRequest(requestFor(req, testBytes(2000, 8)));
    const reopened = await LocalDiskObjectStore.open({ root, bucket: 'sources', signer: new UrlSigner({ secret: SECRET, clock }), clock });
    expect(await reopened.listParts(key, uploadId)).toEqual([{ partNumber: 1, etag: res.etag.replace(/"/g, ''), size: 2000 }]);
    await expect(reopened.listParts('mp/other-key.mp4', uploadId)).rejects.toBeInstanceOf(NotFoundError);
    const info = await reopened.completeMultipartUpload(key, uploadId, [{ partNumber: 1, etag: res.etag }]);
    expect(info.size).toBe(2000);
  });

  it('refuses path traversal everywhere and never writes outside root', async () => {
    await writeFile(join(temp.dir, 'outside.txt'), 'keep');
    const before = await filesUnder(temp.dir);
    for (const key of [...BAD_KEYS, '.vodkit/meta/x', '.vodkit']) {
      await expect(store.put(key, Buffer.from('x'))).rejects.toBeInstanceOf(ValidationError);
    }
    const req = await signPut('up/fine.mp4', 10);
    const url = new URL(req.url, 'http://local');
    for (const path of ['/s3/sources/..%2F..%2Foutside.txt', '/s3/sources/up/%2e%2e/%2e%2e/outside.txt', '/s3/sources/up%5C..%5Cx', '/other/sources/x']) {
      const attempt = store.receiveSignedRequest({ ...requestFor(req, Buffer.from('overwritten')), path, query: url.searchParams });
      await expect(attempt).rejects.toSatisfy((err) => err instanceof ValidationError || err instanceof SignatureMismatchError);
    }
    expect(await readFile(join(temp.dir, 'outside.txt'), 'utf8')).toBe('keep');
    expect(await filesUnder(temp.dir)).toEqual(before);
  });

  it('lists nothing from its system folder and refuses a key that is also a folder', async () => {
    await store.put('x/y.ts', Buffer.from('1'));
    expect((await store.list('')).map((o) => o.key)).toEqual(['x/y.ts']);
    expect(await store.list('.vodkit/')).toEqual([]);
    await expect(store.put('x', Buffer.from('2'))).rejects.toThrow(/conflicts/);
    expect(await filesUnder(join(root, '.vodkit', 'tmp'))).toEqual([]);
  });

  it('gives every version a new ETag, identical bytes included, and keeps it for every read of that version', async () => {
    const first = await store.put('e/obj.bin', Buffer.from('same bytes'));
    const second = await store.put('e/obj.bin', Buffer.from('same bytes'));
    expect(second.etag).not.toBe(first.etag);
    const reopened = await LocalDiskObjectStore.open({ root, bucket: 'sources', signer: new UrlSigner({ secret: SECRET, clock }), clock });
    expect((await reopened.head('e/obj.bin'))?.etag).toBe(second.etag);
    expect((await reopened.list('e/'))[0].etag).toBe(second.etag);
  });

  it('checks a Content-MD5 or x-amz-checksum-sha256 sent with a signed PUT or part, and stores nothing that differs', async () => {
    const body = testBytes(100, 9);
    const b64 = (name: 'md5' | 'sha256', bytes: Buffer) => createHash(name).update(bytes).digest('base64');
    const withHeaders = async (key: string, headers: Record<string, string>, sent = body) => {
      const req = requestFor(await signPut(key, 100), sent);
      return store.receiveSignedRequest({ ...req, headers: { ...req.headers, ...headers } });
    };
    await expect(withHeaders('c/md5.mp4', { 'Content-MD5': b64('md5', body) })).resolves.toMatchObject({ status: 200 });
    await expect(withHeaders('c/sha.mp4', { 'x-amz-checksum-sha256': b64('sha256', body) })).resolves.toMatchObject({ status: 200 });
    await expect(
      withHeaders('c/both.mp4', { 'content-md5': b64('md5', body), 'X-Amz-Checksum-Sha256': b64('sha256', body) }),
    ).resolves.toMatchObject({ status: 200 });
    const changed = Buffer.from(body);
    changed[50] ^= 1;
    await expect(withHeaders('c/bad-md5.mp4', { 'Content-MD5': b64('md5', body) }, changed)).rejects.toThrow(/does not match its content-md5/);
    await expect(
      withHeaders('c/bad-sha.mp4', { 'Content-MD5': b64('md5', changed), 'x-amz-checksum-sha256': b64('sha256', body) }, changed),
    ).rejects.toThrow(/does not match its x-amz-checksum-sha256/);
    await expect(withHeaders('c/malformed.mp4', { 'Content-MD5': 'not base64!' })).rejects.toBeInstanceOf(ValidationError);
    await expect(withHeaders('c/short.mp4', { 'Content-MD5': Buffer.alloc(8).toString('base64') })).rejects.toBeInstanceOf(ValidationError);
    for (const key of ['c/bad-md5.mp4', 'c/bad-sha.mp4', 'c/malformed.mp4', 'c/short.mp4']) expect(await store.head(key)).toBeNull();
    expect(events.map((e) => e.Records[0].s3.object.key)).toEqual(['c/md5.mp4', 'c/sha.mp4', 'c/both.mp4']);

    const key = 'c/parts.mp4';
    const { uploadId } = await store.createMultipartUpload(key, { contentType: 'video/mp4', maxSize: 10_000 });
    const part = requestFor(await store.signUploadPart(key, uploadId, 1, { expiresInSec: 600, maxSize: 100 }), changed);
    await expect(store.receiveSignedRequest({ ...part, headers: { ...part.headers, 'Content-MD5': b64('md5', body) } })).rejects.toThrow(/content-md5/);
    expect(await store.listParts(key, uploadId)).toEqual([]);
    expect(await filesUnder(join(root, '.vodkit', 'tmp'))).toEqual([]);
  });

  it('falls back to a recomputed ETag when the sidecar metadata is stale', async () => {
    await store.put('s/obj.bin', Buffer.from('hello'), { contentType: 'text/plain' });
    await writeFile(join(root, 's', 'obj.bin'), 'changed behind our back');
    const head = await store.head('s/obj.bin');
    expect(head).toMatchObject({ size: 23, etag: md5('changed behind our back'), contentType: 'application/octet-stream' });
  });

  it('sees objects another process replaced, even at the same size and straight after reading them', async () => {
    // Two stores on one folder, as `vodkit serve` and `vodkit worker` on one machine.
    const other = await LocalDiskObjectStore.open({ root, bucket: 'sources', signer: new UrlSigner({ secret: SECRET, clock }), clock });
    for (let round = 0; round < 20; round++) {
      const body = `version ${String(round).padStart(3, '0')}`;
      const put = await other.put('x/obj.m4s', Buffer.from(body), { contentType: round % 2 ? 'video/iso.segment' : 'video/mp4' });
      const got = await store.get('x/obj.m4s');
      expect((await readAll(got.body)).toString()).toBe(body);
      expect(got.info).toMatchObject({ etag: put.etag, contentType: round % 2 ? 'video/iso.segment' : 'video/mp4' });
    }
  });
});
