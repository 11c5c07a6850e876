import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteCatalog } from '../../../src/adapters/catalog/sqlite/sqlite-catalog.ts';
import { LocalDiskObjectStore } from '../../../src/adapters/object-store/local-disk/local-disk-object-store.ts';
import { UnsupportedMediaError } from '../../../src/core/errors.ts';
import { newId } from '../../../src/core/ids.ts';
import { planLadder } from '../../../src/core/ladder/plan-ladder.ts';
import type { MediaInfo } from '../../../src/core/model/media-info.ts';
import { runLadderPart } from '../../../src/core/pipeline/ladder-part-stage.ts';
import type { TranscodeJobDeps } from '../../../src/core/pipeline/stage-attempt.ts';
import { systemClock } from '../../../src/core/ports/clock.ts';
import type { Encoding } from '../../../src/core/ports/encode-backend.ts';
import type { JobQueue, LadderPartJobPayload } from '../../../src/core/ports/job-queue.ts';
import { silentLogger } from '../../../src/core/ports/logger.ts';
import { UrlSigner } from '../../../src/core/upload/url-signer.ts';
import { makeTempDir } from '../../support/temp-dir.ts';

const media: MediaInfo = {
  formatName: 'mov,mp4,m4a,3gp,3g2,mj2', durationSec: 600, sizeBytes: 1, bitrate: null, audio: null,
  held: { videoFrames: 18000, videoSpanSec: 600, audioSec: 0, audioSpanSec: 0 },
  video: { index: 0, codec: 'h264', profile: 'High', width: 1280, height: 720, displayWidth: 1280, displayHeight: 720, rotation: 0, fps: 30, variableFrameRate: false, pixFmt: 'yuv420p', bitDepth: 8, colorTransfer: null, colorPrimaries: null, bitrate: null },
};

/**
 * A part of a split ladder whose encode fails: on its last attempt (or for bad input) the video
 * fails once, with the reason, and what the attempt published is removed; before that the queue
 * runs it again and the video goes on processing.
 */
describe('ladder-part stage failures', () => {
  let tmp: { dir: string; cleanup: () => Promise<void> };
  let catalog: SqliteCatalog;
  let deps: TranscodeJobDeps;

  beforeAll(async () => {
    tmp = await makeTempDir('vodkit-part-');
    const signer = new UrlSigner({ secret: 'ladder-part-stage-test-secret-0123456789', clock: systemClock });
    const sources = await LocalDiskObjectStore.open({ root: join(tmp.dir, 'sources'), bucket: 'sources', signer, clock: systemClock });
    const store = await LocalDiskObjectStore.open({ root: join(tmp.dir, 'media'), bucket: 'media', signer, clock: systemClock });
    catalog = await SqliteCatalog.open({ path: join(tmp.dir, 'catalog.db') });
    const encoding = {
      probe: { capabilities: { firstLook: false }, probe: async () => media },
      backend: {
        capabilities: { completion: 'in-process', streamCopy: false, earlyPlayable: false, chunks: true },
        submit: async () => {
          throw new UnsupportedMediaError('the video could not be decoded');
        },
      },
    } as unknown as Encoding;
    deps = { catalog, sources, media: store, queue: {} as JobQueue, encoding, clock: systemClock, logger: silentLogger, segmentSeconds: 4, chunkSeconds: 150 };
  });
  afterAll(async () => {
    await catalog?.close();
    await tmp?.cleanup();
  });

  async function processingVideo(attemptId: string) {
    const id = newId();
    const now = new Date().toISOString();
    await catalog.createVideo({
      id, title: id, status: 'processing', progress: 0, error: null, filename: 'clip.mp4', contentType: 'video/mp4', sourceSize: 1, sourceKey: `${id}.mp4`,
      ownerId: null, visibility: 'private', durationSec: 600, width: 1280, height: 720, renditions: [], masterKey: null, posterKey: null,
      thumbnailKey: null, playable: false, attemptId, createdAt: now, updatedAt: now,
    });
    await deps.media.put(`${id}/720p/seg_00000.m4s`, Buffer.from('segment'));
    return id;
  }

  const part = (videoId: string, attemptId: string): LadderPartJobPayload => ({
    type: 'ladder-part', videoId, sourceKey: `${videoId}.mp4`, attemptId, sourceEtag: 'etag-1', chunks: 4,
    chunk: { index: 1, startSec: 148, frames: 4440, firstSegment: 37 }, plan: planLadder(media, { segmentSeconds: 4 }),
  });
  const ctx = (payload: LadderPartJobPayload, attempt: number) => ({ id: 'job', payload, attempt, maxAttempts: 3, signal: new AbortController().signal });

  it('fails the video once, with the reason, and removes its outputs when a part fails for good', async () => {
    const attemptId = newId();
    const id = await processingVideo(attemptId);
    await expect(runLadderPart(deps, ctx(part(id, attemptId), 1))).rejects.toBeInstanceOf(UnsupportedMediaError);
    expect(await catalog.getVideo(id)).toMatchObject({ status: 'failed', error: expect.stringContaining('could not be decoded') });
    expect(await deps.media.list(`${id}/`)).toEqual([]);
    // Another part of the same attempt, later: nothing changes.
    await runLadderPart(deps, ctx(part(id, attemptId), 1));
    expect(await catalog.getVideo(id)).toMatchObject({ status: 'failed' });
  });

  it('leaves the video processing when the part will run again, and does nothing for another attempt', async () => {
    const attemptId = newId();
    const id = await processingVideo(attemptId);
    const transient = { ...deps, encoding: { ...deps.encoding, backend: { ...deps.encoding.backend, submit: async () => { throw new Error('disk full'); } } } } as TranscodeJobDeps;
    await expect(runLadderPart(transient, ctx(part(id, attemptId), 1))).rejects.toThrow('disk full');
    expect(await catalog.getVideo(id)).toMatchObject({ status: 'processing', attemptId });
    await runLadderPart(deps, ctx(part(id, 'an-earlier-attempt'), 3));
    expect(await catalog.getVideo(id)).toMatchObject({ status: 'processing', attemptId });
  });
});
