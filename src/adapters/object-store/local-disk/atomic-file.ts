import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { link, mkdir, open, readdir, rename, rmdir, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { ConflictError } from '../../../core/errors.ts';
import { writerIsGone } from '../../shared/writer-gone.ts';
import { bodyToFile, type BodyLimit, type BodyOptions, type BodyWritten } from './body-to-file.ts';

/**
 * File helpers for the local-disk store: stream to a temp file (counting on the way, with a byte
 * limit, and the digests asked for), fsync, then atomic rename into place.
 */
export interface TempFile extends BodyWritten {
  path: string;
}

export type WriteLimit = BodyLimit;

/**
 * Streams `body` into a new file in `tmpDir` (see body-to-file.ts: batched positional writes,
 * bounded memory), fsyncs it once and returns its size and the digests asked for. The file is
 * removed on any failure: the limit passed, the body cut short, a write failing.
 */
export async function writeTempFile(tmpDir: string, body: Readable | Buffer, options: BodyOptions = {}): Promise<TempFile> {
  const path = join(tmpDir, tempName());
  // The file is created before any byte is read, so a failure can never race its creation.
  const file = await open(path, 'wx');
  try {
    const written = await bodyToFile(body, file, options);
    await file.sync();
    await file.close();
    return { path, ...written };
  } catch (err) {
    await file.close().catch(() => undefined);
    await removeQuietly(path);
    throw err;
  }
}

/**
 * Streams `body` into the file at `path` (created if missing, never truncated) from
 * `options.offset` on, and fsyncs it. Used for a multipart part written in place: on a failure
 * the bytes written so far stay in the file, which records nothing of them.
 */
export async function writeAt(path: string, body: Readable | Buffer, options: BodyOptions): Promise<BodyWritten> {
  const file = await open(path, constants.O_RDWR | constants.O_CREAT);
  try {
    const written = await bodyToFile(body, file, options);
    await file.sync();
    return written;
  } finally {
    await file.close();
  }
}

/** A new name for the file at `path` in `tmpDir` (a hard link): its path, or null on a file system without hard links. */
export async function linkTempFile(tmpDir: string, path: string): Promise<string | null> {
  const temp = join(tmpDir, tempName());
  try {
    await link(path, temp);
    return temp;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EPERM' || code === 'ENOTSUP' || code === 'EOPNOTSUPP' || code === 'EXDEV') return null;
    throw err;
  }
}

/** Writes a small file atomically (temp, fsync, rename). */
export async function writeFileAtomic(tmpDir: string, target: string, data: string): Promise<void> {
  const path = join(tmpDir, tempName());
  try {
    await writeFile(path, data, { flag: 'wx' });
    await fsyncFile(path);
    await moveIntoPlace(path, target);
  } catch (err) {
    await removeQuietly(path);
    throw err;
  }
}

/**
 * Renames `from` onto `to`, creating parent folders. A folder removed concurrently by an
 * empty-folder cleanup is recreated. A key that collides with a folder (or a folder with a file)
 * is a ConflictError: on disk, 'a' and 'a/b' cannot both exist.
 */
export async function moveIntoPlace(from: string, to: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await mkdir(dirname(to), { recursive: true });
      await rename(from, to);
      await fsyncDir(dirname(to));
      return;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' && attempt < 5) continue;
      if (code === 'EISDIR' || code === 'ENOTDIR' || code === 'EEXIST' || code === 'ENOTEMPTY') {
        await removeQuietly(from);
        throw keyConflict();
      }
      throw err;
    }
  }
}

/**
 * Like moveIntoPlace, but never replaces an object: returns false (and removes `from`) when `to`
 * already exists. A hard link is atomic across processes; on a file system without hard links the
 * check and the rename are two steps (callers hold their key lock).
 */
export async function linkIntoPlace(from: string, to: string): Promise<boolean> {
  for (let attempt = 0; ; attempt++) {
    try {
      await mkdir(dirname(to), { recursive: true });
      await link(from, to);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' && attempt < 5) continue;
      if (code === 'EEXIST') {
        await removeQuietly(from);
        return false;
      }
      if (code === 'EPERM' || code === 'ENOTSUP' || code === 'EOPNOTSUPP') {
        if (await stat(to).then(() => true, () => false)) {
          await removeQuietly(from);
          return false;
        }
        await moveIntoPlace(from, to);
        return true;
      }
      if (code === 'ENOTDIR') await removeQuietly(from);
      throw code === 'ENOTDIR' ? keyConflict() : err;
    }
    await unlink(from);
    await fsyncDir(dirname(to));
    return true;
  }
}

export async function fsyncFile(path: string): Promise<void> {
  const fh = await open(path, 'r+');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

export async function fsyncDir(path: string): Promise<void> {
  let fh;
  try {
    fh = await open(path, 'r');
    await fh.sync();
  } catch {
    // Some filesystems refuse fsync on folders; the rename is still atomic.
  } finally {
    await fh?.close();
  }
}

export async function removeQuietly(path: string): Promise<void> {
  await unlink(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') throw err;
  });
}

/** Removes empty folders from `dir` up to, not including, `stopAt`. */
export async function removeEmptyParents(dir: string, stopAt: string): Promise<void> {
  let current = dir;
  while (current !== stopAt && isInside(stopAt, current)) {
    try {
      await rmdir(current);
    } catch {
      return; // not empty, already gone, or in use: stop here
    }
    current = dirname(current);
  }
}

/** True when `path` is strictly inside `root` (both absolute, normalized). */
export function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}

function keyConflict(): ConflictError {
  return new ConflictError(
    'This key conflicts with an existing object or folder: on local disk a key cannot be both an object and a prefix of other keys',
  );
}

/** `<pid>-<time>-<random>.tmp`: the writer's process id tells, after a crash, whose file it was. */
function tempName(): string {
  return `${process.pid}-${Date.now().toString(36)}-${randomBytes(8).toString('hex')}.tmp`;
}

/**
 * Removes files in `dir` left by a process that is gone (see writerIsGone), and any file whose
 * modification time is older than `maxAgeMs`. Returns how many were removed.
 */
export async function removeStaleFiles(dir: string, maxAgeMs: number, now: number): Promise<number> {
  const names = await readdir(dir).catch(() => [] as string[]);
  let removed = 0;
  for (const name of names) {
    const path = join(dir, name);
    const info = await stat(path).catch(() => null);
    if (!info?.isFile()) continue;
    const pid = /^(\d+)-[0-9a-z]+-[0-9a-f]+\.tmp$/.exec(name)?.[1];
    if (now - info.mtimeMs > maxAgeMs || (pid !== undefined && writerIsGone(Number(pid), info.mtimeMs))) {
      await removeQuietly(path);
      removed++;
    }
  }
  return removed;
}
