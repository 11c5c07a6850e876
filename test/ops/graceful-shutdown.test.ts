import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../support/api-client.ts';
import { makeClip } from '../support/clips.ts';
import { makeTempDir } from '../support/temp-dir.ts';
import { makeLongClip } from './support/media.ts';
import { jobsFor, settledJobsFor } from './support/sqlite-jobs.ts';
import { adminToken, embeddedEnv, processesMatching, startServe, type VodkitProcess } from './support/vodkit-process.ts';

/**
 * SIGTERM: the process takes no new jobs, lets the running one finish within the grace time
 * (VODKIT_SHUTDOWN_GRACE) or else hands it back to the queue (attempt not counted), and exits 0.
 */
describe('graceful shutdown (SIGTERM)', () => {
  let temp: { dir: string; cleanup: () => Promise<void> };
  let shortClip: string;
  let longClip: string;
  const procs: VodkitProcess[] = [];
  const serve = async (name: string, dataDir: string, env: NodeJS.ProcessEnv) => {
    const p = await startServe(name, dataDir, env);
    procs.push(p);
    return p;
  };

  beforeAll(async () => {
    temp = await makeTempDir('vodkit-sigterm-');
    shortClip = (await makeClip(temp.dir, 'landscape', { seconds: 3, name: 'short.mp4' })).path;
    longClip = await makeLongClip(join(temp.dir, 'long.mp4'), 30);
  });

  afterAll(async () => {
    await Promise.all(procs.map((p) => p.kill9()));
    await temp?.cleanup();
  });

  it('a job that cannot finish within the grace time goes back to the queue; the next start runs it', async () => {
    const dataDir = join(temp.dir, 'handback');
    const env = embeddedEnv({ VODKIT_SHUTDOWN_GRACE: '1' });
    const first = await serve('serve-1', dataDir, env);
    const api = new ApiClient(first.url, await adminToken(dataDir, env));
    const long = await api.upload(longClip, { title: 'long' });
    const next = await api.upload(shortClip, { title: 'waiting behind it' });
    await first.waitForLog('the long encode', (l) => l.msg === 'encoding' && l.videoId === long);

    first.signal('SIGTERM');
    const exit = await first.exited;
    expect(exit).toEqual({ code: 0, signal: null });
    const msgs = first.logs.map((l) => l.msg);
    expect(msgs).toContain('shutting down');
    expect(msgs).toContain('running jobs did not finish in time; handing them back to the queue');
    expect(msgs).toContain('job interrupted; it will run again');
    expect(msgs[msgs.length - 1]).toBe('stopped');
    // No new job was taken after the signal, and no ffmpeg outlives the process.
    expect(first.logs.some((l) => l.msg === 'encoding' && l.videoId === next)).toBe(false);
    expect(await processesMatching(long)).toEqual([]);
    // Handed back: waiting, its interrupted attempt not counted.
    expect(jobsFor(dataDir, long)).toMatchObject([{ state: 'waiting', attempts: 0 }]);

    const second = await serve('serve-2', dataDir, env);
    const api2 = new ApiClient(second.url, api.token);
    expect((await api2.request('GET', `/api/v1/videos/${long}`)).json.status).toBe('queued');
    for (const id of [long, next]) expect((await api2.waitSettled(id, 150_000)).status).toBe('ready');
    expect(await settledJobsFor(dataDir, long)).toMatchObject([{ state: 'completed', attempts: 1 }]);
    second.signal('SIGTERM');
    expect(await second.exited).toEqual({ code: 0, signal: null });
  });

  it('a job that finishes within the grace time completes before the process exits', async () => {
    const dataDir = join(temp.dir, 'finish');
    const env = embeddedEnv({ VODKIT_SHUTDOWN_GRACE: '120' });
    const first = await serve('serve-3', dataDir, env);
    const api = new ApiClient(first.url, await adminToken(dataDir, env));
    const id = await api.upload(shortClip);
    const queued = await api.upload(shortClip, { title: 'not started before the signal' });
    await first.waitForLog('the encode', (l) => l.msg === 'encoding' && l.videoId === id);
    first.signal('SIGTERM');
    expect(await first.exited).toEqual({ code: 0, signal: null });
    expect(first.logs.some((l) => l.msg === 'ready' && l.videoId === id)).toBe(true);
    expect(first.logs.some((l) => l.msg === 'encoding' && l.videoId === queued)).toBe(false);
    expect(jobsFor(dataDir, id)).toMatchObject([{ state: 'completed', attempts: 1 }]);
    expect(jobsFor(dataDir, queued)).toMatchObject([{ state: 'waiting', attempts: 0 }]);

    // Not encoded again after the restart; the other one is.
    const second = await serve('serve-4', dataDir, env);
    const api2 = new ApiClient(second.url, api.token);
    expect((await api2.request('GET', `/api/v1/videos/${id}`)).json.status).toBe('ready');
    expect((await api2.waitSettled(queued, 60_000)).status).toBe('ready');
    expect(second.logs.some((l) => l.msg === 'encoding' && l.videoId === id)).toBe(false);
    second.signal('SIGTERM');
    expect(await second.exited).toEqual({ code: 0, signal: null });
  });
});
