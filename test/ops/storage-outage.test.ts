import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../support/api-client.ts';
import { makeClip } from '../support/clips.ts';
import { makeTestSchema } from '../support/postgres.ts';
import { deleteRedisKeys, requireRedis, testRedisUrl, uniqueRedisPrefix } from '../support/redis.ts';
import { startS3rver, type S3rverHandle } from '../support/s3rver.ts';
import { makeTempDir } from '../support/temp-dir.ts';
import { checkPlayback } from './support/playback-check.ts';
import { adminToken, embeddedEnv, spawnVodkit, startServe, waitFor, type VodkitProcess } from './support/vodkit-process.ts';

/**
 * Object store outage with a real cluster-shaped `vodkit serve --no-worker` and a `vodkit worker` on
 * s3rver, PostgreSQL and BullMQ: while the store is down, /readyz says 503 naming it, requests that
 * need it get a prompt 5xx JSON error, the catalog keeps answering and nothing crashes; once the
 * store is back (same port, same data) everything works again, and a transcode that ran into the
 * outage is retried until it succeeds.
 */
describe('object store outage', () => {
  const bucket = 'vodkit-outage';
  let temp: { dir: string; cleanup: () => Promise<void> };
  let s3Dir: string;
  let s3: S3rverHandle | null = null;
  let schema: Awaited<ReturnType<typeof makeTestSchema>>;
  let redisPrefix: string;
  let clip: string;
  const procs: VodkitProcess[] = [];

  const readyz = async (url: string) => {
    const res = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(15_000) });
    return { status: res.status, body: (await res.json()) as { status: string; checks: Record<string, string> } };
  };

  beforeAll(async () => {
    await requireRedis();
    temp = await makeTempDir('vodkit-storage-outage-');
    s3Dir = join(temp.dir, 's3');
    await mkdir(s3Dir);
    s3 = await startS3rver({ bucket, directory: s3Dir });
    schema = await makeTestSchema('storage_outage');
    redisPrefix = uniqueRedisPrefix('storage-outage');
    clip = (await makeClip(temp.dir, 'landscape', { seconds: 2, name: 'clip.mp4' })).path;
  });

  afterAll(async () => {
    await Promise.all(procs.map((p) => p.kill9()));
    if (redisPrefix) await deleteRedisKeys(redisPrefix).catch(() => {});
    await schema?.drop().catch(() => {});
    await s3?.stop().catch(() => {});
    await temp?.cleanup();
  });

  it('store down: readyz 503, clear 5xx errors, catalog still up; store back: readyz 200, uploads and playback work, the interrupted transcode ends ready', { timeout: 240_000 }, async () => {
    const port = Number(new URL(s3!.endpoint).port);
    const db = new URL(schema.connectionString);
    db.searchParams.set('schema', schema.schema);
    const env = embeddedEnv({
      VODKIT_STORAGE: `s3://${bucket}/vk?endpoint=${encodeURIComponent(s3!.endpoint)}&forcePathStyle=true&region=${s3!.region}`,
      VODKIT_DATABASE_URL: db.toString(),
      VODKIT_QUEUE_URL: `${testRedisUrl}?prefix=${redisPrefix}`,
      // Backoff 2 s, 4 s, 8 s, 16 s…: enough attempts to outlast the outage.
      VODKIT_JOB_MAX_ATTEMPTS: '8',
      AWS_ACCESS_KEY_ID: s3!.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: s3!.credentials.secretAccessKey,
      AWS_REGION: s3!.region,
    });
    const server = await startServe('api', join(temp.dir, 'api'), env, ['--no-worker']);
    procs.push(server);
    const startWorker = (name: string) => {
      const w = spawnVodkit(name, ['worker', '--concurrency', '1', '--data-dir', join(temp.dir, name)], env);
      procs.push(w);
      return w;
    };
    const worker1 = startWorker('worker1');
    const api = new ApiClient(server.url, await adminToken(join(temp.dir, 'cli'), env));
    const uploadAndComplete = async (title: string) => {
      const id = await api.upload(clip, { title });
      const done = await api.request('POST', `/api/v1/uploads/${id}/complete`);
      expect(done.status, JSON.stringify(done.json)).toBe(200);
      return id;
    };

    // Baseline: the store is up, an upload plays.
    expect((await readyz(server.url)).status).toBe(200);
    const first = await uploadAndComplete('before the outage');
    const ready = await api.waitSettled(first, 90_000);
    expect(ready.status, ready.error).toBe('ready');
    expect((await checkPlayback(ready.playback.hls)).segments).toBeGreaterThan(0);

    // An upload completed just before the outage, picked up by a worker only once the store is down.
    worker1.signal('SIGTERM');
    expect((await worker1.exited).code).toBe(0);
    const interrupted = await uploadAndComplete('transcoded across the outage');
    await s3!.stop();
    s3 = null;
    const worker2 = startWorker('worker2');

    // /readyz names the store; /healthz and the catalog stay up.
    const down = await readyz(server.url);
    expect(down.status).toBe(503);
    expect(down.body.status).toBe('unavailable');
    expect(down.body.checks.catalog).toBe('ok');
    expect(down.body.checks.queue).toBe('ok');
    expect(down.body.checks.storage).toMatch(/object store/i);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    const list = await api.request('GET', '/api/v1/videos');
    expect(list.status).toBe(200);
    expect(list.json.items.map((v: { id: string }) => v.id)).toContain(first);

    // A new upload: either refused with a clear error, or signed (signing needs no store) and then
    // the PUT to the store fails.
    const created = await fetch(`${server.url}/api/v1/uploads`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${api.token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ filename: 'during.mp4', size: 1000, contentType: 'video/mp4' }),
      signal: AbortSignal.timeout(20_000),
    });
    const createdBody = (await created.json()) as any;
    if (created.status === 201) {
      const put = await fetch(createdBody.upload.url, { method: 'PUT', headers: createdBody.upload.headers, body: Buffer.alloc(1000), signal: AbortSignal.timeout(20_000) }).then(
        (res) => res.status,
        (err: Error) => err.name,
      );
      expect(put).not.toBe(200);
    } else {
      expect(created.status).toBeGreaterThanOrEqual(500);
      expect(createdBody.error.message).toMatch(/object store/i);
    }

    // Media of the ready video: a prompt 5xx JSON error naming the store, not a hang.
    const master = new URL(ready.playback.hls);
    const segment = new URL(master);
    segment.pathname = master.pathname.replace(/[^/]+$/, 'poster.jpg');
    for (const url of [master, segment]) {
      const res = await fetch(url, { signal: AbortSignal.timeout(20_000) });
      expect(res.status, url.pathname).toBeGreaterThanOrEqual(500);
      expect(res.headers.get('content-type')).toMatch(/application\/json/);
      const body = (await res.json()) as any;
      expect(body.error.message, url.pathname).toMatch(/object store/i);
    }

    // The transcode that ran into the outage failed an attempt and waits for its retry.
    await waitFor('the interrupted transcode to fail an attempt', async () => {
      const { json } = await api.request('GET', `/api/v1/videos/${interrupted}`);
      return json.status !== 'ready' && json.status !== 'failed' && worker2.logs.some(
        (l) => l.msg === 'transcode failed' && l.videoId === interrupted && l.final === false && /object store/i.test(String(l.err)),
      );
    }, 30_000);
    expect(server.child.exitCode).toBeNull();
    expect(worker2.child.exitCode).toBeNull();

    // The store comes back on the same port with the same data.
    s3 = await startS3rver({ bucket, port, directory: s3Dir });
    await waitFor('readyz to be ok again', async () => (await readyz(server.url)).status === 200, 30_000);
    const again = await uploadAndComplete('after the outage');
    for (const id of [interrupted, again]) {
      const settled = await api.waitSettled(id, 120_000);
      expect(settled.status, `${id}: ${settled.error}`).toBe('ready');
      expect((await checkPlayback(settled.playback.hls)).segments).toBeGreaterThan(0);
    }
    expect((await checkPlayback(ready.playback.hls)).segments).toBeGreaterThan(0);
    expect(worker2.logs.filter((l) => l.msg === 'ready' && l.videoId === interrupted)).toHaveLength(1);
    expect(server.child.exitCode).toBeNull();
  });
});
