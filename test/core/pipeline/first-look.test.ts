import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteCatalog } from '../../../src/adapters/catalog/sqlite/sqlite-catalog.ts';
import { LocalDiskObjectStore } from '../../../src/adapters/object-store/local-disk/local-disk-object-store.ts';
import { UnsupportedMediaError } from '../../../src/core/errors.ts';
import { newId } from '../../../src/core/ids.ts';
import type { MediaInfo } from '../../../src/core/model/media-info.ts';
import type { Rendition } from '../../../src/core/model/video.ts';
import { runPrepare } from '../../../src/core/pipeline/prepare-stage.ts';
import type { TranscodeJobDeps } from '../../../src/core/pipeline/stage-attempt.ts';
import { systemClock } from '../../../src/core/ports/clock.ts';
import type { Encoding, EncodeEvents, EncodeRequest, EncodeSubmission } from '../../../src/core/ports/encode-backend.ts';
import type { EncodeJobPayload, JobContext, JobQueue } from '../../../src/core/ports/job-queue.ts';
import { silentLogger } from '../../../src/core/ports/logger.ts';
import type { FirstLook } from '../../../src/core/ports/media-probe.ts';
import { UrlSigner } from '../../../src/core/upload/url-signer.ts';
import { makeTempDir } from '../../support/temp-dir.ts';

/** An hour-long H.264 file fit for a stream copy, as its first look and its full probe see it. */
const full: MediaInfo = {
  formatName: 'mov,mp4,m4a,3gp,3g2,mj2', durationSec: 3599.5, sizeBytes: 1_000_000_000, bitrate: null, audio: null,
  held: { videoFrames: 107_985, videoSpanSec: 3599.5, audioSec: 0, audioSpanSec: 0 },
  video: {
    index: 0, codec: 'h264', profile: 'High', width: 1280, height: 720, displayWidth: 1280, displayHeight: 720, rotation: 0, fps: 30,
    variableFrameRate: false, pixFmt: 'yuv420p', bitDepth: 8, colorTransfer: null, colorPrimaries: null, bitrate: 2_000_000, maxKeyframeIntervalSec: 2,
  },
};
const look: MediaInfo = { ...full, durationSec: 3600, held: { videoFrames: 3600, videoSpanSec: 120, audioSec: 0, audioSpanSec: 0 } };

/** A promise and the functions that settle it. */
function later<T>() {
  let resolve!: (value: T) => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

interface Seen {
  events: string[];
  requests: EncodeRequest[];
  probes: number;
}

/**
 * The prepare stage publishes its first output (a stream copy, or the lowest rung when the source is
 * unfit for a copy) from a first look at the source (its headers and first seconds) while the full
 * probe reads the rest of a long file, and holds the rest of its work to the full probe: its
 * duration is stored, a failure fails the attempt and stops the first output, the ladder is queued
 * only once it is done (prepare-stage.ts, probeSource).
 */
describe('the prepare stage with a first look', () => {
  let tmp: { dir: string; cleanup: () => Promise<void> };
  let catalog: SqliteCatalog;
  let base: Omit<TranscodeJobDeps, 'encoding' | 'queue'>;

  beforeAll(async () => {
    tmp = await makeTempDir('vodkit-first-look-');
    const signer = new UrlSigner({ secret: 'first-look-test-secret-0123456789', clock: systemClock });
    const sources = await LocalDiskObjectStore.open({ root: join(tmp.dir, 'sources'), bucket: 'sources', signer, clock: systemClock });
    const store = await LocalDiskObjectStore.open({ root: join(tmp.dir, 'media'), bucket: 'media', signer, clock: systemClock });
    catalog = await SqliteCatalog.open({ path: join(tmp.dir, 'catalog.db') });
    base = { catalog, sources, media: store, clock: systemClock, logger: silentLogger, segmentSeconds: 4, progressIntervalMs: 50 };
  });
  afterAll(async () => {
    await catalog?.close();
    await tmp?.cleanup();
  });

  async function queuedVideo(): Promise<string> {
    const id = newId();
    const now = new Date().toISOString();
    await catalog.createVideo({
      id, title: id, status: 'queued', progress: 0, error: null, filename: 'long.mp4', contentType: 'video/mp4', sourceSize: 1, sourceKey: `${id}.mp4`,
      ownerId: null, visibility: 'private', durationSec: null, width: null, height: null, renditions: [], masterKey: null, posterKey: null,
      thumbnailKey: null, playable: false, attemptId: null, createdAt: now, updatedAt: now,
    });
    await base.sources.put(`${id}.mp4`, Buffer.from('source bytes'));
    return id;
  }

  /**
   * Runs the prepare stage of a new video with a probe whose first look answers `firstLook` and
   * whose full probe answers `probe` (called once the look is done), and a backend whose copy
   * publishes a master and then waits for `copyDone`.
   */
  async function prepare(
    seen: Seen,
    options: { firstLook: () => Promise<FirstLook>; probe: () => Promise<MediaInfo>; copyDone?: Promise<void> },
  ): Promise<{ id: string; error: unknown }> {
    const encoding = {
      probe: {
        capabilities: { firstLook: true },
        firstLook: async () => {
          const result = await options.firstLook();
          seen.events.push('first look');
          return result;
        },
        probe: async () => {
          seen.probes++;
          const result = await options.probe().catch((err: unknown) => {
            seen.events.push('probe failed');
            throw err;
          });
          seen.events.push('probed');
          return result;
        },
      },
      analyzer: null,
      backend: {
        capabilities: { completion: 'in-process', streamCopy: true, earlyPlayable: true, chunks: false },
        submit: async (request: EncodeRequest, events: EncodeEvents): Promise<EncodeSubmission> => {
          seen.requests.push(request);
          seen.events.push(`${request.mode} started`);
          const masterKey = `${request.outputPrefix}master.m3u8`;
          await base.media.put(masterKey, Buffer.from('#EXTM3U\n'));
          const renditions: Rendition[] = [
            { name: 'source', playlist: 'source/index.m3u8', width: 1280, height: 720, bandwidth: 2_000_000, averageBandwidth: 2_000_000, codecs: 'avc1.64001f', frameRate: 30 },
          ];
          await events.playable({ masterKey, renditions });
          seen.events.push(`${request.mode} playable`);
          await new Promise<void>((resolve, reject) => {
            request.signal?.addEventListener('abort', () => {
              seen.events.push(`${request.mode} stopped`);
              reject(request.signal!.reason);
            });
            void (options.copyDone ?? Promise.resolve()).then(resolve);
          });
          return { state: 'completed', result: { masterKey, renditions, posterKey: null, thumbnailKey: null } };
        },
      },
    } as unknown as Encoding;
    const queue = {
      enqueue: async (payload: EncodeJobPayload) => {
        seen.events.push(`${payload.type} queued`);
        return { id: 'ladder-job', created: true };
      },
    } as unknown as JobQueue;
    const id = await queuedVideo();
    const ctx = { id: 'job', payload: { type: 'prepare', videoId: id, sourceKey: `${id}.mp4` }, attempt: 1, maxAttempts: 3, signal: new AbortController().signal };
    let error: unknown = null;
    await runPrepare({ ...base, encoding, queue }, ctx as JobContext<EncodeJobPayload>).catch((err: unknown) => {
      error = err;
    });
    return { id, error };
  }

  const newSeen = (): Seen => ({ events: [], requests: [], probes: 0 });
  async function untilSeen(seen: Seen, event: string): Promise<void> {
    while (!seen.events.includes(event)) await new Promise((resolve) => setTimeout(resolve, 10));
  }

  it('publishes the copy from the first look while the full probe reads the rest, then stores its duration and queues the ladder', async () => {
    const seen = newSeen();
    const probed = later<MediaInfo>();
    const run = prepare(seen, { firstLook: async () => ({ media: look, whole: false }), probe: () => probed.promise });
    // The video plays from the copy while the probe is still reading.
    await untilSeen(seen, 'copy playable');
    expect(seen.events).not.toContain('probed');
    probed.resolve(full);
    const { id, error } = await run;
    expect(error).toBeNull();
    expect(seen.requests.map((r) => [r.mode, r.media.durationSec])).toEqual([['copy', 3600]]);
    expect(seen.events).toEqual(['first look', 'copy started', 'copy playable', 'probed', 'ladder queued']);
    expect(await catalog.getVideo(id)).toMatchObject({ status: 'processing', playable: true, durationSec: 3599.5 });
  });

  it('stops the copy and fails the video when the rest of the file is refused', async () => {
    const seen = newSeen();
    const probed = later<MediaInfo>();
    const copyDone = later<void>();
    const run = prepare(seen, { firstLook: async () => ({ media: look, whole: false }), probe: () => probed.promise, copyDone: copyDone.promise });
    await untilSeen(seen, 'copy playable');
    probed.reject(new UnsupportedMediaError('the file is damaged past its first minutes'));
    const { id, error } = await run;
    expect(error).toBeInstanceOf(UnsupportedMediaError);
    expect(seen.events).toEqual(['first look', 'copy started', 'copy playable', 'probe failed', 'copy stopped']);
    expect(await catalog.getVideo(id)).toMatchObject({ status: 'failed', playable: false, masterKey: null, error: expect.stringContaining('damaged past its first minutes') });
    expect(await base.media.list(`${id}/`)).toEqual([]);
  });

  it('fails the video when the full probe refuses the file after the copy is done', async () => {
    const seen = newSeen();
    const probed = later<MediaInfo>();
    const run = prepare(seen, { firstLook: async () => ({ media: look, whole: false }), probe: () => probed.promise });
    await untilSeen(seen, 'copy playable');
    // Its packets hold a few frames spread over the hour its headers claim: refused (job-limits.ts).
    probed.resolve({ ...full, held: { videoFrames: 61, videoSpanSec: 3599.5, audioSec: 0, audioSpanSec: 0 } });
    const { id, error } = await run;
    expect(error).toBeInstanceOf(UnsupportedMediaError);
    expect(seen.events).not.toContain('ladder queued');
    expect(await catalog.getVideo(id)).toMatchObject({ status: 'failed', playable: false });
    expect(await base.media.list(`${id}/`)).toEqual([]);
  });

  const rotated = (m: MediaInfo): MediaInfo => ({ ...m, video: { ...m.video!, rotation: 90, displayWidth: 720, displayHeight: 1280 } });

  it('encodes the lowest rung from the first look while the full probe reads the rest when the source is unfit for a copy', async () => {
    const seen = newSeen();
    const probed = later<MediaInfo>();
    const run = prepare(seen, { firstLook: async () => ({ media: rotated(look), whole: false }), probe: () => probed.promise });
    // The video plays from its lowest rung while the probe is still reading.
    await untilSeen(seen, 'first-playable playable');
    expect(seen.events).not.toContain('probed');
    probed.resolve(rotated(full));
    const { id, error } = await run;
    expect(error).toBeNull();
    expect(seen.requests.map((r) => [r.mode, r.media.durationSec, r.plan.video?.rungs.length])).toEqual([['first-playable', 3600, 1]]);
    expect(seen.events).toEqual(['first look', 'first-playable started', 'first-playable playable', 'probed', 'ladder queued']);
    expect(await catalog.getVideo(id)).toMatchObject({ status: 'processing', playable: true, durationSec: 3599.5 });
  });

  it('stops the encode of the lowest rung and fails the video when the rest of the file is refused', async () => {
    const seen = newSeen();
    const probed = later<MediaInfo>();
    const encodeDone = later<void>();
    const run = prepare(seen, { firstLook: async () => ({ media: rotated(look), whole: false }), probe: () => probed.promise, copyDone: encodeDone.promise });
    await untilSeen(seen, 'first-playable playable');
    probed.reject(new UnsupportedMediaError('the file is damaged past its first minutes'));
    const { id, error } = await run;
    expect(error).toBeInstanceOf(UnsupportedMediaError);
    expect(seen.events).toEqual(['first look', 'first-playable started', 'first-playable playable', 'probe failed', 'first-playable stopped']);
    expect(await catalog.getVideo(id)).toMatchObject({ status: 'failed', playable: false, masterKey: null, error: expect.stringContaining('damaged past its first minutes') });
    expect(await base.media.list(`${id}/`)).toEqual([]);
  });

  it('leaves the verdict to the full probe when the first look is refused', async () => {
    // Headers claiming 600 hours, which the packets belie (the full probe believes the packets).
    const seen = newSeen();
    const { id, error } = await prepare(seen, { firstLook: async () => ({ media: { ...look, durationSec: 600 * 3600 }, whole: false }), probe: async () => full });
    expect(error).toBeNull();
    expect(seen.events).toEqual(['first look', 'probed', 'copy started', 'copy playable', 'ladder queued']);
    expect(seen.requests.map((r) => r.media.durationSec)).toEqual([3599.5]);
    expect(await catalog.getVideo(id)).toMatchObject({ durationSec: 3599.5, playable: true });
  });

  it('probes no further when the first look read the whole (short) source', async () => {
    const seen = newSeen();
    const short: MediaInfo = { ...full, durationSec: 60, held: { videoFrames: 1800, videoSpanSec: 60, audioSec: 0, audioSpanSec: 0 } };
    const { id, error } = await prepare(seen, { firstLook: async () => ({ media: short, whole: true }), probe: async () => short });
    expect(error).toBeNull();
    expect(seen.probes).toBe(0);
    expect(seen.events).toEqual(['first look', 'copy started', 'copy playable', 'ladder queued']);
    expect(await catalog.getVideo(id)).toMatchObject({ durationSec: 60, playable: true });
  });
});
