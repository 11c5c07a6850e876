import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { writerIsGone } from '../../adapters/shared/writer-gone.ts';

/**
 * Removes job scratch folders (`<workDir>/<videoId>-<attempt>-<pid>`) whose process is gone: what
 * a killed worker left behind. Folders of workers still running on this machine are kept.
 * Returns the names removed.
 */
export async function removeStaleScratch(workDir: string): Promise<string[]> {
  const names = await readdir(workDir).catch(() => [] as string[]);
  const removed: string[] = [];
  for (const name of names) {
    const pid = /-(\d+)$/.exec(name)?.[1];
    if (pid === undefined) continue;
    const path = join(workDir, name);
    const info = await stat(path).catch(() => null);
    if (!info || !writerIsGone(Number(pid), info.mtimeMs)) continue;
    await rm(path, { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}
