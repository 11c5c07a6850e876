import { createHash } from 'node:crypto';
import { request as httpRequest, type ClientRequest } from 'node:http';
import { copyFile, readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../support/api-client.ts';
import { makeClip } from '../support/clips.ts';
import { loopClip, makeLongClip } from './support/media.ts';
import { makeTempDir } from '../support/temp-dir.ts';
import { checkPlayback, danglingReferences, listFiles } from './support/playback-check.ts';
import { jobsFor, settledJobsFor } from './support/sqlite-jobs.ts';
import { adminToken, embeddedEnv, pollFast, processesMatching, startServe, waitFor, type VodkitProcess } from './support/vodkit-process.ts';

/**
 * kill -9 of a one-machine `vodkit serve` (SQLite catalog and queue, local disk store, in-process
 * worker) during uploads, during an encode and while outputs are being published. After a restart
 * every completed upload is there and transcoded exactly once, no playlist points at a missing
 * segment, nothing half-written is served, and temp files are gone. A job that crashes its worker
 * on every attempt ends failed with a reason.
 */
describe('crash safety of the embedded server (kill -9)', () => {
  let temp: { dir: string; cleanup: () => Promise<void> };
  let shortClip: string;
  let longClip: string;
  const procs: VodkitProcess[] = [];

  const serve = async (name: string, dataDir: string, env: NodeJS.ProcessEnv) => {
    const p = await startServe(name, dataDir, env);
    procs.push(p);
    return p;
  };
  const readyLogs = (id: string) => procs.flatMap((p) => p.logs).filter((l) => l.msg === 'ready' && l.videoId === id);
  const tmpFiles = (dataDir: string) =>
    Promise.all(['sources', 'media'].map((b) => listFiles(join(dataDir, 'objects', b, '.vodkit', 'tmp')))).then((l) => l.flat());

  beforeAll(async () => {
    temp = await makeTempDir('vodkit-crash-');
    shortClip = (await makeClip(temp.dir, 'landscape', { seconds: 3, name: 'short.mp4' })).path;
    longClip = await makeLongClip(join(temp.dir, 'long.mp4'), 30);
  });

  afterAll(async () => {
    await Promise.all(procs.map((p) => p.kill9()));
    await temp?.cleanup();
  });

  it('kill -9 during uploads and an encode: after restart every completed upload is transcoded exactly once', async () => {
    const dataDir = join(temp.dir, 'a');
    const env = embeddedEnv();
    const first = await serve('serve-1', dataDir, env);
    const api = new ApiClient(first.url, await adminToken(dataDir, env));

    const longId = await api.upload(longClip, { title: 'long' });
    await first.waitForLog('the long encode to start', (l) => l.msg === 'encoding' && l.videoId === longId);
    const shortIds = [];
    for (let i = 0; i < 3; i++) shortIds.push(await api.upload(shortClip, { title: `short ${i}` }));

    // An upload half sent when the server dies.
    const size = (await stat(shortClip)).size;
    const created = await api.request('POST', '/api/v1/uploads', { filename: 'interrupted.mp4', size, contentType: 'video/mp4' });
    expect(created.status).toBe(201);
    const { upload, video } = created.json;
    const bytes = await readFile(shortClip);
    const req = startPut(upload.url, upload.headers, size);
    req.write(bytes.subarray(0, Math.floor(size / 2)));
    const tmp = join(dataDir, 'objects', 'sources', '.vodkit', 'tmp');
    await waitFor('the half upload to reach a temp file', async () => (await listFiles(tmp)).length > 0);
    const encoding = await processesMatching(join(dataDir, 'work'));
    expect(encoding.length, 'an ffmpeg encode is running').toBeGreaterThan(0);

    await first.kill9();
    req.destroy();
    expect(await tmpFiles(dataDir), 'the half upload left a temp file').not.toHaveLength(0);
    expect(await readdir(join(dataDir, 'work')), 'the killed encode left its scratch folder').not.toHaveLength(0);

    const second = await serve('serve-2', dataDir, env);
    const api2 = new ApiClient(second.url, api.token);
    // Left-overs of the dead process are gone at start.
    expect(await tmpFiles(dataDir)).toEqual([]);
    expect((await readdir(join(dataDir, 'work'))).filter((n) => n.endsWith(`-${first.pid}`))).toEqual([]);

    // The interrupted upload is still waiting for its bytes: sending them again with the same URL works.
    expect((await api2.request('GET', `/api/v1/videos/${video.id}`)).json.status).toBe('uploading');
    // (same URL path and signature; the test server listens on a new port after the restart)
    const again = new URL(upload.url);
    const put = await fetch(new URL(again.pathname + again.search, second.url), { method: 'PUT', headers: { ...upload.headers, 'Content-Length': String(size) }, body: bytes });
    expect(put.status).toBe(200);

    for (const id of [longId, ...shortIds, video.id]) {
      const settled = await api2.waitSettled(id, 150_000);
      expect(settled.status, `${id}: ${settled.error}`).toBe('ready');
      const report = await checkPlayback(settled.playback.hls);
      expect(report.segments).toBeGreaterThan(0);
      const expected = id === longId ? 30 : 3;
      for (const d of report.durations) expect(Math.abs(d - expected), `duration of a rendition of ${id}`).toBeLessThan(1.5);
      expect(readyLogs(id), `${id} became ready once`).toHaveLength(1);
      const jobs = await settledJobsFor(dataDir, id);
      expect(jobs.map((j) => stageOf(j.idempotency_key)), `${id} has one job per stage`).toEqual(['prepare', 'ladder']);
      expect(jobs.map((j) => j.state)).toEqual(['completed', 'completed']);
    }
    // The long encode was killed once and ran again; the short ones ran once.
    expect(procs.flatMap((p) => p.logs).filter((l) => l.msg === 'encoding' && l.videoId === longId)).toHaveLength(2);
    expect(await danglingReferences(join(dataDir, 'objects', 'media'))).toEqual([]);
    expect(await tmpFiles(dataDir)).toEqual([]);
    expect(await readdir(join(dataDir, 'work'))).toEqual([]);
    await second.kill9();
  }, 300_000);

  it('kill -9 of the server process alone (not its process group): its ffmpeg dies with it', async () => {
    const dataDir = join(temp.dir, 'orphans');
    const env = embeddedEnv();
    const server = await serve('serve-orphans', dataDir, env);
    const api = new ApiClient(server.url, await adminToken(dataDir, env));
    // Two minutes of 720p (the long clip four times over): its encode would run on for far longer than the wait below.
    const id = await api.upload(await loopClip(longClip, 4, join(temp.dir, 'two-minutes.mp4')), { title: 'two minutes' });
    await server.waitForLog('the encode to start', (l) => l.msg === 'encoding' && l.videoId === id);
    const encoders = await waitFor('ffmpeg to run', async () => {
      const found = (await processesMatching(id)).filter((p) => /ffmpeg/.test(p.cmdline));
      return found.length > 0 ? found : null;
    }, 30_000);
    expect(encoders.length).toBeGreaterThan(0);

    server.signal('SIGKILL');
    await server.exited;
    await waitFor('the ffmpeg children to die with their parent', async () => (await processesMatching(id)).length === 0, 3000);
  });

  it('kill -9 while outputs are being published: no playlist points at a missing file, and the restart publishes once', async () => {
    const dataDir = join(temp.dir, 'b');
    const env = embeddedEnv();
    const first = await serve('serve-3', dataDir, env);
    const api = new ApiClient(first.url, await adminToken(dataDir, env));
    const id = await api.upload(longClip, { title: 'published while killed' });
    const outputDir = join(dataDir, 'objects', 'media', id);
    // Kill at the first output file that appears in the media store.
    await pollFast('the first published output', async () => (await listFiles(outputDir)).length > 0, 150_000);
    await first.kill9();

    const atKill = (await listFiles(outputDir)).map((f) => f.slice(outputDir.length + 1));
    expect(atKill.length).toBeGreaterThan(0);
    expect(await danglingReferences(outputDir), 'playlists on disk at the moment of the kill').toEqual([]);
    for (const f of atKill) expect((await stat(join(outputDir, f))).size, `${f} is complete`).toBeGreaterThan(0);

    const second = await serve('serve-4', dataDir, env);
    const api2 = new ApiClient(second.url, api.token);
    expect(await tmpFiles(dataDir)).toEqual([]);
    const settled = await api2.waitSettled(id, 150_000);
    expect(settled.status, settled.error).toBe('ready');
    await checkPlayback(settled.playback.hls);
    expect(await danglingReferences(outputDir)).toEqual([]);
    expect(readyLogs(id)).toHaveLength(1);
    // The kill did land in the middle of publishing: only part of the outputs were out.
    expect(atKill.length).toBeLessThan((await listFiles(outputDir)).length);
    // What is served is what the second run wrote: every segment decodes to the same bytes as on disk.
    for (const f of (await listFiles(outputDir)).filter((p) => p.endsWith('.m4s')).slice(0, 5)) {
      const rel = f.slice(outputDir.length + 1);
      const url = new URL(rel, settled.playback.hls);
      url.search = new URL(settled.playback.hls).search;
      const res = await fetch(url);
      expect(res.status).toBe(200);
      const served = Buffer.from(await res.arrayBuffer());
      expect(sha256(served)).toBe(sha256(await readFile(f)));
    }
    await second.kill9();
  });

  it('an upload stored just before a kill -9, its event never handled, is queued at the next start', async () => {
    const dataDir = join(temp.dir, 'd');
    const env = embeddedEnv();
    const first = await serve('serve-6', dataDir, env);
    const api = new ApiClient(first.url, await adminToken(dataDir, env));
    const size = (await stat(shortClip)).size;
    const created = await api.request('POST', '/api/v1/uploads', { filename: 'lost-event.mp4', size, contentType: 'video/mp4' });
    const { video } = created.json;
    await first.kill9();
    // The bytes reached their final name (the store renames a finished temp file into place), then the process died.
    await copyFile(shortClip, join(dataDir, 'objects', 'sources', `${video.id}.mp4`));
    const second = await serve('serve-7', dataDir, env);
    await second.waitForLog('the recovery at start', (l) => l.msg === 'recovered work interrupted by a stop' && l.uploads === 1);
    const settled = await new ApiClient(second.url, api.token).waitSettled(video.id, 60_000);
    expect(settled.status, settled.error).toBe('ready');
    expect(jobsFor(dataDir, video.id).map((j) => stageOf(j.idempotency_key)), 'one job per stage').toEqual(['prepare', 'ladder']);
    await second.kill9();
  });

  it('a job that crashes its worker on every attempt ends failed after N attempts, with a reason', async () => {
    const dataDir = join(temp.dir, 'c');
    const env = embeddedEnv({ VODKIT_JOB_MAX_ATTEMPTS: '2' });
    let server = await serve('serve-5', dataDir, env);
    const api = new ApiClient(server.url, await adminToken(dataDir, env));
    const id = await api.upload(longClip, { title: 'crashes every time' });
    for (let attempt = 1; attempt <= 2; attempt++) {
      await server.waitForLog(`attempt ${attempt} to encode`, (l) => l.msg === 'encoding' && l.videoId === id);
      await server.kill9();
      server = await serve(`serve-5-${attempt}`, dataDir, env);
    }
    const settled = await new ApiClient(server.url, api.token).waitSettled(id, 60_000);
    expect(settled.status).toBe('failed');
    expect(settled.error).toMatch(/interrupted 2 times without finishing/);
    expect(settled.error).toMatch(/Retry/);
    const job = (await settledJobsFor(dataDir, id)).find((j) => stageOf(j.idempotency_key) === 'ladder');
    expect(job?.state).toBe('failed');
    // Nothing was encoded by the spare attempt, and nothing is left behind.
    expect(server.logs.filter((l) => l.msg === 'encoding' && l.videoId === id)).toHaveLength(0);
    expect(await processesMatching(id)).toEqual([]);
    expect(await readdir(join(dataDir, 'work'))).toEqual([]);
    expect(await listFiles(join(dataDir, 'objects', 'media', id))).toEqual([]);
    await server.kill9();
  });
});

/** The stage a job's idempotency key names (a video's first prepare keeps the former transcode key). */
function stageOf(key: string): string {
  return key.startsWith('ladder:') ? 'ladder' : key.startsWith('transcode:') ? 'prepare' : key;
}

function startPut(url: string, headers: Record<string, string>, size: number): ClientRequest {
  const req = httpRequest(url, { method: 'PUT', headers: { ...headers, 'Content-Length': String(size) } });
  req.on('error', () => {});
  req.flushHeaders();
  return req;
}

function sha256(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}
