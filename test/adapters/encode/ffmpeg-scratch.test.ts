import { spawn } from 'node:child_process';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalDiskObjectStore } from '../../../src/adapters/object-store/local-disk/local-disk-object-store.ts';
import { ScratchSpace } from '../../../src/adapters/transcoder/ffmpeg/scratch-space.ts';
import { SourcePins } from '../../../src/adapters/transcoder/ffmpeg/source-pins.ts';
import { PreconditionFailedError } from '../../../src/core/errors.ts';
import { systemClock } from '../../../src/core/ports/clock.ts';
import { UrlSigner } from '../../../src/core/upload/url-signer.ts';
import { makeTempDir } from '../../support/temp-dir.ts';

/** The id of a process that has exited. */
async function goneProcessId(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid!;
}

describe('ffmpeg scratch space', () => {
  let tmp: { dir: string; cleanup: () => Promise<void> };
  beforeAll(async () => {
    tmp = await makeTempDir('vodkit-scratch-');
  });
  afterAll(async () => tmp?.cleanup());

  it('names its folders with this process id and removes only those of processes that are gone', async () => {
    const root = join(tmp.dir, 'work');
    const space = new ScratchSpace(root);
    const mine = await space.create('abc-ladder');
    expect(mine.endsWith(`-${process.pid}`)).toBe(true);
    const dead = `xyz-ladder-1-${await goneProcessId()}`;
    await mkdir(join(root, dead));
    await mkdir(join(root, `parent-1-${process.ppid}`)); // a process still running
    expect(await space.removeStale()).toEqual([dead]);
    expect((await readdir(root)).sort()).toEqual([`abc-ladder-1-${process.pid}`, `parent-1-${process.ppid}`].sort());
    await space.remove(mine);
    expect(await readdir(root)).toEqual([`parent-1-${process.ppid}`]);
  });
});

describe('ffmpeg source pins', () => {
  let tmp: { dir: string; cleanup: () => Promise<void> };
  beforeAll(async () => {
    tmp = await makeTempDir('vodkit-pins-');
  });
  afterAll(async () => tmp?.cleanup());

  it('keeps a version released with keep for the next stage, even after its key is written, and removes it on the last plain release', async () => {
    const signer = new UrlSigner({ secret: 'source-pins-test-secret-0123456789abcdef', clock: systemClock });
    const sources = await LocalDiskObjectStore.open({ root: join(tmp.dir, 'sources'), bucket: 'sources', signer, clock: systemClock });
    const scratch = new ScratchSpace(join(tmp.dir, 'work'));
    const pins = new SourcePins({ sources, scratch });
    const first = await sources.put('v.mp4', Buffer.from('first version'));
    const probe = await pins.acquire({ key: 'v.mp4', etag: first.etag });
    await probe.release({ keep: true });
    await sources.put('v.mp4', Buffer.from('second version'));

    // The ladder of the same video, later: the version that was probed, not the key's new bytes.
    const ladder = await pins.acquire({ key: 'v.mp4', etag: first.etag });
    expect(await readFile(ladder.path, 'utf8')).toBe('first version');
    await ladder.release();
    expect(await readdir(join(tmp.dir, 'work'))).toEqual([]);

    // Once gone from the scratch space, that version is no longer to be had.
    await expect(pins.acquire({ key: 'v.mp4', etag: first.etag })).rejects.toBeInstanceOf(PreconditionFailedError);
    expect(await readdir(join(tmp.dir, 'work'))).toEqual([]);
  });
});
