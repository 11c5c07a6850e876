import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { writerIsGone } from '../../shared/writer-gone.ts';

/**
 * The ffmpeg adapter's scratch space on this machine's disk: one folder per piece of work, named
 * `<label>-<n>-<process id>`, so that folders a killed process left behind are recognised (their
 * process is gone) and removed without touching those of other processes at work on the same disk.
 */
export class ScratchSpace {
  private next = 0;

  constructor(readonly root: string) {}

  /** Creates the space's folder (private to this user) when it does not exist. */
  async prepare(): Promise<void> {
    await mkdir(this.root, { recursive: true, mode: 0o700 });
  }

  /** A new, empty folder of this process. `label` is made of letters, digits, '-' and '_'. */
  async create(label: string): Promise<string> {
    if (!/^[A-Za-z0-9_-]{1,80}$/.test(label)) throw new Error(`invalid scratch label "${label}"`);
    await mkdir(this.root, { recursive: true, mode: 0o700 });
    const dir = join(this.root, `${label}-${++this.next}-${process.pid}`);
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    return dir;
  }

  async remove(dir: string): Promise<void> {
    await rm(dir, { recursive: true, force: true });
  }

  /** Removes the folders whose process is gone (what a killed worker left); returns their names. */
  async removeStale(): Promise<string[]> {
    const names = await readdir(this.root).catch(() => [] as string[]);
    const removed: string[] = [];
    for (const name of names) {
      const pid = /-(\d+)$/.exec(name)?.[1];
      if (pid === undefined) continue;
      const path = join(this.root, name);
      const info = await stat(path).catch(() => null);
      if (!info || !writerIsGone(Number(pid), info.mtimeMs)) continue;
      await rm(path, { recursive: true, force: true });
      removed.push(name);
    }
    return removed;
  }
}
