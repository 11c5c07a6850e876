import { copyFile, readdir, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../src/config/config.ts';
import { openRuntime, type Runtime } from '../../src/config/compose.ts';
import { buildHttpApp } from '../../src/http/app.ts';
import { ManualClock } from '../../src/core/ports/clock.ts';
import { silentLogger } from '../../src/core/ports/logger.ts';
import { ApiClient } from '../support/api-client.ts';
import { makeClip } from '../support/clips.ts';
import { makeTempDir } from '../support/temp-dir.ts';
import { hashApiToken, newApiTokenSecret } from '../../src/core/auth/api-tokens.ts';
import { newId } from '../../src/core/ids.ts';

/**
 * Scheduled cleanup (core/maintenance) on the embedded store, with time moved by a ManualClock:
 * uploads still `uploading` well after their URL expired are removed, multipart uploads with no
 * recent part are aborted, uploads still receiving parts and stored-but-unreported ones are kept
 * (the latter are queued).
 */
const TTL = 60;
const GRACE = 120;

describe('maintenance: abandoned uploads', () => {
  let temp: { dir: string; cleanup: () => Promise<void> };
  let clock: ManualClock;
  let rt: Runtime;
  let app: FastifyInstance;
  let api: ApiClient;
  let clip: string;

  beforeAll(async () => {
    temp = await makeTempDir('vodkit-maint-');
    clip = (await makeClip(temp.dir, 'landscape', { seconds: 1, name: 'clip.mp4' })).path;
    clock = new ManualClock(new Date());
    const config = loadConfig({}, { dataDir: join(temp.dir, 'data'), port: 0, logLevel: 'warn', uploadUrlTtlSec: TTL, uploadGraceSec: GRACE });
    rt = await openRuntime(config, { logger: silentLogger, clock });
    app = await buildHttpApp(rt, { logLevel: 'warn' });
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    const secret = newApiTokenSecret();
    await rt.catalog.createApiToken({ id: newId(), name: 't', tokenHash: hashApiToken(secret), userId: null, createdAt: clock.now().toISOString(), lastUsedAt: null });
    api = new ApiClient(url, secret);
  });

  afterAll(async () => {
    await app?.close();
    await rt?.close();
    await temp?.cleanup();
  });

  const create = async (name: string, multipart = false) => {
    const res = await api.request('POST', '/api/v1/uploads', { filename: `${name}.mp4`, size: 1000, contentType: 'video/mp4', multipart });
    expect(res.status, JSON.stringify(res.json)).toBe(201);
    return res.json as { video: { id: string }; upload: any };
  };
  const putPart = async (id: string, uploadId: string) => {
    const signed = await api.request('POST', `/api/v1/uploads/${id}/parts`, { uploadId, partNumbers: [1] });
    expect(signed.status).toBe(200);
    const { url, headers } = signed.json.parts[0];
    const res = await fetch(url, { method: 'PUT', headers, body: Buffer.alloc(1000, 7) });
    expect(res.status).toBe(200);
  };
  const status = async (id: string) => (await rt.catalog.getVideo(id))?.status ?? 'gone';
  const uploadsDir = () => join(temp.dir, 'data', 'objects', 'sources', '.vodkit', 'uploads');
  /** Gives every file of a multipart upload the clock's time (parts carry the real time they were written). */
  const touchUpload = async (uploadId: string) => {
    const dir = join(uploadsDir(), uploadId);
    for (const f of await readdir(dir, { recursive: true })) await utimes(join(dir, f), clock.now(), clock.now());
  };

  it('removes what will never finish, keeps what still can, and queues what was stored', async () => {
    const neverSent = await create('never-sent');
    const idle = await create('idle-multipart', true);
    await putPart(idle.video.id, idle.upload.uploadId);
    // Its part was stored "now" by the clock, however long the server took to start on a busy machine.
    await touchUpload(idle.upload.uploadId);
    const active = await create('active-multipart', true);
    await putPart(active.video.id, active.upload.uploadId);
    const stored = await create('stored-unreported');
    // Its bytes are in place but the event was lost (a crash between the two).
    await copyFile(clip, join(temp.dir, 'data', 'objects', 'sources', `${stored.video.id}.mp4`));
    expect(await readdir(uploadsDir())).toHaveLength(2);

    // Just before the limit (URL lifetime + grace): nothing is touched.
    clock.advance((TTL + GRACE - 5) * 1000);
    let report = await rt.maintenance.runOnce();
    expect(report.videos).toEqual([]);
    expect(report.multipartUploads).toBe(0);
    expect(await readdir(uploadsDir())).toHaveLength(2);
    expect(report.recoveredUploads).toBe(1); // the stored one is queued whatever its age
    expect(await status(stored.video.id)).toBe('queued');

    // Past the limit. The active upload stored a part just now (its file's time is the clock's).
    clock.advance(10_000);
    const fresh = await create('fresh');
    await touchUpload(active.upload.uploadId);
    report = await rt.maintenance.runOnce();
    expect(report.videos.sort()).toEqual([neverSent.video.id, idle.video.id].sort());
    expect(report.multipartUploads).toBe(1);
    expect(await status(neverSent.video.id)).toBe('gone');
    expect(await status(idle.video.id)).toBe('gone');
    expect(await status(active.video.id)).toBe('uploading');
    expect(await status(fresh.video.id)).toBe('uploading');
    expect(await status(stored.video.id)).toBe('queued');
    expect(await readdir(uploadsDir())).toEqual([active.upload.uploadId]);

    // The removed video's part URLs no longer work; the kept upload still completes.
    const gone = await api.request('POST', `/api/v1/uploads/${idle.video.id}/parts`, { uploadId: idle.upload.uploadId, partNumbers: [1] });
    expect(gone.status).toBe(404);
    const parts = await api.request('GET', `/api/v1/uploads/${active.video.id}/parts?uploadId=${active.upload.uploadId}`);
    const done = await api.request('POST', `/api/v1/uploads/${active.video.id}/complete`, {
      uploadId: active.upload.uploadId,
      parts: parts.json.parts.map((p: any) => ({ partNumber: p.partNumber, etag: p.etag })),
    });
    expect(done.status, JSON.stringify(done.json)).toBe(200);
    // Tiny random bytes are refused at once, but the upload itself was accepted.
    expect(['queued', 'failed']).toContain(await status(active.video.id));

    // A second run finds nothing more to do.
    report = await rt.maintenance.runOnce();
    expect(report).toEqual({ videos: [], multipartUploads: 0, recoveredUploads: 0, recoveredJobs: 0 });
  });

  it('runs on a schedule once started, and stops', async () => {
    // The schedule's interval timer is moved by the test: an interval passes when the test says so,
    // however busy the machine is.
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    try {
      const late = await create('scheduled');
      clock.advance((TTL + GRACE + 1) * 1000);
      rt.maintenance.start(50);
      vi.advanceTimersByTime(50);
      await expect.poll(() => status(late.video.id), { timeout: 10_000 }).toBe('gone');
      await rt.maintenance.stop();

      const after = await create('after-stop');
      clock.advance((TTL + GRACE + 1) * 1000);
      // Many intervals pass: a timer left behind would start a round now, and stop() waits for it.
      vi.advanceTimersByTime(50 * 20);
      await rt.maintenance.stop();
      expect(await status(after.video.id)).toBe('uploading');
      // The same upload is removed by a round: the check above could see it go.
      await rt.maintenance.runOnce();
      expect(await status(after.video.id)).toBe('gone');
    } finally {
      await rt.maintenance.stop();
      vi.useRealTimers();
    }
  });
});
