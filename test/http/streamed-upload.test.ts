import { createHash } from 'node:crypto';
import { request } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normalizeEtag } from '../../src/core/ports/object-store.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

const MIB = 1024 * 1024;
const SIZE = 2048 * MIB;
/** A generous bound: the server and this client share the process; a body held in memory would add 2 GiB. */
const MAX_RSS_GROWTH = 300 * MIB;

/** `size` bytes: an MP4 file-type box, then a 1 MiB block of varied bytes over and over, never held whole. */
function generatedBody(size: number): Readable {
  const block = Buffer.alloc(MIB);
  for (let i = 0; i < block.length; i++) block[i] = (i * 131 + (i >> 9)) & 0xff;
  Buffer.from('0000001c667479706d703432000000006d70343269736f6d61766331', 'hex').copy(block);
  return Readable.from(
    (function* () {
      for (let sent = 0; sent < size; sent += block.length) yield Buffer.from(block.subarray(0, Math.min(block.length, size - sent)));
    })(),
  );
}

async function md5Of(stream: Readable): Promise<{ md5: string; size: number }> {
  const hash = createHash('md5');
  let size = 0;
  for await (const chunk of stream) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { md5: hash.digest('hex'), size };
}

/**
 * A 2 GiB upload streamed through the real server (signed PUT, local-disk store): the stored object
 * has every byte, reads report the ETag the PUT answered, and the process's memory stays bounded
 * while it is sent. A body that differs from the Content-MD5 sent with it is refused.
 */
describe('RSS-bounded upload through a stream', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ worker: false, flags: { uploadRateLimit: 0 } });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('stores 2 GiB sent as a stream byte for byte, with the ETag it answered, without holding it in memory', async () => {
    const expected = await md5Of(generatedBody(SIZE));
    const created = await fetch(new URL('/api/v1/uploads', server.url), {
      method: 'POST',
      headers: { Authorization: `Bearer ${server.token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ filename: 'big.mp4', size: SIZE, contentType: 'video/mp4' }),
    });
    expect(created.status).toBe(201);
    const { upload, video } = (await created.json()) as { upload: { url: string; headers: Record<string, string> }; video: { id: string } };

    const before = process.memoryUsage().rss;
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
    const answer = await new Promise<{ status: number; etag: string; text: string }>((resolve, reject) => {
      const req = request(upload.url, { method: 'PUT', headers: { ...upload.headers, 'Content-Length': String(SIZE) } }, (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, etag: String(res.headers.etag ?? ''), text }));
        res.on('error', reject);
      });
      req.on('error', reject);
      pipeline(generatedBody(SIZE), req).catch(reject);
    }).finally(() => clearInterval(sampler));

    expect(answer.status, answer.text).toBe(200);
    expect(normalizeEtag(answer.etag)).toMatch(/^[0-9a-f]{32}$/);
    expect(peak - before, `RSS grew by ${Math.round((peak - before) / MIB)} MiB while 2 GiB were uploaded`).toBeLessThan(MAX_RSS_GROWTH);

    const stored = await server.rt.sources.get((await server.rt.catalog.getVideo(video.id))!.sourceKey);
    expect(stored.info.size).toBe(SIZE);
    expect(normalizeEtag(stored.info.etag)).toBe(normalizeEtag(answer.etag));
    expect(await md5Of(stored.body)).toEqual(expected);
  }, 600_000);

  it('refuses a body that differs from its Content-MD5 (400) and stores nothing', async () => {
    const body = Buffer.from('0000001c667479706d703432000000006d70343269736f6d61766331', 'hex');
    const created = await fetch(new URL('/api/v1/uploads', server.url), {
      method: 'POST',
      headers: { Authorization: `Bearer ${server.token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ filename: 'small.mp4', size: body.length, contentType: 'video/mp4' }),
    });
    const { upload, video } = (await created.json()) as { upload: { url: string; headers: Record<string, string> }; video: { id: string } };
    const other = Buffer.from(body);
    other[27] ^= 1;
    const contentMd5 = createHash('md5').update(other).digest('base64');
    const refused = await fetch(upload.url, { method: 'PUT', headers: { ...upload.headers, 'Content-MD5': contentMd5 }, body });
    expect(refused.status).toBe(400);
    expect(await refused.text()).toMatch(/Content-MD5/i);
    const sourceKey = (await server.rt.catalog.getVideo(video.id))!.sourceKey;
    expect(await server.rt.sources.head(sourceKey)).toBeNull();
    const stored = await fetch(upload.url, { method: 'PUT', headers: { ...upload.headers, 'Content-MD5': createHash('md5').update(body).digest('base64') }, body });
    expect(stored.status).toBe(200);
    expect((await server.rt.sources.head(sourceKey))?.size).toBe(body.length);
  });
});
