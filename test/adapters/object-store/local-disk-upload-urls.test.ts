import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalDiskObjectStore } from '../../../src/adapters/object-store/local-disk/local-disk-object-store.ts';
import { UrlSigner } from '../../../src/core/upload/url-signer.ts';
import { systemClock } from '../../../src/core/ports/clock.ts';
import type { S3Event } from '../../../src/core/ports/object-store.ts';
import { normalizeEtag } from '../../../src/core/ports/object-store.ts';
import { AccessDeniedError, PreconditionFailedError } from '../../../src/core/errors.ts';
import { readAll, testBytes } from '../../conformance/object-store-suite.ts';
import { makeTempDir } from '../../support/temp-dir.ts';
import { filesUnder, requestFor, SECRET, untouchedBody } from './local-disk-requests.ts';

describe('LocalDiskObjectStore upload URLs: single use, revocable', () => {
  let temp: { dir: string; cleanup: () => Promise<void> };
  let root: string;
  let store: LocalDiskObjectStore;
  let events: S3Event[];
  let open: Set<string>;
  /** Keys asked about, in order (the store asks before reading a body and before storing it). */
  let asked: string[];

  beforeEach(async () => {
    temp = await makeTempDir('vodkit-local-upload-urls-');
    root = join(temp.dir, 'root');
    events = [];
    open = new Set();
    asked = [];
    store = await LocalDiskObjectStore.open({
      root,
      bucket: 'sources',
      signer: new UrlSigner({ secret: SECRET, clock: systemClock }),
      clock: systemClock,
      minPartSize: 1024,
      onObjectCreated: async (event) => {
        events.push(event);
      },
      acceptsUpload: async (key) => {
        asked.push(key);
        return open.has(key);
      },
    });
  });
  afterEach(async () => {
    await temp.cleanup();
  });

  const nothingLeft = async () => {
    expect(await filesUnder(join(root, '.vodkit', 'tmp'))).toEqual([]);
  };

  it('a signed PUT URL stores one file, once: a second PUT is refused and the first object stays', async () => {
    open.add('v/clip.mp4');
    const req = await store.signUpload('v/clip.mp4', { contentType: 'video/mp4', maxSize: 100, expiresInSec: 600 });
    const first = testBytes(100, 1);
    expect((await store.receiveSignedRequest(requestFor(req, first))).status).toBe(200);
    const second = untouchedBody();
    const refused = store.receiveSignedRequest(requestFor(req, second.body));
    await expect(refused).rejects.toBeInstanceOf(AccessDeniedError);
    await expect(store.receiveSignedRequest(requestFor(req, testBytes(100, 2)))).rejects.toThrow(/already used/);
    expect(second.wasRead()).toBe(false);
    expect((await readAll((await store.get('v/clip.mp4')).body)).equals(first)).toBe(true);
    expect(events).toHaveLength(1);
    await nothingLeft();
  });

  it('of two PUTs racing with one URL exactly one is stored', async () => {
    open.add('v/race.mp4');
    const req = await store.signUpload('v/race.mp4', { contentType: 'video/mp4', maxSize: 50_000, expiresInSec: 600 });
    const bodies = [testBytes(50_000, 3), testBytes(50_000, 4)];
    const results = await Promise.allSettled(bodies.map((b) => store.receiveSignedRequest(requestFor(req, b))));
    const won = results.findIndex((r) => r.status === 'fulfilled');
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const lost = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(lost.reason).toBeInstanceOf(AccessDeniedError);
    expect((await readAll((await store.get('v/race.mp4')).body)).equals(bodies[won])).toBe(true);
    expect(events).toHaveLength(1);
    await nothingLeft();
  });

  it('a revoked URL (its video deleted or done) is refused before its body is read, single PUT and part alike', async () => {
    const req = await store.signUpload('v/gone.mp4', { contentType: 'video/mp4', maxSize: 100, expiresInSec: 600 });
    const { uploadId } = await store.createMultipartUpload('v/gone-mp.mp4', { contentType: 'video/mp4', maxSize: 10_000 });
    const part = await store.signUploadPart('v/gone-mp.mp4', uploadId, 1, { expiresInSec: 600, maxSize: 2000 });
    for (const signed of [req, part]) {
      const body = untouchedBody();
      await expect(store.receiveSignedRequest(requestFor(signed, body.body))).rejects.toThrow(/no longer valid/);
      expect(body.wasRead()).toBe(false);
    }
    expect(asked).toEqual(['v/gone.mp4', 'v/gone-mp.mp4']);
    expect(await store.head('v/gone.mp4')).toBeNull();
    expect(await store.listParts('v/gone-mp.mp4', uploadId)).toEqual([]);
    expect(events).toEqual([]);
    await nothingLeft();
  });

  it('a URL revoked while its body arrives stores nothing', async () => {
    for (const multipart of [false, true]) {
      const key = multipart ? 'v/late-mp.mp4' : 'v/late.mp4';
      open.add(key);
      const uploadId = multipart ? (await store.createMultipartUpload(key, { contentType: 'video/mp4', maxSize: 10_000 })).uploadId : '';
      const signed = multipart
        ? await store.signUploadPart(key, uploadId, 1, { expiresInSec: 600, maxSize: 2000 })
        : await store.signUpload(key, { contentType: 'video/mp4', maxSize: 2000, expiresInSec: 600 });
      // The video is deleted once the first half of the body is in.
      const body = Readable.from(
        (async function* () {
          yield testBytes(1000, 5);
          open.delete(key);
          yield testBytes(1000, 6);
        })(),
      );
      await expect(store.receiveSignedRequest(requestFor(signed, body))).rejects.toThrow(/no longer valid/);
      expect(await store.head(key)).toBeNull();
      if (multipart) expect(await store.listParts(key, uploadId)).toEqual([]);
    }
    expect(events).toEqual([]);
    await nothingLeft();
  });

  it('pins across file systems with a copy (when /dev/shm is another one)', async (ctx) => {
    const shm = await stat('/dev/shm').catch(() => null);
    if (!shm || shm.dev === (await stat(root)).dev) {
      console.warn('SKIPPED: no second file system at /dev/shm to pin across');
      ctx.skip();
    }
    const shmDir = await mkdtemp('/dev/shm/vodkit-pin-');
    try {
      const body = testBytes(100_000, 7);
      const v1 = await store.put('v/copied.mp4', body, { contentType: 'video/mp4' });
      const pinned = join(shmDir, 'source');
      expect(normalizeEtag((await store.pinToFile('v/copied.mp4', pinned, { etag: v1.etag })).etag)).toBe(normalizeEtag(v1.etag));
      await store.put('v/copied.mp4', testBytes(100_000, 8));
      expect((await readFile(pinned)).equals(body)).toBe(true);
      await expect(store.pinToFile('v/copied.mp4', join(shmDir, 'stale'), { etag: v1.etag })).rejects.toBeInstanceOf(PreconditionFailedError);
      await expect(stat(join(shmDir, 'stale'))).rejects.toMatchObject({ code: 'ENOENT' });
    } finally {
      await rm(shmDir, { recursive: true, force: true });
    }
  });
});
