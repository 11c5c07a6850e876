import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3ObjectStore } from '../../src/adapters/object-store/s3/s3-object-store.ts';
import { ApiClient } from '../support/api-client.ts';
import { makeTestSchema } from '../support/postgres.ts';
import { run } from '../support/probe.ts';
import { deleteRedisKeys, requireRedis, testRedisUrl, uniqueRedisPrefix } from '../support/redis.ts';
import { startS3rver, type S3rverHandle } from '../support/s3rver.ts';
import { makeTempDir } from '../support/temp-dir.ts';
import { BIN, spawnVodkit, startServe, waitFor, type VodkitProcess } from '../ops/support/vodkit-process.ts';

/**
 * A real cluster on one machine: 1 API process (serve --no-worker) and 2 worker processes, sharing
 * an S3 server (s3rver), PostgreSQL and BullMQ on Redis. Uploads go straight to the bucket through
 * presigned URLs; completion arrives by the client's complete call or an S3 event webhook.
 */
describe('cluster: 1 API + 2 workers on s3rver, PostgreSQL and BullMQ', () => {
  let s3: S3rverHandle;
  let schema: Awaited<ReturnType<typeof makeTestSchema>>;
  let redisPrefix: string;
  let temp: { dir: string; cleanup: () => Promise<void> };
  let env: NodeJS.ProcessEnv;
  let apiProc: VodkitProcess & { url: string };
  const workers: VodkitProcess[] = [];
  let api: ApiClient;

  beforeAll(async () => {
    await requireRedis();
    s3 = await startS3rver({ bucket: 'vodkit-cluster' });
    schema = await makeTestSchema('cluster');
    redisPrefix = uniqueRedisPrefix('cluster');
    temp = await makeTempDir('vodkit-cluster-');
    const db = new URL(schema.connectionString);
    db.searchParams.set('schema', schema.schema);
    env = {
      ...process.env,
      VODKIT_STORAGE: `s3://${s3.bucket}/vk?endpoint=${encodeURIComponent(s3.endpoint)}&forcePathStyle=true&region=${s3.region}`,
      VODKIT_DATABASE_URL: db.toString(),
      VODKIT_QUEUE_URL: `${testRedisUrl}?prefix=${redisPrefix}`,
      VODKIT_SECRET: 'cluster-test-secret-0123456789abcdef-0123456789',
      VODKIT_WEBHOOK_SECRET: 'webhook-secret-0123456789',
      VODKIT_JOB_LEASE_MS: '3000',
      VODKIT_MEDIA_DELIVERY: 'redirect',
      VODKIT_SEGMENT_SECONDS: '2',
      VODKIT_X264_PRESET: 'superfast',
      VODKIT_PER_TITLE: 'false',
      VODKIT_LOG_LEVEL: 'info',
      AWS_ACCESS_KEY_ID: s3.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey,
      AWS_REGION: s3.region,
    };
    apiProc = await startServe('api', join(temp.dir, 'api'), env, ['--no-worker']);
    for (const n of [1, 2]) workers.push(spawnVodkit(`worker${n}`, ['worker', '--concurrency', '1', '--data-dir', join(temp.dir, `w${n}`)], env));
    const token = await new Promise<string>((resolve, reject) => {
      const p = spawn(process.execPath, [BIN, 'tokens', 'create', '--data-dir', join(temp.dir, 'cli')], { env });
      let out = '';
      p.stdout.on('data', (d) => (out += d));
      p.on('exit', (code) => (code === 0 ? resolve(out.trim()) : reject(new Error(`tokens create exited ${code}`))));
    });
    api = new ApiClient(apiProc.url, token);
  });

  afterAll(async () => {
    for (const p of [apiProc, ...workers]) if (p && p.child.exitCode === null) await p.kill9();
    await deleteRedisKeys(redisPrefix).catch(() => {});
    await schema?.drop().catch(() => {});
    await s3?.stop();
    await temp?.cleanup();
  });

  it('8 uploads straight to the bucket are each transcoded exactly once, surviving a kill -9 of a worker', { timeout: 420_000 }, async () => {
    const short = join(temp.dir, 'short.mp4');
    const long = join(temp.dir, 'long.mp4');
    await run('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=480x270:rate=25:duration=3', '-f', 'lavfi', '-i', 'sine=duration=3',
      '-c:v', 'libx264', '-preset', 'ultrafast', '-c:a', 'aac', '-shortest', short]);
    await run('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=1280x720:rate=30:duration=20', '-f', 'lavfi', '-i', 'sine=duration=20',
      '-c:v', 'libx264', '-preset', 'ultrafast', '-c:a', 'aac', '-shortest', long]);

    const uploadTo = async (path: string, title: string) => {
      const { size } = await import('node:fs/promises').then((fs) => fs.stat(path));
      const created = await api.request('POST', '/api/v1/uploads', { filename: `${title}.mp4`, size, contentType: 'video/mp4', title });
      expect(created.status, JSON.stringify(created.json)).toBe(201);
      const { upload, video } = created.json;
      // The signed URL is the bucket's own: the bytes never pass through the API.
      expect(upload.url.startsWith(s3.endpoint)).toBe(true);
      const { readFile } = await import('node:fs/promises');
      const put = await fetch(upload.url, { method: 'PUT', headers: upload.headers, body: await readFile(path) });
      expect(put.status, await put.clone().text()).toBe(200);
      return video.id as string;
    };
    const complete = (id: string) => api.request('POST', `/api/v1/uploads/${id}/complete`);
    const webhook = (id: string, key: string, size: number) =>
      fetch(`${api.baseUrl}/api/v1/webhooks/s3`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${env.VODKIT_WEBHOOK_SECRET}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({
          EventName: 's3:ObjectCreated:Put',
          Key: `${s3.bucket}/${key}`,
          Records: [{ eventVersion: '2.0', eventSource: 'minio:s3', awsRegion: '', eventTime: new Date().toISOString(), eventName: 's3:ObjectCreated:Put',
            s3: { s3SchemaVersion: '1.0', bucket: { name: s3.bucket }, object: { key: encodeURIComponent(key), size, eTag: 'x' } } }],
        }),
      });

    const longId = await uploadTo(long, 'long');
    expect((await complete(longId)).status).toBe(200);
    // Kill the worker that took the long encode, mid-encode.
    const victim = await waitFor('a worker to start the long encode', () =>
      workers.find((w) => w.logs.some((l) => l.msg === 'encoding' && l.videoId === longId)),
    );
    // Killed once the encode is under way (progress reported), well before it can finish.
    const midway = await waitFor('the long encode to report progress', async () => {
      const { json } = await api.request('GET', `/api/v1/videos/${longId}`);
      return json.status === 'processing' && json.progress > 0 ? json : null;
    });
    expect(midway.progress).toBeLessThan(1);
    await victim.kill9();

    const ids = [longId];
    for (let i = 0; i < 7; i++) {
      const id = await uploadTo(short, `short-${i}`);
      ids.push(id);
      const { size } = await import('node:fs/promises').then((fs) => fs.stat(short));
      if (i % 3 === 0) {
        expect((await webhook(id, `vk/sources/${id}.mp4`, size)).status).toBe(204);
      } else if (i % 3 === 1) {
        expect((await complete(id)).status).toBe(200);
      } else {
        // Both the complete call and the store's notification: still one job.
        expect((await complete(id)).status).toBe(200);
        expect((await webhook(id, `vk/sources/${id}.mp4`, size)).status).toBe(204);
      }
    }

    for (const id of ids) {
      const video = await api.waitSettled(id, 300_000);
      expect(video.status, `${id}: ${video.error}`).toBe('ready');
      const master = await fetch(video.playback.hls);
      expect(master.status).toBe(200);
    }
    // Segments come straight from the bucket through a presigned GET, after the token check.
    const video = await api.waitSettled(ids[1]);
    const poster = await fetch(video.poster, { redirect: 'manual' });
    expect(poster.status).toBe(302);
    expect(poster.headers.get('location')!.startsWith(s3.endpoint)).toBe(true);
    const followed = await fetch(video.poster);
    expect(followed.status).toBe(200);
    expect(Buffer.from(await followed.arrayBuffer()).subarray(0, 3).toString('hex')).toBe('ffd8ff');
    const noToken = new URL(video.poster);
    noToken.search = '';
    expect((await fetch(noToken, { redirect: 'manual' })).status).toBe(401);

    const allLogs = workers.flatMap((w) => w.logs);
    for (const id of ids) {
      const ready = allLogs.filter((l) => l.msg === 'ready' && l.videoId === id);
      expect(ready, `ready logs for ${id}`).toHaveLength(1);
      const encodes = allLogs.filter((l) => l.msg === 'encoding' && l.videoId === id);
      expect(encodes.length, `encodes of ${id}`).toBe(id === longId ? 2 : 1);
    }
    expect(apiProc.logs.some((l) => l.msg === 'encoding')).toBe(false);

    // Outputs are in the bucket, in the folder named after the upload.
    const media = new S3ObjectStore({ bucket: s3.bucket, prefix: 'vk/media/', region: s3.region, endpoint: s3.endpoint, forcePathStyle: true, credentials: s3.credentials });
    for (const id of ids) {
      const keys = (await media.list(`${id}/`)).map((o) => o.key);
      expect(keys).toContain(`${id}/master.m3u8`);
      expect(keys).toContain(`${id}/poster.jpg`);
      expect(keys.some((k) => k.endsWith('.m4s'))).toBe(true);
    }
  });

  it('sign-in attempts are limited across API processes (the counts are in Redis), not per process', async () => {
    const api2 = await startServe('api2', join(temp.dir, 'api2'), env, ['--no-worker']);
    try {
      const signIn = (base: string) =>
        fetch(`${base}/api/v1/session`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ email: 'nobody@example.test', password: 'not the password' }),
        }).then((r) => r.status);
      // The default limit is 10 a minute per address: 5 on each process, then the 11th is refused.
      const statuses = [];
      for (let i = 0; i < 10; i++) statuses.push(await signIn(i % 2 ? api2.url : apiProc.url));
      expect(statuses).toEqual(Array(10).fill(401));
      expect(await signIn(apiProc.url)).toBe(429);
      expect(await signIn(api2.url)).toBe(429);
    } finally {
      api2.signal('SIGTERM');
      expect((await api2.exited).code).toBe(0);
    }
  });

  it('SIGTERM shuts the API and the surviving worker down cleanly', async () => {
    const survivors = [apiProc, ...workers.filter((w) => w.child.exitCode === null && w.child.signalCode === null)];
    for (const p of survivors) p.signal('SIGTERM');
    const exits = await Promise.all(survivors.map((p) => p.exited));
    expect(exits.map((e) => e.code)).toEqual(survivors.map(() => 0));
  });
});
