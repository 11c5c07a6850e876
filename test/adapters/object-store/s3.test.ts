import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { S3ObjectStore } from '../../../src/adapters/object-store/s3/s3-object-store.ts';
import { TransientError, ValidationError } from '../../../src/core/errors.ts';
import { objectStoreConformance, readAll } from '../../conformance/object-store-suite.ts';
import { startS3rver } from '../../support/s3rver.ts';
import type { S3rverHandle } from '../../support/s3rver.ts';
import { performHttp } from './signed-http.ts';

let s3: S3rverHandle;
beforeAll(async () => {
  s3 = await startS3rver();
});
afterAll(async () => {
  await s3?.stop();
});

function makeStore(options: { prefix?: string; pageSize?: number } = {}): S3ObjectStore {
  return new S3ObjectStore({
    bucket: s3.bucket,
    prefix: options.prefix ?? `t-${randomBytes(6).toString('hex')}/`,
    region: s3.region,
    endpoint: s3.endpoint,
    forcePathStyle: true,
    credentials: s3.credentials,
    partSize: 5 * 1024 * 1024,
    pageSize: options.pageSize,
  });
}

// Each test gets its own key prefix in the shared s3rver bucket.
objectStoreConformance('S3 (s3rver)', async () => {
  const store = makeStore();
  return {
    store,
    // s3rver does not enforce S3's 5 MiB minimum part size: smaller parts keep the test light.
    minPartSize: 256 * 1024,
    perform: (req, body) => performHttp(s3.endpoint, req, body),
    cleanup: async () => {
      for (const info of await store.list('')) await store.delete(info.key);
      expect(await store.list('')).toEqual([]);
      store.close();
    },
  };
});

describe('S3ObjectStore (S3 only)', () => {
  it('stores keys under its prefix and maps bucket keys back', async () => {
    const store = makeStore({ prefix: 'tenant-a/media/' });
    const other = makeStore({ prefix: 'tenant-b/media/' });
    try {
      await store.put('v/1.ts', Buffer.from('a'));
      const raw = new S3Client({ region: s3.region, endpoint: s3.endpoint, forcePathStyle: true, credentials: s3.credentials });
      const listed = await raw.send(new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: 'tenant-a/' }));
      raw.destroy();
      expect(listed.Contents?.map((c) => c.Key)).toEqual(['tenant-a/media/v/1.ts']);
      expect(await other.head('v/1.ts')).toBeNull();
      expect(await other.list('')).toEqual([]);
      expect(store.toStoreKey('tenant-a/media/v/1.ts')).toBe('v/1.ts');
      expect(store.toStoreKey('tenant-b/media/v/1.ts')).toBeNull();
      expect(store.toStoreKey('tenant-a/media/')).toBeNull();
      expect(await store.deletePrefix('v/')).toBe(1);
    } finally {
      store.close();
      other.close();
    }
  });

  it('paginates listings and deletes in batches', async () => {
    const store = makeStore({ pageSize: 2 });
    try {
      const keys = ['k/e', 'k/a', 'k/d', 'k/c', 'k/b'];
      for (const key of keys) await store.put(key, Buffer.from(key));
      expect((await store.list('k/')).map((o) => o.key)).toEqual(['k/a', 'k/b', 'k/c', 'k/d', 'k/e']);
      expect(await store.deletePrefix('k/')).toBe(5);
      expect(await store.list('k/')).toEqual([]);
    } finally {
      store.close();
    }
  });

  it('presigns a PUT with Content-Type and Content-Length signed', async () => {
    const store = makeStore();
    try {
      const req = await store.signUpload('up/clip.mp4', { contentType: 'video/mp4', maxSize: 1234, expiresInSec: 300 });
      const url = new URL(req.url);
      expect(url.origin).toBe(s3.endpoint);
      expect(url.searchParams.get('X-Amz-SignedHeaders')?.split(';').sort()).toEqual(['content-length', 'content-type', 'host']);
      expect(url.searchParams.get('X-Amz-Expires')).toBe('300');
      expect([...url.searchParams.keys()].some((k) => k.toLowerCase().startsWith('x-amz-checksum'))).toBe(false);
      expect(req.headers).toEqual({ 'Content-Type': 'video/mp4', 'Content-Length': '1234' });
      const part = await store.signUploadPart('up/clip.mp4', 'some-upload-id', 2, { expiresInSec: 300, maxSize: 99 });
      const partUrl = new URL(part.url);
      expect(partUrl.searchParams.get('uploadId')).toBe('some-upload-id');
      expect(partUrl.searchParams.get('partNumber')).toBe('2');
      expect(partUrl.searchParams.get('X-Amz-SignedHeaders')?.split(';').sort()).toEqual(['content-length', 'host']);
    } finally {
      store.close();
    }
  });

  it('presigns a GET that downloads the object', async () => {
    const store = makeStore();
    try {
      await store.put('dl/poster.jpg', Buffer.from('jpeg bytes'), { contentType: 'image/jpeg' });
      const url = await store.signDownload('dl/poster.jpg', { expiresInSec: 60 });
      const res = await fetch(url!);
      expect(res.status).toBe(200);
      expect(await res.text()).toBe('jpeg bytes');
    } finally {
      store.close();
    }
  });

  it('keeps the content type through a streamed multipart put', async () => {
    const store = makeStore();
    try {
      const { Readable } = await import('node:stream');
      const chunks = Array.from({ length: 11 }, (_, i) => Buffer.alloc(1024 * 1024, i));
      const info = await store.put('big/seg.ts', Readable.from(chunks), { contentType: 'video/mp2t' });
      expect(info.size).toBe(11 * 1024 * 1024);
      const head = await store.head('big/seg.ts');
      expect(head).toMatchObject({ size: 11 * 1024 * 1024, contentType: 'video/mp2t' });
      const tail = await store.get('big/seg.ts', { start: 11 * 1024 * 1024 - 3 });
      expect([...(await readAll(tail.body))]).toEqual([10, 10, 10]);
    } finally {
      store.close();
    }
  });

  it('maps an unreachable endpoint to TransientError', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const store = new S3ObjectStore({
      bucket: 'nowhere',
      region: 'us-east-1',
      endpoint: `http://127.0.0.1:${port}`,
      forcePathStyle: true,
      credentials: s3.credentials,
    });
    try {
      await expect(store.head('a/b')).rejects.toBeInstanceOf(TransientError);
      await expect(store.put('a/b', Buffer.from('x'))).rejects.toBeInstanceOf(TransientError);
      await expect(store.list('a/')).rejects.toBeInstanceOf(TransientError);
    } finally {
      store.close();
    }
  });

  it('refuses bad options', () => {
    const base = { bucket: 'b', region: 'us-east-1' };
    expect(() => new S3ObjectStore({ ...base, prefix: 'no-slash' })).toThrow(ValidationError);
    expect(() => new S3ObjectStore({ ...base, prefix: '../x/' })).toThrow(ValidationError);
    expect(() => new S3ObjectStore({ ...base, partSize: 1024 })).toThrow(ValidationError);
    expect(() => new S3ObjectStore({ ...base, pageSize: 5000 })).toThrow(ValidationError);
  });
});
