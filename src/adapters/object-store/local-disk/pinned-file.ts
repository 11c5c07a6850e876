import { createWriteStream } from 'node:fs';
import type { Stats } from 'node:fs';
import { link, open, rm, stat } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';

/** link() errors that mean "no hard link here" (another file system, or none supported): copy instead. */
const NO_LINK = new Set(['EXDEV', 'EPERM', 'EMLINK', 'ENOTSUP', 'EOPNOTSUPP']);

/**
 * Makes `target` (which must not exist) hold the file at `source` as it is now, so that an object
 * replaced later (the store replaces by rename: a new file, never new bytes in the old one) does
 * not change it: a hard link to the same file, or a copy when `target` is on another file system.
 * Returns the stats of the file that was pinned, or null when `source` is not a file.
 */
export async function linkOrCopy(source: string, target: string, signal?: AbortSignal): Promise<Stats | null> {
  signal?.throwIfAborted();
  try {
    await link(source, target);
    const file = await stat(target);
    if (file.isFile()) return file;
    await rm(target, { force: true });
    return null;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? '';
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      if (!(await stat(source).catch(() => null))) return null;
      throw err;
    }
    if (!NO_LINK.has(code)) throw err;
  }
  const fh = await open(source, 'r').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT' || err.code === 'ENOTDIR') return null;
    throw err;
  });
  if (!fh) return null;
  try {
    const file = await fh.stat();
    if (!file.isFile()) return null;
    try {
      await pipeline(fh.createReadStream({ start: 0, autoClose: false }), createWriteStream(target, { flags: 'wx' }), { signal });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') await rm(target, { force: true });
      throw err;
    }
    return file;
  } finally {
    await fh.close();
  }
}
