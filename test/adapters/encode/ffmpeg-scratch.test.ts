import { spawn } from 'node:child_process';
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScratchSpace } from '../../../src/adapters/transcoder/ffmpeg/scratch-space.ts';
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
