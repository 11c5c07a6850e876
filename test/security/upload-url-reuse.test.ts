import { spawn } from 'node:child_process';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import HLS from 'hls-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Encoding } from '../../src/core/ports/encode-backend.ts';
import { ApiClient } from '../support/api-client.ts';
import { startS3rver, type S3rverHandle } from '../support/s3rver.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { makeTempDir } from '../support/temp-dir.ts';
import { jobsFor, settledJobsFor } from '../ops/support/sqlite-jobs.ts';

/**
 * An upload URL stores one file, once, and only while its video waits for it; the transcode job
 * encodes exactly the file it probed, whatever is written to the source's key meanwhile.
 *
 * The clips are solid colours: what was encoded is told by the colour of the poster and of the
 * first frame of the top rendition (red: the upload; blue: the file that tried to replace it).
 */
const FFMPEG = process.env.VODKIT_FFMPEG ?? 'ffmpeg';
type Rgb = [number, number, number];

function ffmpeg(args: string[]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn(FFMPEG, ['-v', 'error', '-nostdin', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(Buffer.concat(out)) : reject(new Error(`ffmpeg exited ${code}: ${err.slice(-2000)}`))));
  });
}

async function solidClip(path: string, colour: string, size: string, seconds: number): Promise<Buffer> {
  await ffmpeg([
    '-f', 'lavfi', '-i', `color=c=${colour}:s=${size}:r=25:d=${seconds}`,
    '-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${seconds}`,
    '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest', '-y', path,
  ]);
  return readFile(path);
}

/** The mean colour of the first picture of a media file. */
async function firstColour(path: string): Promise<Rgb> {
  const px = await ffmpeg(['-i', path, '-frames:v', '1', '-vf', 'scale=1:1', '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1']);
  return [px[0], px[1], px[2]];
}

const isRed = ([r, g, b]: Rgb) => r > 200 && g < 60 && b < 60;

/**
 * The real probe and encode backend, with `afterProbe` called once the first probe (or first look)
 * is done, before the encode starts.
 */
function withProbeSeam(seam: { afterProbe: (() => Promise<void>) | null }): (real: Encoding) => Encoding {
  const after = async <T>(result: T): Promise<T> => {
    const hook = seam.afterProbe;
    seam.afterProbe = null;
    await hook?.();
    return result;
  };
  return (real) => ({
    probe: {
      capabilities: real.probe.capabilities,
      probe: async (source, signal) => after(await real.probe.probe(source, signal)),
      firstLook: async (source, signal) => after(await real.probe.firstLook(source, signal)),
    },
    backend: real.backend,
    analyzer: real.analyzer,
  });
}

async function waitForStatus(api: ApiClient, id: string, wanted: string[], timeoutMs = 120_000): Promise<any> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const { json } = await api.request('GET', `/api/v1/videos/${id}`);
    if (wanted.includes(json?.status)) return json;
    if (Date.now() > end) throw new Error(`video ${id} still ${json?.status} after ${timeoutMs} ms (waiting for ${wanted.join('/')})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The colours of the poster and of the top rendition's first frame, read back from the media store. */
async function outputColours(server: TestServer, video: any, dir: string): Promise<{ poster: Rgb; rendition: Rgb }> {
  const read = async (key: string) => {
    const chunks: Buffer[] = [];
    for await (const chunk of (await server.rt.media.get(key)).body) chunks.push(Buffer.from(chunk as Buffer));
    return Buffer.concat(chunks);
  };
  const record = await server.rt.catalog.getVideo(video.id);
  const posterPath = join(dir, `${video.id}-poster.jpg`);
  await writeFile(posterPath, await read(record!.posterKey!));
  const masterKey = record!.masterKey!;
  const master: any = HLS.parse((await read(masterKey)).toString());
  const variantKey = masterKey.slice(0, masterKey.lastIndexOf('/') + 1) + master.variants[0].uri;
  const playlist: any = HLS.parse((await read(variantKey)).toString());
  const base = variantKey.slice(0, variantKey.lastIndexOf('/') + 1);
  const parts: Buffer[] = [];
  const map = playlist.segments[0].map;
  if (map) parts.push(await read(base + map.uri));
  parts.push(await read(base + playlist.segments[0].uri));
  const segmentPath = join(dir, `${video.id}-first${map ? '.mp4' : '.ts'}`);
  await writeFile(segmentPath, Buffer.concat(parts));
  return { poster: await firstColour(posterPath), rendition: await firstColour(segmentPath) };
}

let scratch: { dir: string; cleanup: () => Promise<void> };
let red: Buffer;
let blue: Buffer;

beforeAll(async () => {
  scratch = await makeTempDir('vodkit-url-reuse-');
  red = await solidClip(join(scratch.dir, 'red.mp4'), 'red', '320x240', 3);
  // Smaller than the upload it tries to replace, so only the reuse itself can refuse it.
  blue = await solidClip(join(scratch.dir, 'blue.mp4'), 'blue', '160x120', 1);
  expect(blue.length).toBeLessThan(red.length);
});
afterAll(async () => {
  await scratch?.cleanup();
});

/** A new upload of a file of `red`'s size; `video.sourceKey` is read from the catalog. */
async function createUpload(server: TestServer, api: ApiClient, body: Record<string, unknown>): Promise<{ video: any; upload: any }> {
  const created = await api.request('POST', '/api/v1/uploads', { filename: 'clip.mp4', size: red.length, contentType: 'video/mp4', ...body });
  expect(created.status, JSON.stringify(created.json)).toBe(201);
  const record = await server.rt.catalog.getVideo(created.json.video.id);
  return { video: { ...created.json.video, sourceKey: record!.sourceKey }, upload: created.json.upload };
}

const put = async (url: string, headers: Record<string, string>, body: Buffer) => {
  const res = await fetch(url, { method: 'PUT', headers, body: new Uint8Array(body) });
  const text = await res.text();
  return { status: res.status, json: res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : null };
};

describe('upload URLs on local disk', () => {
  let server: TestServer;
  let api: ApiClient;
  const seam: { afterProbe: (() => Promise<void>) | null } = { afterProbe: null };

  beforeAll(async () => {
    server = await startTestServer({ wrapEncoding: withProbeSeam(seam) });
    api = new ApiClient(server.url, server.token);
  });
  afterAll(async () => {
    await server?.stop();
  });

  /** Files in the sources store's folder, temp and multipart folders included. */
  const sourceFiles = async () =>
    (await readdir(join(server.dataDir, 'objects', 'sources'), { recursive: true, withFileTypes: true }))
      .filter((e) => e.isFile() && !e.parentPath.includes(join('.vodkit', 'meta')))
      .map((e) => join(e.parentPath, e.name));

  it('a second PUT with the URL of a video being processed is refused; the video is made from the first file', async () => {
    const { video, upload } = await createUpload(server, api, {});
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let probed!: () => void;
    const probedOnce = new Promise<void>((resolve) => (probed = resolve));
    // Hold the job between probe and encode: that is when the replacement used to get in.
    seam.afterProbe = async () => {
      probed();
      await released;
    };
    try {
      expect((await put(upload.url, upload.headers, red)).status).toBe(200);
      await probedOnce;
      expect((await api.request('GET', `/api/v1/videos/${video.id}`)).json.status).toBe('processing');

      const again = await put(upload.url, upload.headers, blue);
      expect(again.status).toBe(403);
      expect(again.json.error.code).toBe('AccessDenied');
      expect(again.json.error.message).toMatch(/no longer valid|already used/);
      expect((await readFile(join(server.dataDir, 'objects', 'sources', video.sourceKey))).equals(red)).toBe(true);
    } finally {
      release();
    }

    const done = await api.waitSettled(video.id);
    expect(done.status, done.error ?? '').toBe('ready');
    expect(done.width).toBe(320);
    const colours = await outputColours(server, done, scratch.dir);
    expect(isRed(colours.poster), `poster ${colours.poster}`).toBe(true);
    expect(isRed(colours.rendition), `rendition ${colours.rendition}`).toBe(true);
  });

  it('the job encodes the file it probed even when the source is replaced between probe and encode', async () => {
    const { video, upload } = await createUpload(server, api, {});
    seam.afterProbe = async () => {
      await server.rt.sources.put(video.sourceKey, blue, { contentType: 'video/mp4' });
    };
    expect((await put(upload.url, upload.headers, red)).status).toBe(200);
    const done = await api.waitSettled(video.id);
    expect(seam.afterProbe).toBeNull();
    expect(done.status, done.error ?? '').toBe('ready');
    const colours = await outputColours(server, done, scratch.dir);
    expect(isRed(colours.poster), `poster ${colours.poster}`).toBe(true);
    expect(isRed(colours.rendition), `rendition ${colours.rendition}`).toBe(true);
  });

  it('deleting a video revokes its upload URLs: single PUT, parts and complete are refused and nothing is written', async () => {
    const before = await sourceFiles();
    const single = await createUpload(server, api, {});
    expect((await api.request('DELETE', `/api/v1/videos/${single.video.id}`)).status).toBe(204);
    const refused = await put(single.upload.url, single.upload.headers, red);
    expect(refused.status).toBe(403);
    expect(refused.json.error).toMatchObject({ code: 'AccessDenied', message: expect.stringMatching(/no longer valid/) });

    const multi = await createUpload(server, api, { multipart: true });
    const { uploadId } = multi.upload;
    const signed = await api.request('POST', `/api/v1/uploads/${multi.video.id}/parts`, { uploadId, partNumbers: [1] });
    expect(signed.status).toBe(200);
    const part = signed.json.parts[0];
    expect((await api.request('DELETE', `/api/v1/videos/${multi.video.id}`)).status).toBe(204);
    const partPut = await put(part.url, part.headers ?? {}, red);
    expect(partPut.status).toBe(403);
    expect(partPut.json.error.code).toBe('AccessDenied');
    const complete = await api.request('POST', `/api/v1/uploads/${multi.video.id}/complete`, { uploadId, parts: [{ partNumber: 1, etag: 'x' }] });
    expect(complete.status).toBe(404);

    expect(await server.rt.sources.head(single.video.sourceKey)).toBeNull();
    expect(await server.rt.sources.head(multi.video.sourceKey)).toBeNull();
    expect(await server.rt.sources.listParts(multi.video.sourceKey, uploadId)).toEqual([]);
    // Nothing new anywhere in the store: no object, no part, no temp file.
    const created = (await sourceFiles()).filter((f) => !before.includes(f) && !f.includes(uploadId));
    expect(created).toEqual([]);
    // A video still waiting for its upload takes the same URL shape (the refusals were the revocation).
    const live = await createUpload(server, api, {});
    expect((await put(live.upload.url, live.upload.headers, red)).status).toBe(200);
  });
});

describe('upload URLs on S3 (s3rver)', () => {
  let s3: S3rverHandle;
  let server: TestServer;
  let api: ApiClient;
  const seam: { afterProbe: (() => Promise<void>) | null } = { afterProbe: null };
  const saved = { ...process.env };
  const webhookSecret = 'webhook-secret-0123456789';

  beforeAll(async () => {
    s3 = await startS3rver();
    // The S3 client takes its credentials from the environment, as in production.
    process.env.AWS_ACCESS_KEY_ID = s3.credentials.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = s3.credentials.secretAccessKey;
    server = await startTestServer({
      wrapEncoding: withProbeSeam(seam),
      flags: {
        storage: `s3://${s3.bucket}/vk?endpoint=${encodeURIComponent(s3.endpoint)}&forcePathStyle=true&region=${s3.region}`,
        webhookSecret,
      },
    });
    api = new ApiClient(server.url, server.token);
  });
  afterAll(async () => {
    await server?.stop();
    await s3?.stop();
    process.env.AWS_ACCESS_KEY_ID = saved.AWS_ACCESS_KEY_ID;
    process.env.AWS_SECRET_ACCESS_KEY = saved.AWS_SECRET_ACCESS_KEY;
    if (saved.AWS_ACCESS_KEY_ID === undefined) delete process.env.AWS_ACCESS_KEY_ID;
    if (saved.AWS_SECRET_ACCESS_KEY === undefined) delete process.env.AWS_SECRET_ACCESS_KEY;
  });

  const notify = (key: string, size: number) =>
    fetch(`${server.url}/api/v1/webhooks/s3`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${webhookSecret}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({
        Records: [
          {
            eventVersion: '2.1', eventSource: 'aws:s3', awsRegion: s3.region, eventTime: new Date().toISOString(), eventName: 'ObjectCreated:Put',
            s3: { s3SchemaVersion: '1.0', bucket: { name: s3.bucket }, object: { key: `vk/sources/${key}`, size, eTag: 'x' } },
          },
        ],
      }),
    });

  it('the job encodes the version it probed even when the object is replaced between probe and encode', async () => {
    const { video, upload } = await createUpload(server, api, {});
    seam.afterProbe = async () => {
      await server.rt.sources.put(video.sourceKey, blue, { contentType: 'video/mp4' });
    };
    expect(upload.url.startsWith(s3.endpoint)).toBe(true);
    expect((await put(upload.url, upload.headers, red)).status).toBe(200);
    expect((await api.request('POST', `/api/v1/uploads/${video.id}/complete`)).status).toBe(200);
    const done = await api.waitSettled(video.id);
    expect(seam.afterProbe).toBeNull();
    expect(done.status, done.error ?? '').toBe('ready');
    const colours = await outputColours(server, done, scratch.dir);
    expect(isRed(colours.poster), `poster ${colours.poster}`).toBe(true);
    expect(isRed(colours.rendition), `rendition ${colours.rendition}`).toBe(true);

    // The presigned URL still works at S3 once the video is ready; its event starts nothing.
    const jobs = (await settledJobsFor(server.dataDir, video.id)).length;
    expect((await put(upload.url, upload.headers, red)).status).toBe(200);
    expect((await notify(video.sourceKey, red.length)).status).toBe(204);
    expect((await api.request('POST', `/api/v1/uploads/${video.id}/complete`)).status).toBe(200);
    expect(jobsFor(server.dataDir, video.id)).toHaveLength(jobs);
    const after = (await api.request('GET', `/api/v1/videos/${video.id}`)).json;
    expect(after).toMatchObject({ status: 'ready', width: done.width, renditions: done.renditions });
  });

  it('a presigned PUT for a deleted video still reaches the bucket, and its event removes the object at once', async () => {
    const { video, upload } = await createUpload(server, api, {});
    expect((await api.request('DELETE', `/api/v1/videos/${video.id}`)).status).toBe(204);
    // S3 checks only the signature: vodkit cannot revoke a presigned URL.
    expect((await put(upload.url, upload.headers, red)).status).toBe(200);
    expect(await server.rt.sources.head(video.sourceKey)).not.toBeNull();
    expect((await notify(video.sourceKey, red.length)).status).toBe(204);
    expect(await server.rt.sources.head(video.sourceKey)).toBeNull();
    expect((await api.request('GET', `/api/v1/videos/${video.id}`)).status).toBe(404);
  });
});
