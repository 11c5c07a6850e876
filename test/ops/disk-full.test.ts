import { execFile } from 'node:child_process';
import { mkdir, open, readFile, rm, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '../support/temp-dir.ts';
import { startInProcess, type InProcessServer } from './support/in-process.ts';
import { makeLongClip } from './support/media.ts';
import { listFiles } from './support/playback-check.ts';
import { jobsFor, settledJobsFor } from './support/sqlite-jobs.ts';
import { waitFor } from './support/vodkit-process.ts';

const exec = promisify(execFile);

/**
 * A full disk, for real: the store and the job scratch folder each live on a small tmpfs that the
 * test fills. Uploads are refused with a clear 507 and leave nothing behind; an encode that runs
 * out of space is retried with backoff; both succeed once space is freed. Mounting needs root
 * (CAP_SYS_ADMIN), as in CI; without it the test fails saying so.
 */
describe('a full disk', () => {
  let temp: { dir: string; cleanup: () => Promise<void> };
  let dataDir: string;
  let clip: string;
  let server: InProcessServer | undefined;
  const mounts: string[] = [];

  const mountTmpfs = async (dir: string, size: string) => {
    await mkdir(dir, { recursive: true });
    try {
      await exec('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir]);
    } catch (err) {
      throw new Error(
        `This test mounts a small tmpfs to fill it, which needs root (CAP_SYS_ADMIN); mount failed: ${(err as Error).message.trim()}`,
      );
    }
    mounts.push(dir);
  };
  /** Leaves about `leaveBytes` free on the filesystem of `dir`; returns the filler's path. */
  const fill = async (dir: string, leaveBytes: number) => {
    const path = join(dir, 'filler.bin');
    const fs = await statfs(dir);
    const free = fs.bavail * fs.bsize;
    const fh = await open(path, 'w');
    try {
      const chunk = Buffer.alloc(1024 * 1024);
      let left = free - leaveBytes;
      while (left > 0) {
        const n = Math.min(left, chunk.length);
        await fh.write(chunk, 0, n);
        left -= n;
      }
    } finally {
      await fh.close();
    }
    return path;
  };

  beforeAll(async () => {
    temp = await makeTempDir('vodkit-diskfull-');
    dataDir = join(temp.dir, 'data');
    clip = await makeLongClip(join(temp.dir, 'clip.mp4'), 8);
    await mountTmpfs(join(dataDir, 'objects'), '48m');
    await mountTmpfs(join(dataDir, 'work'), '16m');
  });

  afterAll(async () => {
    await server?.stop().catch(() => {});
    for (const dir of mounts.reverse()) await exec('umount', [dir]).catch(() => {});
    await temp?.cleanup();
  });

  it('uploads are refused with 507 and encodes are retried until space is freed, then both succeed', async () => {
    server = await startInProcess(dataDir);
    const { api } = server;
    const storeFiller = await fill(join(dataDir, 'objects'), 256 * 1024);
    const bytes = await readFile(clip);
    expect(bytes.length).toBeGreaterThan(1024 * 1024);

    const created = await api.request('POST', '/api/v1/uploads', { filename: 'clip.mp4', size: bytes.length, contentType: 'video/mp4' });
    expect(created.status).toBe(201);
    const { upload, video } = created.json;
    const put = () => fetch(upload.url, { method: 'PUT', headers: { ...upload.headers, 'Content-Length': String(bytes.length) }, body: bytes });
    const refused = await put();
    expect(refused.status).toBe(507);
    expect(await refused.json()).toEqual({ error: { code: 'InsufficientStorage', message: 'the server has no disk space left to store this; try again later' } });
    expect(await listFiles(join(dataDir, 'objects', 'sources', '.vodkit', 'tmp')), 'no half-written upload left').toEqual([]);
    expect((await api.request('GET', `/api/v1/videos/${video.id}`)).json.status).toBe('uploading');
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);

    // Space comes back for the store, but the scratch disk of the encoder is full now.
    const workFiller = await fill(join(dataDir, 'work'), 16 * 1024);
    await rm(storeFiller);
    expect((await put()).status).toBe(200);
    const firstFailure = await waitFor('an encode attempt to fail for lack of space', () => {
      const [job] = jobsFor(dataDir, video.id);
      return job?.last_error && job.state !== 'active' ? job : null;
    }, 60_000);
    expect(firstFailure.last_error).toMatch(/no space left on device/i);
    expect(firstFailure.state).toBe('waiting'); // retried after a backoff, not failed
    expect((await api.request('GET', `/api/v1/videos/${video.id}`)).json.status).toBe('queued');

    await rm(workFiller);
    const ready = await api.waitSettled(video.id, 120_000);
    expect(ready.status, ready.error).toBe('ready');
    const [job] = await settledJobsFor(dataDir, video.id);
    expect(job.state).toBe('completed');
    expect(job.attempts).toBeGreaterThanOrEqual(2);
  });
});
