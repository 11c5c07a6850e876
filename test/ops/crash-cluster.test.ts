import { readFile, stat } from 'node:fs/promises';
import { posix } from 'node:path';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3ObjectStore } from '../../src/adapters/object-store/s3/s3-object-store.ts';
import { ApiClient } from '../support/api-client.ts';
import { makeClip } from '../support/clips.ts';
import { makeTestSchema } from '../support/postgres.ts';
import { deleteRedisKeys, requireRedis, testRedisUrl, uniqueRedisPrefix } from '../support/redis.ts';
import { startS3rver, type S3rverHandle } from '../support/s3rver.ts';
import { makeTempDir } from '../support/temp-dir.ts';
import { makeLongClip } from './support/media.ts';
import { checkPlayback } from './support/playback-check.ts';
import { adminToken, embeddedEnv, pollFast, processesMatching, spawnVodkit, startServe, type VodkitProcess } from './support/vodkit-process.ts';

/**
 * kill -9 in a cluster: `vodkit serve --no-worker` and `vodkit worker` processes sharing s3rver,
 * PostgreSQL and BullMQ on Redis. Uploads go straight to the bucket.
 */
describe('crash safety of a cluster (kill -9)', () => {
  let s3: S3rverHandle;
  let schema: Awaited<ReturnType<typeof makeTestSchema>>;
  let redisPrefix: string;
  let temp: { dir: string; cleanup: () => Promise<void> };
  let env: NodeJS.ProcessEnv;
  let media: S3ObjectStore;
  let token: string;
  let longClip: string;
  let shortClip: string;
  const procs: VodkitProcess[] = [];

  const api = (p: { url: string }) => new ApiClient(p.url, token);
  const startApi = async (name: string) => {
    const p = await startServe(name, join(temp.dir, 'api'), env, ['--no-worker']);
    procs.push(p);
    return p;
  };
  const startWorker = async (name: string) => {
    const p = spawnVodkit(name, ['worker', '--data-dir', join(temp.dir, name)], env);
    procs.push(p);
    await p.waitForLog(`${name} to start`, (l) => l.msg === 'vodkit worker started', 60_000);
    return p;
  };
  const uploadToBucket = async (client: ApiClient, path: string, title: string) => {
    const size = (await stat(path)).size;
    const created = await client.request('POST', '/api/v1/uploads', { filename: `${title}.mp4`, size, contentType: 'video/mp4', title });
    expect(created.status, JSON.stringify(created.json)).toBe(201);
    const put = await fetch(created.json.upload.url, { method: 'PUT', headers: created.json.upload.headers, body: await readFile(path) });
    expect(put.status).toBe(200);
    return created.json.video.id as string;
  };
  /** Playlists in the bucket whose references are missing there. */
  const danglingInBucket = async (id: string) => {
    const keys = new Set((await media.list(`${id}/`)).map((o) => o.key));
    const problems: string[] = [];
    for (const key of keys) {
      if (!key.endsWith('.m3u8')) continue;
      const { body } = await media.get(key);
      const chunks: Buffer[] = [];
      for await (const c of body) chunks.push(c as Buffer);
      const text = Buffer.concat(chunks).toString('utf8');
      const refs = [...text.split('\n').filter((l) => l.trim() && !l.startsWith('#')), ...[...text.matchAll(/URI="([^"]+)"/g)].map((m) => m[1])];
      for (const ref of refs) {
        const target = posix.join(posix.dirname(key), ref.trim());
        if (!keys.has(target)) problems.push(`${key} -> ${ref}`);
      }
    }
    return problems;
  };

  beforeAll(async () => {
    await requireRedis();
    s3 = await startS3rver({ bucket: 'vodkit-crash' });
    schema = await makeTestSchema('crash');
    redisPrefix = uniqueRedisPrefix('crash');
    temp = await makeTempDir('vodkit-crash-cluster-');
    const db = new URL(schema.connectionString);
    db.searchParams.set('schema', schema.schema);
    env = embeddedEnv({
      VODKIT_STORAGE: `s3://${s3.bucket}/vk?endpoint=${encodeURIComponent(s3.endpoint)}&forcePathStyle=true&region=${s3.region}`,
      VODKIT_DATABASE_URL: db.toString(),
      VODKIT_QUEUE_URL: `${testRedisUrl}?prefix=${redisPrefix}`,
      VODKIT_JOB_MAX_ATTEMPTS: '2',
      AWS_ACCESS_KEY_ID: s3.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey,
      AWS_REGION: s3.region,
    });
    media = new S3ObjectStore({ bucket: s3.bucket, prefix: 'vk/media/', region: s3.region, endpoint: s3.endpoint, forcePathStyle: true, credentials: s3.credentials });
    token = await adminToken(join(temp.dir, 'cli'), env);
    shortClip = (await makeClip(temp.dir, 'landscape', { seconds: 3, name: 'short.mp4' })).path;
    longClip = await makeLongClip(join(temp.dir, 'long.mp4'), 30);
  });

  afterAll(async () => {
    await Promise.all(procs.map((p) => p.kill9()));
    await deleteRedisKeys(redisPrefix).catch(() => {});
    await schema?.drop().catch(() => {});
    await s3?.stop();
    await temp?.cleanup();
  });

  it('the API killed after an upload reached the bucket but before it was reported: the restarted API queues it', async () => {
    const first = await startApi('api-1');
    const worker = await startWorker('w1');
    const id = await uploadToBucket(api(first), shortClip, 'reported-late');
    // No complete call and no bucket notification: the API dies knowing nothing of the stored file.
    await first.kill9();
    const second = await startApi('api-2');
    const settled = await api(second).waitSettled(id, 90_000);
    expect(settled.status, settled.error).toBe('ready');
    await checkPlayback(settled.playback.hls);
    expect(worker.logs.filter((l) => l.msg === 'ready' && l.videoId === id)).toHaveLength(1);
    await Promise.all([second.kill9(), worker.kill9()]);
  });

  it('a worker killed while publishing to the bucket: no playlist there points at a missing object; another worker finishes once', async () => {
    const apiProc = await startApi('api-3');
    const victim = await startWorker('w2');
    const id = await uploadToBucket(api(apiProc), longClip, 'killed-publishing');
    expect((await api(apiProc).request('POST', `/api/v1/uploads/${id}/complete`)).status).toBe(200);
    await pollFast('the first object published to the bucket', async () => (await media.list(`${id}/`)).length > 0, 150_000);
    await victim.kill9();
    const atKill = (await media.list(`${id}/`)).map((o) => o.key);
    expect(atKill.length).toBeGreaterThan(0);
    expect(await danglingInBucket(id)).toEqual([]);

    const rescuer = await startWorker('w3');
    const settled = await api(apiProc).waitSettled(id, 150_000);
    expect(settled.status, settled.error).toBe('ready');
    await checkPlayback(settled.playback.hls);
    expect(await danglingInBucket(id)).toEqual([]);
    expect(atKill.length, 'killed in the middle of publishing').toBeLessThan((await media.list(`${id}/`)).length);
    expect([...victim.logs, ...rescuer.logs].filter((l) => l.msg === 'ready' && l.videoId === id)).toHaveLength(1);
    await Promise.all([apiProc.kill9(), rescuer.kill9()]);
  });

  it('a job whose worker is killed on each of its N attempts ends failed with a reason', async () => {
    const apiProc = await startApi('api-4');
    const id = await uploadToBucket(api(apiProc), longClip, 'crash-loop');
    expect((await api(apiProc).request('POST', `/api/v1/uploads/${id}/complete`)).status).toBe(200);
    for (let attempt = 1; attempt <= 2; attempt++) {
      const w = await startWorker(`w-loop-${attempt}`);
      await w.waitForLog(`attempt ${attempt}`, (l) => l.msg === 'encoding' && l.videoId === id, 120_000);
      await w.kill9();
    }
    const last = await startWorker('w-loop-3');
    const settled = await api(apiProc).waitSettled(id, 90_000);
    expect(settled.status).toBe('failed');
    expect(settled.error).toMatch(/interrupted 2 times without finishing/);
    expect(last.logs.some((l) => l.msg === 'encoding' && l.videoId === id)).toBe(false);
    // The worker marks the video failed, then removes what the crashed attempts published.
    await expect.poll(async () => media.list(`${id}/`), { timeout: 30_000 }).toEqual([]);
    expect(await processesMatching(id)).toEqual([]);
    await Promise.all([apiProc.kill9(), last.kill9()]);
  });
});
