import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteCatalog } from '../../src/adapters/catalog/sqlite/sqlite-catalog.ts';
import { LocalDiskObjectStore } from '../../src/adapters/object-store/local-disk/local-disk-object-store.ts';
import { UrlSigner } from '../../src/core/upload/url-signer.ts';
import { cleanupAbandonedUploads } from '../../src/core/maintenance/abandoned-uploads.ts';
import type { Catalog } from '../../src/core/ports/catalog.ts';
import { ManualClock } from '../../src/core/ports/clock.ts';
import { silentLogger } from '../../src/core/ports/logger.ts';
import { createUploading } from '../../src/core/videos/lifecycle.ts';
import { makeNewVideo } from '../conformance/catalog-fixtures.ts';
import { makeTempDir } from '../support/temp-dir.ts';

describe('abandoned uploads', () => {
  let temp: { dir: string; cleanup: () => Promise<void> };
  let catalog: SqliteCatalog;
  beforeEach(async () => {
    temp = await makeTempDir('vodkit-abandoned-');
    catalog = await SqliteCatalog.open({ path: join(temp.dir, 'catalog.db') });
  });
  afterEach(async () => {
    await catalog.close();
    await temp.cleanup();
  });

  it('keeps a video whose upload completes just as it is about to be removed', async () => {
    const clock = new ManualClock(new Date('2026-01-01T00:00:00.000Z'));
    const signer = new UrlSigner({ secret: 'a-secret-of-at-least-32-characters-long', clock });
    const sources = await LocalDiskObjectStore.open({ root: join(temp.dir, 'sources'), bucket: 'sources', signer, clock });
    const at = clock.now().toISOString();
    const video = await createUploading(
      catalog,
      makeNewVideo({ id: 'abandoned0000001', sourceKey: 'abandoned0000001.mp4', createdAt: at, updatedAt: at }),
    );
    clock.advance(3600_000);
    // The upload's event is handled (the video is queued) right before the removal reaches the catalog.
    const racing: Catalog = new Proxy(catalog, {
      get(target, prop, receiver) {
        if (prop === 'deleteVideo') {
          return async (...args: Parameters<Catalog['deleteVideo']>) => {
            await target.updateVideo(video.id, { status: 'queued' });
            return target.deleteVideo(...args);
          };
        }
        const value = Reflect.get(target, prop, receiver);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const report = await cleanupAbandonedUploads({ catalog: racing, sources, clock, logger: silentLogger }, { urlTtlSec: 600, graceSec: 60 });
    expect(report.videos).toEqual([]);
    expect((await catalog.getVideo(video.id))?.status).toBe('queued');
  });
});
