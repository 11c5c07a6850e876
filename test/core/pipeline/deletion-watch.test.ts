import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteCatalog } from '../../../src/adapters/catalog/sqlite/sqlite-catalog.ts';
import { LocalDiskObjectStore } from '../../../src/adapters/object-store/local-disk/local-disk-object-store.ts';
import { AbortedError } from '../../../src/core/errors.ts';
import { newId } from '../../../src/core/ids.ts';
import { planLadder } from '../../../src/core/ladder/plan-ladder.ts';
import type { MediaInfo } from '../../../src/core/model/media-info.ts';
import { runLadderPart } from '../../../src/core/pipeline/ladder-part-stage.ts';
import { runLadder } from '../../../src/core/pipeline/ladder-stage.ts';
import { runPrepare } from '../../../src/core/pipeline/prepare-stage.ts';
import type { TranscodeJobDeps } from '../../../src/core/pipeline/stage-attempt.ts';
import { systemClock } from '../../../src/core/ports/clock.ts';
import type { Encoding } from '../../../src/core/ports/encode-backend.ts';
import type { EncodeJobPayload, JobContext, JobQueue } from '../../../src/core/ports/job-queue.ts';
import { silentLogger } from '../../../src/core/ports/logger.ts';
import { UrlSigner } from '../../../src/core/upload/url-signer.ts';
import { makeTempDir } from '../../support/temp-dir.ts';

const media: MediaInfo = {
  formatName: 'mov,mp4,m4a,3gp,3g2,mj2', durationSec: 3600, sizeBytes: 1, bitrate: null, audio: null,
  held: { videoFrames: 108000, videoSpanSec: 3600, audioSec: 0, audioSpanSec: 0 },
  video: { index: 0, codec: 'h264', profile: 'High', width: 1280, height: 720, displayWidth: 1280, displayHeight: 720, rotation: 0, fps: 30, variableFrameRate: false, pixFmt: 'yuv420p', bitDepth: 8, colorTransfer: null, colorPrimaries: null, bitrate: null },
};

/** Work that reports no progress (a probe of a long file, a stream copy) until it is stopped. */
function untilStopped(stopped: string[], what: string, signal?: AbortSignal): Promise<never> {
  return new Promise((_resolve, reject) => {
    signal!.addEventListener('abort', () => {
      stopped.push(what);
      reject(new AbortedError(`${what} stopped`));
    });
  });
}

/**
 * Deleting a video stops its stage's work even while that work writes no progress: a probe that
 * reads every packet of an hour-long file, or its stream copy, would otherwise run on for minutes
 * after the video and its files are gone (stage-attempt.ts `watch`).
 */
describe('a video deleted while its stage works', () => {
  let tmp: { dir: string; cleanup: () => Promise<void> };
  let catalog: SqliteCatalog;
  let base: TranscodeJobDeps;

  beforeAll(async () => {
    tmp = await makeTempDir('vodkit-deletion-');
    const signer = new UrlSigner({ secret: 'deletion-watch-test-secret-0123456789', clock: systemClock });
    const sources = await LocalDiskObjectStore.open({ root: join(tmp.dir, 'sources'), bucket: 'sources', signer, clock: systemClock });
    const store = await LocalDiskObjectStore.open({ root: join(tmp.dir, 'media'), bucket: 'media', signer, clock: systemClock });
    catalog = await SqliteCatalog.open({ path: join(tmp.dir, 'catalog.db') });
    base = { catalog, sources, media: store, queue: {} as JobQueue, encoding: {} as Encoding, clock: systemClock, logger: silentLogger, segmentSeconds: 4, progressIntervalMs: 50 };
  });
  afterAll(async () => {
    await catalog?.close();
    await tmp?.cleanup();
  });

  async function createVideo(status: 'queued' | 'processing', attemptId: string | null) {
    const id = newId();
    const now = new Date().toISOString();
    await catalog.createVideo({
      id, title: id, status, progress: 0, error: null, filename: 'long.mp4', contentType: 'video/mp4', sourceSize: 1, sourceKey: `${id}.mp4`,
      ownerId: null, visibility: 'private', durationSec: null, width: null, height: null, renditions: [], masterKey: null, posterKey: null,
      thumbnailKey: null, playable: false, attemptId, createdAt: now, updatedAt: now,
    });
    await base.sources.put(`${id}.mp4`, Buffer.from('source bytes'));
    return id;
  }
  const ctx = (payload: EncodeJobPayload) => ({ id: 'job', payload, attempt: 1, maxAttempts: 3, signal: new AbortController().signal }) as JobContext<EncodeJobPayload>;
  const deleteSoon = (id: string) => setTimeout(() => void catalog.deleteVideo(id), 200);

  it('stops the ladder stage while it probes the source', async () => {
    const stopped: string[] = [];
    const encoding = { probe: { capabilities: { firstLook: false }, probe: (_ref: unknown, signal?: AbortSignal) => untilStopped(stopped, 'probe', signal) }, analyzer: null } as unknown as Encoding;
    const attemptId = newId();
    const id = await createVideo('processing', attemptId);
    deleteSoon(id);
    await runLadder({ ...base, encoding }, ctx({ type: 'ladder', videoId: id, sourceKey: `${id}.mp4`, attemptId, sourceEtag: 'etag-1' }));
    expect(stopped).toEqual(['probe']);
    expect(await catalog.getVideo(id)).toBeNull();
  });

  it('stops a part of a split ladder while it probes the source', async () => {
    const stopped: string[] = [];
    const encoding = { probe: { capabilities: { firstLook: false }, probe: (_ref: unknown, signal?: AbortSignal) => untilStopped(stopped, 'probe', signal) } } as unknown as Encoding;
    const attemptId = newId();
    const id = await createVideo('processing', attemptId);
    deleteSoon(id);
    await runLadderPart(
      { ...base, encoding },
      ctx({
        type: 'ladder-part', videoId: id, sourceKey: `${id}.mp4`, attemptId, sourceEtag: 'etag-1', chunks: 24,
        chunk: { index: 3, startSec: 444, frames: 4440, firstSegment: 111 }, plan: planLadder(media, { segmentSeconds: 4 }),
      }) as JobContext<never>,
    );
    expect(stopped).toEqual(['probe']);
  });

  it('stops the prepare stage while its stream copy runs, and removes what it published', async () => {
    const stopped: string[] = [];
    const encoding = {
      probe: { capabilities: { firstLook: false }, probe: async () => media },
      backend: {
        capabilities: { completion: 'in-process', streamCopy: true, earlyPlayable: true, chunks: true },
        submit: async (request: { signal?: AbortSignal; outputPrefix: string }) => {
          await base.media.put(`${request.outputPrefix}source/index.m3u8`, Buffer.from('#EXTM3U\n'));
          return untilStopped(stopped, 'copy', request.signal);
        },
      },
    } as unknown as Encoding;
    const id = await createVideo('queued', null);
    deleteSoon(id);
    await runPrepare({ ...base, encoding }, ctx({ type: 'prepare', videoId: id, sourceKey: `${id}.mp4` } as EncodeJobPayload));
    expect(stopped).toEqual(['copy']);
    expect(await base.media.list(`${id}/`)).toEqual([]);
  });

  it('lets the work go on while the video is there', async () => {
    // The probe outlives several looks at the video; the stage then goes on to the encode.
    const submitted: string[] = [];
    const encoding = {
      probe: { capabilities: { firstLook: false }, probe: () => new Promise((resolve) => setTimeout(() => resolve(media), 300)) },
      analyzer: null,
      backend: {
        capabilities: { completion: 'in-process', streamCopy: true, earlyPlayable: true, chunks: false },
        submit: async () => {
          submitted.push('ladder');
          throw new AbortedError('not encoded in this test');
        },
      },
    } as unknown as Encoding;
    const attemptId = newId();
    const id = await createVideo('processing', attemptId);
    await runLadder({ ...base, encoding }, ctx({ type: 'ladder', videoId: id, sourceKey: `${id}.mp4`, attemptId, sourceEtag: 'etag-1' })).catch(() => {});
    expect(submitted).toEqual(['ladder']);
  });
});
