import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../support/api-client.ts';
import { startS3rver, type S3rverHandle } from '../support/s3rver.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { testBytes } from '../conformance/object-store-suite.ts';
import type { ConfigFlags } from '../../src/config/config.ts';

/**
 * Completing a multipart upload through the API with a wrong list of parts (a part left out) is
 * refused before anything is assembled: the video stays `uploading`, nothing is stored, no job is
 * queued, and the right list (after listing the parts and sending one again) completes it.
 */
const MIB = 1024 * 1024;
const PART = 5 * MIB;

let s3: S3rverHandle;
beforeAll(async () => {
  s3 = await startS3rver();
  // The S3 adapter reads its credentials the standard way.
  process.env.AWS_ACCESS_KEY_ID = s3.credentials.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = s3.credentials.secretAccessKey;
});
afterAll(async () => {
  await s3?.stop();
});

const stores: Array<[string, () => ConfigFlags]> = [
  ['local disk', () => ({})],
  [
    'S3 (s3rver)',
    () => ({
      storage: `s3://${s3.bucket}/mp-${Date.now()}?endpoint=${encodeURIComponent(s3.endpoint)}&forcePathStyle=true&region=${s3.region}`,
    }),
  ],
];

describe.each(stores)('multipart completion through the API: %s', (_name, flags) => {
  let server: TestServer;
  let api: ApiClient;
  beforeAll(async () => {
    server = await startTestServer({ worker: false, flags: { partSizeBytes: PART, ...flags() } });
    api = new ApiClient(server.url, server.token);
  });
  afterAll(async () => server?.stop());

  async function putPart(id: string, uploadId: string, partNumber: number, body: Buffer): Promise<string> {
    const signed = await api.request('POST', `/api/v1/uploads/${id}/parts`, { uploadId, partNumbers: [partNumber] });
    expect(signed.status, JSON.stringify(signed.json)).toBe(200);
    const { url, headers } = signed.json.parts[0];
    const res = await fetch(url, { method: 'PUT', headers, body: new Uint8Array(body) });
    expect(res.status, await res.clone().text()).toBe(200);
    await res.arrayBuffer();
    return (res.headers.get('etag') ?? '').replace(/"/g, '');
  }

  it('a complete with parts 1 and 3 of 3 → 400, the upload is left as it was; the right complete then succeeds', async () => {
    const parts = [testBytes(PART, 1), testBytes(PART, 2), testBytes(1_000_003, 3)];
    const whole = Buffer.concat(parts);
    const created = await api.request('POST', '/api/v1/uploads', { filename: 'long.mp4', size: whole.length, contentType: 'video/mp4', multipart: true });
    expect(created.status, JSON.stringify(created.json)).toBe(201);
    const id: string = created.json.video.id;
    const { uploadId, partCount } = created.json.upload;
    expect(partCount).toBe(3);
    const etags: string[] = [];
    for (const [i, body] of parts.entries()) etags.push(await putPart(id, uploadId, i + 1, body));
    const sourceKey = (await server.rt.catalog.getVideo(id))!.sourceKey;

    const subset = await api.request('POST', `/api/v1/uploads/${id}/complete`, {
      uploadId,
      parts: [
        { partNumber: 1, etag: etags[0] },
        { partNumber: 3, etag: etags[2] },
      ],
    });
    expect(subset.status, JSON.stringify(subset.json)).toBe(400);
    expect(subset.json.error.code).toBe('ValidationError');
    expect(subset.json.error.message).toMatch(/add up to/);

    // Nothing happened: still uploading, nothing stored, no job, every part still listed.
    const after = await api.request('GET', `/api/v1/videos/${id}`);
    expect(after.json).toMatchObject({ status: 'uploading', error: null });
    expect(await server.rt.sources.head(sourceKey)).toBeNull();
    const jobs = async () => Object.values(await server.rt.queue.counts()).reduce((a, b) => a + b, 0);
    expect(await jobs()).toBe(0);
    const listed = await api.request('GET', `/api/v1/uploads/${id}/parts?uploadId=${encodeURIComponent(uploadId)}`);
    expect(listed.status).toBe(200);
    expect(listed.json.parts.map((p: { partNumber: number; size: number }) => [p.partNumber, p.size])).toEqual([
      [1, PART],
      [2, PART],
      [3, 1_000_003],
    ]);

    // Resume as a client would: send a part again, then complete with every part.
    etags[1] = await putPart(id, uploadId, 2, parts[1]);
    const done = await api.request('POST', `/api/v1/uploads/${id}/complete`, {
      uploadId,
      parts: etags.map((etag, i) => ({ partNumber: i + 1, etag })),
    });
    expect(done.status, JSON.stringify(done.json)).toBe(200);
    expect(done.json.video.status).toBe('queued');
    expect(await jobs()).toBe(1);
    const stored = await server.rt.sources.get(sourceKey);
    const hash = createHash('sha256');
    for await (const chunk of stored.body) hash.update(chunk as Buffer);
    expect(hash.digest('hex')).toBe(createHash('sha256').update(whole).digest('hex'));
  });
});
