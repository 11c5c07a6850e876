import { randomBytes } from 'node:crypto';
import { stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../support/api-client.ts';
import { makeClip } from '../support/clips.ts';
import { makeTempDir } from '../support/temp-dir.ts';
import { adminToken, embeddedEnv, spawnVodkit, startServe, type VodkitProcess } from './support/vodkit-process.ts';

/**
 * Prometheus metrics (API process and a worker process with --metrics-port), structured JSON logs
 * with request and job ids, health endpoints.
 */
describe('metrics, logs and health', () => {
  let temp: { dir: string; cleanup: () => Promise<void> };
  let server: VodkitProcess & { url: string };
  let worker: VodkitProcess;
  let api: ApiClient;
  let token: string;
  let clip: string;
  let junk: string;
  let readyId: string;
  let failedId: string;

  /** Value of a sample, e.g. sample(text, 'vodkit_jobs_total', { outcome: 'failed' }); null when absent. */
  const sample = (text: string, name: string, labels: Record<string, string> = {}): number | null => {
    for (const line of text.split('\n')) {
      const m = /^([a-z_:]+)(?:\{(.*)\})? (\S+)$/.exec(line);
      if (!m || m[1] !== name) continue;
      const have = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
      if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[3]);
    }
    return null;
  };

  beforeAll(async () => {
    temp = await makeTempDir('vodkit-observe-');
    clip = (await makeClip(temp.dir, 'landscape', { seconds: 3, name: 'clip.mp4' })).path;
    junk = join(temp.dir, 'junk.mp4');
    await writeFile(junk, randomBytes(200_000));
    const dataDir = join(temp.dir, 'data');
    const env = embeddedEnv();
    server = await startServe('api', dataDir, env, ['--no-worker']);
    worker = spawnVodkit('worker', ['worker', '--data-dir', dataDir, '--metrics-port', '0'], env);
    await worker.waitForLog('the worker', (l) => l.msg === 'vodkit worker started');
    token = await adminToken(dataDir, env);
    api = new ApiClient(server.url, token);
    readyId = await api.upload(clip);
    failedId = await api.upload(junk);
    expect((await api.waitSettled(readyId, 90_000)).status).toBe('ready');
    expect((await api.waitSettled(failedId, 90_000)).status).toBe('failed');
  });

  afterAll(async () => {
    await Promise.all([server?.kill9(), worker?.kill9()]);
    await temp?.cleanup();
  });

  it('/healthz and /readyz', async () => {
    const health = await fetch(`${server.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ok', checks: { catalog: 'ok', queue: 'ok', storage: 'ok' } });
  });

  it('the API process counts requests by route pattern and status, bytes in and out, and the queue by state', async () => {
    const video = (await api.request('GET', `/api/v1/videos/${readyId}`)).json;
    const master = await fetch(video.playback.hls);
    const text = await master.text();
    const variant = text.split('\n').find((l) => l && !l.startsWith('#'))!;
    const media = await (await fetch(new URL(variant, video.playback.hls))).text();
    const segment = media.split('\n').find((l) => l && !l.startsWith('#'))!;
    const segBytes = (await (await fetch(new URL(segment, new URL(variant, video.playback.hls)))).arrayBuffer()).byteLength;
    expect(segBytes).toBeGreaterThan(0);
    expect((await fetch(`${server.url}/media/${readyId}/nope.m4s${new URL(video.playback.hls).search}`)).status).toBe(404);

    const res = await fetch(`${server.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const m = await res.text();
    expect(sample(m, 'vodkit_http_requests_total', { method: 'GET', route: '/api/v1/videos/:id', status: '200' })).toBeGreaterThan(0);
    expect(sample(m, 'vodkit_http_requests_total', { method: 'POST', route: '/api/v1/uploads', status: '201' })).toBe(2);
    expect(sample(m, 'vodkit_http_requests_total', { method: 'GET', route: '/media/:id/*', status: '404' })).toBe(1);
    expect(sample(m, 'vodkit_http_request_duration_seconds_count', { method: 'GET', route: '/media/:id/*', status: '200' })).toBeGreaterThanOrEqual(3);
    expect(sample(m, 'vodkit_upload_bytes_total')).toBe((await stat(clip)).size + (await stat(junk)).size);
    expect(sample(m, 'vodkit_media_bytes_sent_total', { kind: 'playlist' })).toBeGreaterThan(0);
    expect(sample(m, 'vodkit_media_bytes_sent_total', { kind: 'segment' })).toBeGreaterThanOrEqual(segBytes);
    expect(sample(m, 'vodkit_queue_jobs', { state: 'completed' })).toBe(2); // the ready video's prepare and ladder
    expect(sample(m, 'vodkit_queue_jobs', { state: 'waiting' })).toBe(0);
    for (const dependency of ['catalog', 'queue', 'storage']) expect(sample(m, 'vodkit_dependency_up', { dependency })).toBe(1);
    expect(sample(m, 'process_cpu_user_seconds_total')).not.toBeNull();
    // Route patterns, never raw URLs: ids do not multiply the series.
    expect(m).not.toContain(readyId);
    // This process runs no jobs.
    expect(sample(m, 'vodkit_jobs_total', { outcome: 'succeeded' })).toBeNull();
  });

  it('a worker process serves its job metrics on --metrics-port', async () => {
    const started = worker.logs.find((l) => l.msg === 'vodkit worker started');
    expect(started.metrics).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const m = await (await fetch(`${started.metrics}/metrics`)).text();
    expect(sample(m, 'vodkit_jobs_total', { type: 'prepare', outcome: 'succeeded' })).toBe(1);
    expect(sample(m, 'vodkit_jobs_total', { type: 'ladder', outcome: 'succeeded' })).toBe(1);
    expect(sample(m, 'vodkit_jobs_total', { type: 'prepare', outcome: 'failed' })).toBe(1);
    expect(sample(m, 'vodkit_job_duration_seconds_count', { type: 'prepare', outcome: 'succeeded' })).toBe(1);
    expect(sample(m, 'vodkit_jobs_running', { type: 'ladder' })).toBe(0);
    expect((await fetch(`${started.metrics}/healthz`)).status).toBe(200);
    expect((await fetch(`${started.metrics}/other`)).status).toBe(404);
  });

  it('logs are JSON lines with request ids (also sent as X-Request-Id) and job ids, and no secrets', async () => {
    const res = await fetch(`${server.url}/api/v1/videos/${readyId}`, { headers: { Authorization: `Bearer ${token}` } });
    const requestId = res.headers.get('x-request-id');
    expect(requestId).toMatch(/^[a-z0-9]+$/);
    const forbidden = await fetch(`${server.url}/api/v1/videos`, { headers: { Authorization: 'Bearer wrong' } });
    expect(forbidden.headers.get('x-request-id')).not.toBe(requestId);

    for (const p of [server, worker]) {
      const structured = p.logs.filter((l) => typeof l.level === 'number');
      expect(structured.length).toBeGreaterThan(3);
      for (const l of structured) {
        expect(typeof l.time).toBe('number');
        expect(l.pid).toBe(p.pid);
        expect(typeof l.msg).toBe('string');
      }
    }
    await expect.poll(() => server.logs.some((l) => l.reqId === requestId)).toBe(true);
    for (const msg of ['encoding', 'ready', 'transcode failed']) {
      const line = worker.logs.find((l) => l.msg === msg);
      expect(line, msg).toBeDefined();
      expect(line.jobId).toBeTruthy();
      expect(line.videoId).toMatch(/^[a-z0-9]{16}$/);
      expect(line.attempt).toBe(1);
    }
    const everything = JSON.stringify([...server.logs, ...worker.logs]);
    expect(everything).not.toContain(token);
    expect(everything).not.toContain('ops-test-secret');
    // Playback tokens and upload signatures are credentials too: logged URLs carry neither.
    const urls = server.logs.filter((l) => l.req?.url).map((l) => String(l.req.url));
    expect(urls.some((u) => u.startsWith('/s3/') && u.includes('X-Vodkit-Signature=redacted'))).toBe(true);
    expect(urls.filter((u) => /X-Vodkit-Signature=(?!redacted)/.test(u))).toEqual([]);
    expect(urls.some((u) => u.startsWith(`/media/${readyId}/`) && u.includes('token=redacted'))).toBe(true);
    expect(urls.filter((u) => /[?&]token=(?!redacted)/.test(u))).toEqual([]);
  });
});
