import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../support/api-client.ts';
import { makeClip } from '../support/clips.ts';
import { makeTestSchema, testDatabaseUrl } from '../support/postgres.ts';
import { makeTempDir } from '../support/temp-dir.ts';
import { OwnRedis, TcpProxy } from './support/outage.ts';
import { adminToken, embeddedEnv, spawnVodkit, startServe, waitFor, type VodkitProcess } from './support/vodkit-process.ts';

/**
 * Dependency outages with a real `vodkit serve`: Redis (a redis-server of the test's own, killed and
 * restarted empty) and PostgreSQL (reached through a TCP proxy the test cuts). /healthz stays 200,
 * /readyz says 503 and which dependency is down, requests get clear errors instead of hanging, and
 * everything recovers when the dependency is back, with no upload lost.
 */
describe('dependency outages', () => {
  let temp: { dir: string; cleanup: () => Promise<void> };
  let clip: string;
  const procs: VodkitProcess[] = [];
  const cleanups: Array<() => Promise<unknown>> = [];

  const readyz = async (url: string) => {
    const res = await fetch(`${url}/readyz`);
    return { status: res.status, body: (await res.json()) as { status: string; checks: Record<string, string> } };
  };

  beforeAll(async () => {
    temp = await makeTempDir('vodkit-outage-');
    clip = (await makeClip(temp.dir, 'landscape', { seconds: 2, name: 'clip.mp4' })).path;
  });

  afterAll(async () => {
    await Promise.all(procs.map((p) => p.kill9()));
    for (const c of cleanups.reverse()) await c().catch(() => {});
    await temp?.cleanup();
  });

  it('Redis down and back empty: readyz 503 then 200, uploads are accepted meanwhile and transcoded once it is back', async () => {
    const redis = await OwnRedis.start();
    cleanups.push(() => redis.stop());
    const dataDir = join(temp.dir, 'redis');
    const env = embeddedEnv({ VODKIT_QUEUE_URL: `${redis.url}?prefix=outage`, VODKIT_MAINTENANCE_INTERVAL: '2' });
    // API only for now: a job queued before the outage is in Redis alone, and is lost with it.
    const server = await startServe('serve-redis', dataDir, env, ['--no-worker']);
    procs.push(server);
    const api = new ApiClient(server.url, await adminToken(dataDir, env));
    expect((await readyz(server.url)).status).toBe(200);
    const before = await api.upload(clip, { title: 'queued before the outage' });
    expect((await api.request('GET', `/api/v1/videos/${before}`)).json.status).toBe('queued');

    await redis.stop();
    const down = await waitFor('readyz to report the queue down', async () => {
      const r = await readyz(server.url);
      return r.status === 503 ? r : null;
    }, 30_000);
    expect(down.body.status).toBe('unavailable');
    expect(down.body.checks.catalog).toBe('ok');
    expect(down.body.checks.queue).not.toBe('ok');
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);

    // An upload during the outage is stored and accepted: the PUT answers while Redis is still
    // down (it stays down until the test restarts it, so a PUT waiting on the queue never would),
    // and the server says the upload waits to be queued.
    const from = server.logs.length;
    const during = await api.upload(clip, { title: 'during the outage' });
    expect((await readyz(server.url)).body.checks.queue).not.toBe('ok');
    const notQueued = 'upload stored but not queued yet (a dependency is down); it will be queued once it is back';
    await waitFor('the upload to be reported stored but not queued', () => server.logs.slice(from).some((l) => l.msg === notQueued), 30_000);
    expect((await api.request('GET', `/api/v1/videos/${during}`)).json.status).toMatch(/^(queued|uploading)$/);
    // What needs only the catalog keeps working.
    expect((await api.request('GET', '/api/v1/videos')).status).toBe(200);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(/vodkit_dependency_up\{dependency="queue"\} 0/);

    await redis.start(); // empty: every job it held is gone
    await waitFor('readyz to be ok again', async () => (await readyz(server.url)).status === 200, 30_000);
    // The periodic recovery queues again what Redis lost; a worker (same machine, same data) runs it.
    // Calls that timed out during the outage may still reach Redis once it is back (the client
    // replays them, step by step). Empty it again until the periodic recovery is seen bringing jobs
    // back after the last emptying: late replays may re-create a job too, which is just as good.
    let recovered = 0;
    for (let round = 0; round < 4 && recovered === 0; round++) {
      await flushRedis(redis.url);
      const from = server.logs.length;
      const count = () => server.logs.slice(from).reduce((n, l) => n + (l.msg === 'maintenance done' ? (l.recoveredJobs ?? 0) : 0), 0);
      recovered = await waitFor('the lost jobs to be queued again', () => count() || null, 12_000).catch(() => 0);
    }
    expect(recovered, 'the periodic recovery queued lost jobs again').toBeGreaterThan(0);
    const worker = spawnVodkit('worker-redis', ['worker', '--data-dir', dataDir], env);
    procs.push(worker);
    for (const id of [before, during]) {
      const settled = await api.waitSettled(id, 90_000);
      expect(settled.status, settled.error).toBe('ready');
    }
    expect(server.logs.some((l) => l.msg === 'upload stored but not queued yet (a dependency is down); it will be queued once it is back')).toBe(true);
    expect(worker.logs.filter((l) => l.msg === 'ready')).toHaveLength(2);
    await Promise.all([server.kill9(), worker.kill9()]);
  });

  it('PostgreSQL unreachable and back: readyz 503 naming it, API 503 with a clear message, then everything works again', async () => {
    const schema = await makeTestSchema('outage');
    cleanups.push(() => schema.drop());
    const target = new URL(testDatabaseUrl());
    const proxy = await TcpProxy.start(target.hostname, Number(target.port || 5432));
    cleanups.push(() => proxy.close());
    const db = new URL(testDatabaseUrl());
    db.port = String(proxy.port);
    db.searchParams.set('schema', schema.schema);
    const dataDir = join(temp.dir, 'postgres');
    const env = embeddedEnv({ VODKIT_DATABASE_URL: db.toString() });
    const server = await startServe('serve-pg', dataDir, env);
    procs.push(server);
    const api = new ApiClient(server.url, await adminToken(dataDir, env));
    expect((await readyz(server.url)).status).toBe(200);

    proxy.down();
    const down = await readyz(server.url);
    expect(down.status).toBe(503);
    expect(down.body.checks.catalog).toMatch(/Cannot reach PostgreSQL at 127\.0\.0\.1:\d+/);
    expect(down.body.checks.queue).toBe('ok');
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    const list = await api.request('GET', '/api/v1/videos');
    expect(list.status).toBe(503);
    expect(list.json.error.code).toBe('Transient');
    expect(list.json.error.message).toMatch(/Cannot reach PostgreSQL/);

    proxy.up();
    await waitFor('readyz to be ok again', async () => (await readyz(server.url)).status === 200, 30_000);
    const id = await api.upload(clip);
    expect((await api.waitSettled(id, 60_000)).status).toBe('ready');
    expect(server.child.exitCode).toBeNull();
    await server.kill9();
  });
});

async function flushRedis(url: string): Promise<void> {
  const client = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    await client.flushall();
  } finally {
    client.disconnect();
  }
}
