import { chmod, mkdir, stat } from 'node:fs/promises';
import type { Logger } from '../core/ports/logger.ts';

/**
 * What vodkit keeps on disk (sources, private media, the SQLite files, scratch space, the secret)
 * is for the vodkit user alone. A process that runs vodkit creates files 0600 and folders 0700,
 * whatever umask it was started with; ffmpeg and SQLite (-wal, -shm) inherit it.
 */
export const PRIVATE_UMASK = 0o077;

/**
 * Creates `dir` (and missing parents) 0700; an existing one that others may read or enter is
 * made 0700, so files written there by older versions (or under a looser umask) are closed too.
 */
export async function ensurePrivateDir(dir: string, logger: Logger): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const mode = (await stat(dir)).mode & 0o777;
  if ((mode & 0o077) === 0) return;
  try {
    await chmod(dir, 0o700);
    logger.info({ dir, was: mode.toString(8) }, 'data folder was open to other users; now 0700');
  } catch (err) {
    logger.warn({ dir, mode: mode.toString(8), err: String(err) }, 'data folder is open to other users and cannot be changed; chmod 700 it');
  }
}
