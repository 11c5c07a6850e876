import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteCatalog } from '../../../src/adapters/catalog/sqlite/sqlite-catalog.ts';
import { SqliteJobQueue } from '../../../src/adapters/job-queue/sqlite/sqlite-job-queue.ts';
import { LocalDiskObjectStore } from '../../../src/adapters/object-store/local-disk/local-disk-object-store.ts';
import { TransientError, UnsupportedMediaError } from '../../../src/core/errors.ts';
import { applyEncodeEvent, type EncodeEventDeps } from '../../../src/core/pipeline/encode-event.ts';
import type { EncodeMode } from '../../../src/core/ports/encode-backend.ts';
import { systemClock } from '../../../src/core/ports/clock.ts';
import { UrlSigner } from '../../../src/core/upload/url-signer.ts';
import { silentLogger } from '../../../src/core/ports/logger.ts';
import { createUploading, transition } from '../../../src/core/videos/lifecycle.ts';
import { newId } from '../../../src/core/ids.ts';
import { makeNewVideo } from '../../conformance/catalog-fixtures.ts';

/**
 * The completion side of an encode backend that completes by event (MediaConvert): events applied
 * to a video in a real catalog, failed encodes with attempts left queued again in a real queue.
 */
describe('applyEncodeEvent', () => {
  let dir: string;
  let catalog: SqliteCatalog;
  let queue: SqliteJobQueue;
  let deps: EncodeEventDeps;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vodkit-encode-event-'));
    catalog = await SqliteCatalog.open({ path: join(dir, 'catalog.db') });
    queue = await SqliteJobQueue.open({ path: join(dir, 'queue.db') });
    const clock = systemClock;
    const media = await LocalDiskObjectStore.open({ root: join(dir, 'media'), bucket: 'media', clock, signer: new UrlSigner({ secret: 'x'.repeat(32), clock }) });
    deps = { catalog, media, queue, logger: silentLogger };
  });

  afterEach(async () => {
    await queue.close();
    await catalog.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** A video being processed by an attempt, as the prepare stage leaves it: first output submitted, ladder queued. */
  async function processing(options: { playable?: boolean } = {}) {
    const video = await createUploading(catalog, makeNewVideo({ id: newId() }));
    await transition(catalog, video.id, 'queue');
    const started = await transition(catalog, video.id, 'start', {}, { attemptId: null });
    if (!started.applied) throw new Error('not started');
    const attemptId = started.video.attemptId!;
    if (options.playable) {
      await transition(catalog, video.id, 'playable', { masterKey: `${video.id}/first/master.m3u8`, renditions: [] }, { attemptId });
    }
    return { id: video.id, sourceKey: video.sourceKey, attemptId };
  }

  const failure = (videoId: string, attemptId: string, mode: EncodeMode, error: Error, final: boolean, attempts: number) =>
    ({ kind: 'completion', completion: { videoId, attemptId, mode, error, final, attempts } }) as const;


  it('a ladder that failed with attempts left is queued again, knowing the attempts before it; the video keeps playing', async () => {
    const v = await processing({ playable: true });
    const outcome = await applyEncodeEvent(deps, failure(v.id, v.attemptId, 'ladder', new TransientError('MediaConvert: internal error'), false, 1));
    expect(outcome).toBe('retrying');
    const video = await catalog.getVideo(v.id);
    expect(video).toMatchObject({ status: 'processing', playable: true, attemptId: v.attemptId });
    const counts = await queue.counts();
    expect(counts.waiting).toBe(1);
    const enqueued = await queue.enqueue(
      { type: 'ladder', videoId: v.id, sourceKey: v.sourceKey, attemptId: v.attemptId, retry: `${v.attemptId}-2`, priorAttempts: 1 },
      { idempotencyKey: `ladder:${v.id}:${v.attemptId}:retry:${v.attemptId}-2` },
    );
    // The same key: the job the event queued, with its payload.
    expect(enqueued.created).toBe(false);
    const job = await queue.getJob(enqueued.id);
    expect(job?.payload).toEqual({ type: 'ladder', videoId: v.id, sourceKey: v.sourceKey, attemptId: v.attemptId, retry: `${v.attemptId}-2`, priorAttempts: 1 });
  });

  it('the same failure event twice queues one job', async () => {
    const v = await processing({ playable: true });
    const event = failure(v.id, v.attemptId, 'ladder', new TransientError('MediaConvert: internal error'), false, 2);
    await applyEncodeEvent(deps, event);
    expect(await applyEncodeEvent(deps, event)).toBe('retrying');
    expect((await queue.counts()).waiting).toBe(1);
  });

  it('a ladder that failed on its last attempt fails the video and queues nothing', async () => {
    const v = await processing({ playable: true });
    const outcome = await applyEncodeEvent(deps, failure(v.id, v.attemptId, 'ladder', new TransientError('MediaConvert: internal error'), true, 4));
    expect(outcome).toBe('failed');
    const failed = await catalog.getVideo(v.id);
    expect(failed).toMatchObject({ status: 'failed', playable: false });
    expect(failed?.retryable ?? true).toBe(true);
    expect((await queue.counts()).waiting).toBe(0);
  });

  it('a bad input fails the video for good', async () => {
    const v = await processing();
    const outcome = await applyEncodeEvent(deps, failure(v.id, v.attemptId, 'ladder', new UnsupportedMediaError('the file cannot be decoded'), true, 1));
    expect(outcome).toBe('failed');
    expect(await catalog.getVideo(v.id)).toMatchObject({ status: 'failed', retryable: false });
  });

  it('a first playable output that failed with attempts left changes nothing: the ladder of the attempt publishes the video', async () => {
    const v = await processing();
    const before = await catalog.getVideo(v.id);
    const outcome = await applyEncodeEvent(deps, failure(v.id, v.attemptId, 'first-playable', new TransientError('MediaConvert: internal error'), false, 1));
    expect(outcome).toBe('first-output-failed');
    expect(await catalog.getVideo(v.id)).toEqual(before);
    expect((await queue.counts()).waiting).toBe(0);
  });

  it('a failure of an earlier attempt is ignored', async () => {
    const v = await processing({ playable: true });
    const outcome = await applyEncodeEvent(deps, failure(v.id, 'an-earlier-attempt', 'ladder', new TransientError('x'), false, 1));
    expect(outcome).toBe('stale');
    expect(await catalog.getVideo(v.id)).toMatchObject({ status: 'processing', playable: true });
    expect((await queue.counts()).waiting).toBe(0);
  });

  it("moves the ladder's progress forward only, and only for the video's current attempt", async () => {
    const v = await processing({ playable: true });
    const progress = (fraction: number, mode: EncodeMode = 'ladder', attemptId = v.attemptId) =>
      applyEncodeEvent(deps, { kind: 'progress', videoId: v.id, attemptId, mode, fraction });
    expect(await progress(0.4)).toBe('progress');
    expect(await progress(0.2)).toBe('ignored');
    expect(await progress(0.9, 'first-playable')).toBe('ignored');
    expect(await progress(0.8, 'ladder', 'another-attempt')).toBe('ignored');
    expect((await catalog.getVideo(v.id))?.progress).toBeCloseTo(0.4);
    expect(await progress(1)).toBe('progress');
    expect((await catalog.getVideo(v.id))?.progress).toBeCloseTo(0.99);
  });

  it('a completed ladder makes the video ready once; a second COMPLETE is a duplicate', async () => {
    const v = await processing({ playable: true });
    const result = { masterKey: `${v.id}/master.m3u8`, renditions: [], posterKey: null, thumbnailKey: null };
    const complete = { kind: 'completion', completion: { videoId: v.id, attemptId: v.attemptId, mode: 'ladder', result } } as const;
    expect(await applyEncodeEvent(deps, complete)).toBe('ready');
    expect(await applyEncodeEvent(deps, complete)).toBe('duplicate');
    expect(await catalog.getVideo(v.id)).toMatchObject({ status: 'ready', masterKey: `${v.id}/master.m3u8` });
  });
});
