import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newApiTokenSecret } from '../../src/core/auth/api-tokens.ts';
import { makeClip } from '../support/clips.ts';
import { makeTempDir } from '../support/temp-dir.ts';
import { startInProcess, type InProcessServer } from './support/in-process.ts';
import { makeLongClip } from './support/media.ts';
import { listFiles } from './support/playback-check.ts';
import { jobsFor, settledJobsFor } from './support/sqlite-jobs.ts';
import { embeddedEnv, processesMatching, runVodkit, waitFor } from './support/vodkit-process.ts';

/**
 * Failure handling: the per-job timeout, deleting a video mid-encode (ffmpeg is killed), and
 * re-running failed jobs through the API and `vodkit retry`.
 */
describe('failure handling', () => {
  let temp: { dir: string; cleanup: () => Promise<void> };
  let clip: string;
  let textFile: string;
  const servers: InProcessServer[] = [];
  const start = async (...args: Parameters<typeof startInProcess>) => {
    const s = await startInProcess(...args);
    servers.push(s);
    return s;
  };

  beforeAll(async () => {
    temp = await makeTempDir('vodkit-failures-');
    clip = await makeLongClip(join(temp.dir, 'clip.mp4'), 12);
    textFile = (await makeClip(temp.dir, 'text', { name: 'notes.mp4' })).path;
  });

  afterAll(async () => {
    for (const s of servers) await s.stop().catch(() => {});
    await temp?.cleanup();
  });

  it('a job past its timeout is stopped (ffmpeg killed), fails at once with a reason, and is not retried', async () => {
    const dataDir = join(temp.dir, 'timeout');
    const server = await start(dataDir, { flags: { jobTimeoutMinSec: 1, jobTimeoutFactor: 0 } });
    const id = await server.api.upload(clip);
    const video = await server.api.waitSettled(id, 60_000);
    expect(video.status).toBe('failed');
    expect(video.error).toMatch(/^transcoding took longer than 1 second, the most allowed for a 12-second video/);
    const jobs = await settledJobsFor(dataDir, id);
    expect(jobs).toHaveLength(1);
    expect(jobs[0]).toMatchObject({ state: 'failed', attempts: 1 });
    await waitFor('ffmpeg to be gone', async () => (await processesMatching(id)).length === 0, 5000);
    expect(await readdir(join(dataDir, 'work'))).toEqual([]);
    await server.stop();
  });

  it('deleting a video mid-encode kills its ffmpeg within seconds and leaves nothing behind', async () => {
    const dataDir = join(temp.dir, 'delete');
    const server = await start(dataDir);
    const id = await server.api.upload(clip);
    const encoding = await waitFor('ffmpeg to encode the video', async () => {
      const procs = await processesMatching(id);
      return procs.some((p) => /ffmpeg/.test(p.cmdline) && p.cmdline.includes(join(dataDir, 'work'))) ? procs : null;
    }, 60_000);
    expect(encoding.length).toBeGreaterThan(0);
    const res = await server.api.request('DELETE', `/api/v1/videos/${id}`);
    expect(res.status).toBe(204);
    await waitFor('every ffmpeg of the deleted video to exit', async () => (await processesMatching(id)).length === 0, 5000);
    await waitFor('the scratch folder to be removed', async () => (await readdir(join(dataDir, 'work'))).length === 0, 5000);
    // What the encode had published goes too (the stopped stage removes it once its uploads stopped).
    await waitFor('the published files to be removed', async () => (await listFiles(join(dataDir, 'objects', 'media', id))).length === 0, 10_000);
    expect((await listFiles(join(dataDir, 'objects', 'sources'))).filter((f) => f.includes(id))).toEqual([]);
    expect((await server.api.request('GET', `/api/v1/videos/${id}`)).status).toBe(404);
    // The worker is free for the next video.
    const next = await server.api.upload(clip);
    expect((await server.api.waitSettled(next, 90_000)).status).toBe('ready');
    await server.stop();
  });

  it('failed videos run again: POST /api/v1/videos/:id/retry and vodkit retry <id> | --all-failed', async () => {
    const dataDir = join(temp.dir, 'retry');
    const token = newApiTokenSecret();
    // A worker whose timeout is too short: every transcode fails.
    const strict = await start(dataDir, { flags: { jobTimeoutMinSec: 1, jobTimeoutFactor: 0 }, token });
    const ids = [];
    for (let i = 0; i < 4; i++) ids.push(await strict.api.upload(clip, { title: `v${i}` }));
    const text = await strict.api.upload(textFile);
    for (const id of [...ids, text]) expect((await strict.api.waitSettled(id, 60_000)).status).toBe('failed');

    const retried = await strict.api.request('POST', `/api/v1/videos/${ids[0]}/retry`);
    expect(retried.status, JSON.stringify(retried.json)).toBe(202);
    expect(retried.json.status).toBe('queued');
    expect(retried.json.error).toBeNull();
    const again = await strict.api.waitSettled(ids[0], 60_000);
    expect(again.status).toBe('failed'); // the same too-short timeout
    // One prepare for the upload, one for the retry (each may have queued its ladder too).
    expect(jobsFor(dataDir, ids[0]).filter((j) => j.idempotency_key.startsWith('transcode:'))).toHaveLength(2);
    expect((await strict.api.request('POST', `/api/v1/videos/nosuchvideo00000/retry`)).status).toBe(404);
    await strict.stop();

    // From the command line, with the server stopped: one video, then every failed one.
    const env = embeddedEnv();
    await rm(join(dataDir, 'objects', 'sources', `${ids[3]}.mp4`)); // its source is gone: it cannot run again
    const one = await runVodkit(['retry', ids[1], '--data-dir', dataDir], env);
    expect(one.stdout).toContain(`queued ${ids[1]}`);
    const all = await runVodkit(['retry', '--all-failed', '--data-dir', dataDir], env);
    expect(all.stdout).toContain(`queued ${ids[0]}`);
    expect(all.stdout).toContain(`queued ${ids[2]}`);
    // The text file failed because of what it is: trying again would fail the same way.
    expect(all.stdout).toMatch(new RegExp(`skipped ${text}: this video failed because of its file`));
    expect(all.stdout).toMatch(new RegExp(`skipped ${ids[3]}: the source file is gone`));
    expect(all.stdout).toContain('2 queued, 2 skipped');
    await expect(runVodkit(['retry', '--data-dir', dataDir], env)).rejects.toThrow(/give a video id, or --all-failed/);

    // A worker with the normal limits finishes them.
    const normal = await start(dataDir, { token });
    for (const id of ids.slice(0, 3)) {
      const v = await normal.api.waitSettled(id, 120_000);
      expect(v.status, v.error).toBe('ready');
    }
    const refused = await normal.api.waitSettled(text, 60_000);
    expect(refused.status).toBe('failed');
    expect(refused.error).toMatch(/not a video or audio file/);
    expect(refused.retryable).toBe(false);
    expect(jobsFor(dataDir, text)).toHaveLength(0);
    // A ready video cannot be retried.
    const conflict = await normal.api.request('POST', `/api/v1/videos/${ids[0]}/retry`);
    expect(conflict.status).toBe(409);
    expect(conflict.json.error.message).toMatch(/only failed videos can be retried/);
    await normal.stop();
  });
});
