import { NodeWebhookSender } from '../../src/adapters/webhook-sender/node-webhook-sender.ts';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildCore, type Core, type CoreSettings } from '../../src/config/build-core.ts';
import { SqliteCatalog } from '../../src/adapters/catalog/sqlite/sqlite-catalog.ts';
import { SqliteJobQueue } from '../../src/adapters/job-queue/sqlite/sqlite-job-queue.ts';
import { PrometheusMetrics } from '../../src/adapters/metrics/prometheus/prometheus-metrics.ts';
import { LocalDiskObjectStore } from '../../src/adapters/object-store/local-disk/local-disk-object-store.ts';
import { MemoryRateLimiter } from '../../src/adapters/rate-limiter/memory/memory-rate-limiter.ts';
import { systemClock } from '../../src/core/ports/clock.ts';
import { silentLogger } from '../../src/core/ports/logger.ts';
import { UrlSigner } from '../../src/core/upload/url-signer.ts';
import { makeClip } from '../support/clips.ts';
import { makeTempDir } from '../support/temp-dir.ts';

const SECRET = 'build-core-test-secret-0123456789abcdef';

/** buildCore over ports built by hand, as an entry point without vodkit's configuration would. */
describe('buildCore', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function coreOverHandBuiltPorts(): Promise<{ core: Core; dir: string; sources: LocalDiskObjectStore }> {
    const temp = await makeTempDir('vodkit-build-core-');
    cleanups.push(temp.cleanup);
    const clock = systemClock;
    const catalog = await SqliteCatalog.open({ path: join(temp.dir, 'vodkit.db') });
    const queue = await SqliteJobQueue.open({ path: join(temp.dir, 'queue.db') });
    const signer = new UrlSigner({ secret: SECRET, clock });
    const sources = await LocalDiskObjectStore.open({ root: join(temp.dir, 'sources'), bucket: 'sources', signer, clock });
    const media = await LocalDiskObjectStore.open({ root: join(temp.dir, 'media'), bucket: 'media', signer, clock });
    const settings: CoreSettings = {
      secret: SECRET,
      playbackTokenTtlSec: 600,
      maxUploadBytes: 1024 ** 3,
      uploadUrlTtlSec: 600,
      partSizeBytes: 8 * 1024 * 1024,
      uploadGraceSec: 3600,
      segmentSeconds: 2,
      jobTimeoutMinSec: 600,
      jobTimeoutFactor: 20,
      workerConcurrency: 1,
    };
    const core = buildCore(
      {
        clock,
        logger: silentLogger,
        catalog,
        queue,
        sources,
        media,
        rateLimiter: new MemoryRateLimiter({ clock }),
        metrics: new PrometheusMetrics({ queue, catalog, media, processMetrics: false }),
        encoding: () => Promise.reject(new Error('this test encodes nothing')),
        sourceKeyFromBucketKey: (key) => key,
        webhookSender: new NodeWebhookSender(),
        close: async () => {
          await queue.close();
          await catalog.close();
        },
      },
      settings,
    );
    cleanups.push(() => core.close());
    return { core, dir: temp.dir, sources };
  }

  it('listens to a store that announces its uploads: a signed PUT it receives queues the video', async () => {
    const { core, dir, sources } = await coreOverHandBuiltPorts();
    const clip = await makeClip(dir, 'landscape', { seconds: 1 });
    const size = (await stat(clip.path)).size;
    const { video, upload } = await core.uploads.createUpload({ filename: 'clip.mp4', size, contentType: 'video/mp4' });
    if (!('url' in upload)) throw new Error('expected a single signed PUT');
    // The store's URLs point at vodkit: its declared receiver takes the PUT, as the HTTP route hands it over.
    const receiver = sources.capabilities.signedRequests;
    if (!receiver) throw new Error('the local-disk store serves its own signed URLs');
    const url = new URL(upload.url, 'http://vodkit.test');
    const result = await receiver.receiveSignedRequest({
      method: 'PUT',
      path: url.pathname,
      query: url.searchParams,
      headers: { ...upload.headers, 'content-length': String(size) },
      body: createReadStream(clip.path),
    });
    expect(result.status).toBe(200);
    expect((await core.catalog.getVideo(video.id))?.status).toBe('queued');
    expect((await core.queue.counts()).waiting).toBe(1);
  });

  it('gives the services it wires the settings it was given, with no configuration read', async () => {
    const { core } = await coreOverHandBuiltPorts();
    const { video } = await core.uploads.createUpload({ filename: 'big.mp4', size: 1024 ** 3, contentType: 'video/mp4' });
    expect(video.status).toBe('uploading');
    await expect(core.uploads.createUpload({ filename: 'bigger.mp4', size: 1024 ** 3 + 1, contentType: 'video/mp4' })).rejects.toThrow();
    const { token } = await core.playbackTokens.issue(video.id);
    expect(await core.playbackTokens.verify(token, video.id)).not.toBeNull();
  });
});
