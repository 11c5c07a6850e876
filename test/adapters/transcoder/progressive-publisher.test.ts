import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalDiskObjectStore } from '../../../src/adapters/object-store/local-disk/local-disk-object-store.ts';
import { ProgressivePublisher } from '../../../src/adapters/transcoder/ffmpeg/progressive-publisher.ts';
import { systemClock } from '../../../src/core/ports/clock.ts';
import { UrlSigner } from '../../../src/core/upload/url-signer.ts';
import { makeTempDir } from '../../support/temp-dir.ts';

/**
 * The publisher uploads the encoder's files as streams. A file removed meanwhile (the encode was
 * stopped and its folder removed) must fail that upload, never emit an error on a stream nobody
 * listens to, which would stop the whole server process.
 */
describe('ProgressivePublisher with files that are gone', () => {
  let tmp: { dir: string; cleanup: () => Promise<void> };
  let media: LocalDiskObjectStore;
  let dir: string;

  beforeAll(async () => {
    tmp = await makeTempDir('vodkit-publisher-');
    const signer = new UrlSigner({ secret: 'progressive-publisher-test-secret-0123', clock: systemClock });
    media = await LocalDiskObjectStore.open({ root: join(tmp.dir, 'media'), bucket: 'media', signer, clock: systemClock });
    dir = join(tmp.dir, 'work');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'seg_00000.m4s'), 'segment bytes');
  });
  afterAll(async () => {
    await tmp?.cleanup();
  });

  it('fails the upload of a file that is no longer there, with the reason', async () => {
    const publisher = new ProgressivePublisher({ media, prefix: 'v1/', signal: new AbortController().signal });
    await expect(publisher.finish(dir, ['seg_00001.m4s'], null)).rejects.toMatchObject({ code: 'ENOENT' });
    await publisher.finish(dir, ['seg_00000.m4s'], null);
    expect((await media.head('v1/seg_00000.m4s'))?.size).toBe('segment bytes'.length);
  });

  it('uploads nothing once stopped, whether the files are there or not', async () => {
    const stop = new AbortController();
    stop.abort(new Error('encode stopped'));
    const publisher = new ProgressivePublisher({ media, prefix: 'v2/', signal: stop.signal });
    await expect(publisher.finish(dir, ['seg_00000.m4s', 'seg_00001.m4s'], 'master.m3u8')).rejects.toThrow('encode stopped');
    // Errors of unread streams would surface here, after the event loop turned.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await media.list('v2/')).toEqual([]);
  });
});
