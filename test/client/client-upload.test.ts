import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVodkitClient, type UploadProgress, type VodkitClient } from '../../src/client/index.ts';
import { makeClip } from '../support/clips.ts';
import { makeLargeClip } from '../support/large-clip.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { makeTempDir } from '../support/temp-dir.ts';

/** The client's upload helper against a real server: one PUT, parts in parallel, and resuming. */
const PART = 5 * 1024 * 1024;

describe('client uploads', () => {
  let server: TestServer;
  let temp: { dir: string; cleanup: () => Promise<void> };
  let small: string;
  let large: string;
  /** Signed PUTs sent through the client's fetch, by URL, and the most at once. */
  const puts: string[] = [];
  let putsAtOnce = 0;
  /** How many of the next PUTs fail with 503. */
  let failPuts = 0;
  let maxPutsAtOnce = 0;
  const client = (stateDir?: string): VodkitClient =>
    createVodkitClient({
      baseUrl: server.url,
      token: server.token,
      stateDir,
      fetch: (input, init) => {
        const method = init?.method ?? (input instanceof Request ? input.method : 'GET');
        if (method !== 'PUT') return fetch(input, init);
        puts.push(String(input instanceof Request ? input.url : input));
        if (failPuts > 0) {
          // The store fails this part (its body is dropped unread): the client sends it again.
          failPuts--;
          void (init?.body as ReadableStream | undefined)?.cancel();
          return Promise.resolve(Response.json({ error: { code: 'ServiceUnavailable', message: 'the store is busy' } }, { status: 503 }));
        }
        maxPutsAtOnce = Math.max(maxPutsAtOnce, ++putsAtOnce);
        return fetch(input, init).finally(() => putsAtOnce--);
      },
    });

  beforeAll(async () => {
    temp = await makeTempDir('vodkit-client-upload-');
    server = await startTestServer({ flags: { partSizeBytes: PART } });
    small = (await makeClip(temp.dir, 'landscape')).path;
    large = await makeLargeClip(temp.dir);
  });
  afterAll(async () => {
    await server?.stop();
    await temp?.cleanup();
  });

  it('uploads a small file in one PUT and waits until it plays', async () => {
    puts.length = 0;
    const seen: UploadProgress[] = [];
    const api = client();
    const video = await api.upload(small, { title: 'Small one', visibility: 'unlisted', onProgress: (p) => seen.push(p) });
    expect(video.title).toBe('Small one');
    expect(video.visibility).toBe('unlisted');
    expect(video.status).not.toBe('uploading');
    expect(puts).toHaveLength(1);
    const size = (await stat(small)).size;
    expect(seen.at(-1)).toMatchObject({ phase: 'finishing', loaded: size, total: size, partCount: 1 });

    const states: string[] = [];
    const playable = await api.waitUntilPlayable(video.id, { onProgress: (v) => states.push(v.status), intervalMs: 250 });
    expect(playable.video.playable).toBe(true);
    expect(playable.watchUrl).toBe(`${server.url}/watch/${video.id}`);
    expect(states.length).toBeGreaterThan(0);
    const master = await fetch(playable.hls!);
    expect(master.status).toBe(200);
    expect(await master.text()).toContain('#EXTM3U');
  });

  it('uploads a stream of known size', async () => {
    const size = (await stat(small)).size;
    const video = await client().upload({ stream: createReadStream(small), size, filename: 'from-a-stream.mp4' });
    expect(video.title).toBe('from a stream');
    expect(video.status).not.toBe('uploading');
  });

  it('uploads a large file in parts, a few at a time', async () => {
    puts.length = 0;
    maxPutsAtOnce = 0;
    const size = (await stat(large)).size;
    const partCount = Math.ceil(size / PART);
    expect(partCount).toBeGreaterThanOrEqual(3);
    let peak = 0;
    const video = await client().upload(large, {
      onProgress: (p) => {
        expect(p.partCount).toBe(partCount);
        peak = Math.max(peak, p.loaded);
      },
    });
    expect(puts).toHaveLength(partCount);
    expect(maxPutsAtOnce).toBe(3);
    expect(peak).toBe(size);
    const playable = await client().waitUntilPlayable(video.id, { intervalMs: 250 });
    expect(playable.hls).toMatch(/master\.m3u8/);
    // The server assembled exactly the file that was sent.
    const stored = await server.rt.catalog.getVideo(video.id);
    expect(stored?.sourceSize).toBe(size);
  });

  it('sends a part the store failed again', async () => {
    puts.length = 0;
    failPuts = 1;
    const size = (await stat(large)).size;
    const partCount = Math.ceil(size / PART);
    const video = await client().upload(large, { parallelParts: 1 });
    expect(puts).toHaveLength(partCount + 1);
    // Part 1 twice (signed again before the second try), then the others.
    expect(puts.slice(0, 2).map((url) => new URL(url).searchParams.get('partNumber'))).toEqual(['1', '1']);
    expect((await server.rt.catalog.getVideo(video.id))?.status).not.toBe('uploading');

    // A refusal that sending again cannot cure ends the upload with the store's message.
    failPuts = 10;
    const refused = await client().upload(small, {}).catch((err: unknown) => err);
    failPuts = 0;
    expect(refused).toMatchObject({ name: 'VodkitApiError', status: 503, message: 'the store is busy' });
    // Nothing to resume from one PUT: the video that waited for the file is gone.
    expect((await server.rt.catalog.listVideos({ limit: 100, status: ['uploading'] })).items).toEqual([]);
  });

  it('resumes an interrupted multipart upload: parts the server has are not sent again', async () => {
    const state = join(temp.dir, 'state');
    const size = (await stat(large)).size;
    const partCount = Math.ceil(size / PART);
    puts.length = 0;
    const stop = new AbortController();
    const first = client(state).upload(large, {
      title: 'Resumed',
      parallelParts: 1,
      signal: stop.signal,
      onProgress: (p) => {
        if (p.partsDone >= 1) stop.abort(new Error('interrupted on purpose'));
      },
    });
    await expect(first).rejects.toThrow('interrupted on purpose');
    const sentFirst = puts.length;

    // The record names the upload; the server has the parts sent before the interruption.
    const records = JSON.parse(await readFile(join(state, 'uploads.json'), 'utf8'));
    expect(records).toHaveLength(1);
    const [record] = records;
    expect(record).toMatchObject({ server: server.url, path: large, size });
    const { data } = await client().GET('/api/v1/uploads/{id}/parts', {
      params: { path: { id: record.videoId }, query: { uploadId: record.uploadId } as never },
    });
    const had = (data as unknown as { parts: Array<{ partNumber: number }> }).parts.map((p) => p.partNumber);
    expect(had).toContain(1);
    expect(had.length).toBeLessThan(partCount);
    expect(Object.keys(record.parts)).toEqual(expect.arrayContaining(had.map(String)));

    puts.length = 0;
    const resumedFrom: number[] = [];
    const video = await client(state).upload(large, { onProgress: (p) => resumedFrom.push(p.resumedBytes) });
    expect(video.id).toBe(record.videoId);
    expect(video.title).toBe('Resumed');
    expect(puts).toHaveLength(partCount - had.length);
    expect(sentFirst).toBeGreaterThanOrEqual(had.length);
    expect(resumedFrom[0]).toBe(had.length * PART);
    // Done: the record is forgotten, and the next upload of the file is a new video.
    expect(JSON.parse(await readFile(join(state, 'uploads.json'), 'utf8'))).toEqual([]);
    await client().waitUntilPlayable(video.id, { intervalMs: 250 });
  });
});
