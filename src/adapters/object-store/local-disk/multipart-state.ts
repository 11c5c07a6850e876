import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { UploadedPart } from '../../../core/ports/object-store.ts';
import { ConflictError, NotFoundError, ValidationError } from '../../../core/errors.ts';
import { writerIsGone } from '../../shared/writer-gone.ts';
import { fsyncDir, moveIntoPlace, removeQuietly, writeFileAtomic } from './atomic-file.ts';

/**
 * Multipart uploads on disk, so they survive a restart:
 *
 *   <uploadsDir>/<uploadId>/upload.json          { key, contentType, maxSize, createdAt, partSize? }
 *   <uploadsDir>/<uploadId>/part-<00001>-<etag>  a part in a file of its own
 *   <uploadsDir>/<uploadId>/data                 the object being assembled: parts written in place
 *   <uploadsDir>/<uploadId>/part-<00001>-<etag>.in-place-<offset>-<size>
 *                                                (empty) part 1 is in `data` at that offset
 *   <uploadsDir>/<uploadId>/writing-<00001>      (the writer's pid) part 1 is being written in place
 *
 * A part's number and ETag (a version id, object-metadata.ts) are in its file name, so one rename
 * (or one create) stores both atomically. A part uploaded again is stored under its new name, then
 * the older files of that number removed; until then listParts keeps the newest.
 *
 * When the upload was created with a part size, a part of at most that size is written straight
 * into `data` at (number - 1) × part size, so that completing parts 1..N of that size (the last
 * one shorter) moves `data` into place with no copy. A part writes in place only while it holds
 * its `writing-` claim (else it goes to a file of its own), its older in-place bytes are forgotten
 * before they are overwritten, and completion first renames upload.json to completing.json and
 * is refused while any part is still being written in place (see seal).
 */
export interface UploadRecord {
  key: string;
  contentType: string;
  maxSize: number;
  createdAt: string;
  /** Size of every part but the last, when the client said so: such parts are written in place. */
  partSize?: number;
}

export interface StoredPart extends UploadedPart {
  /** The file that holds the part's bytes, from `offset` on. */
  path: string;
  offset: number;
  /** True when the part is in the upload's `data` file at (number - 1) × part size. */
  inPlace: boolean;
}

const UPLOAD_ID = /^[0-9a-f]{32}$/;
const PART_FILE = /^part-(\d{5})-([0-9a-f]{32})(?:\.in-place-(\d+)-(\d+))?$/;
const RECORD = 'upload.json';
const SEALED = 'completing.json';
const DATA = 'data';
const CLAIM = /^writing-(\d{5})$/;

export class MultipartState {
  constructor(
    private readonly uploadsDir: string,
    private readonly tmpDir: string,
  ) {}

  async create(record: UploadRecord): Promise<string> {
    const uploadId = randomBytes(16).toString('hex');
    await mkdir(this.dir(uploadId), { recursive: true });
    await writeFileAtomic(this.tmpDir, join(this.dir(uploadId), RECORD), JSON.stringify(record));
    return uploadId;
  }

  /** The upload's record; NotFoundError when it does not exist or belongs to another key. */
  async load(key: string, uploadId: string): Promise<UploadRecord> {
    if (typeof uploadId !== 'string' || !UPLOAD_ID.test(uploadId)) throw noSuchUpload();
    const record = await readRecord(this.dir(uploadId));
    if (!record || record.key !== key) throw noSuchUpload();
    return record;
  }

  /** The file parts are written into in place, at (number - 1) × part size. */
  dataPath(uploadId: string): string {
    return join(this.dir(uploadId), DATA);
  }

  /**
   * Claims part `partNumber` for writing in place: a release function, or null when another
   * request is writing that part in place right now (that one then goes to a file of its own).
   * NotFoundError when the upload is gone or being completed.
   */
  async claimInPlace(uploadId: string, partNumber: number): Promise<(() => Promise<void>) | null> {
    const dir = this.dir(uploadId);
    const claim = join(dir, `writing-${pad(partNumber)}`);
    try {
      await writeFile(claim, String(process.pid), { flag: 'wx' });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') return null;
      if (code === 'ENOENT') throw noSuchUpload();
      throw err;
    }
    const release = () => removeQuietly(claim);
    // Checked after the claim exists: a completion seals first, then looks for claims.
    if (!(await exists(join(dir, RECORD)))) {
      await release();
      throw noSuchUpload();
    }
    return release;
  }

  /** Forgets part `partNumber`'s in-place bytes (before they are overwritten); its own files stay. */
  async forgetInPlace(uploadId: string, partNumber: number): Promise<void> {
    const dir = this.dir(uploadId);
    const prefix = `part-${pad(partNumber)}-`;
    let removed = false;
    for (const name of await readdir(dir)) {
      if (name.startsWith(prefix) && name.includes('.in-place-')) {
        await removeQuietly(join(dir, name));
        removed = true;
      }
    }
    // Only a removal needs to reach the disk before the bytes are overwritten (a part's first write removes nothing).
    if (removed) await fsyncDir(dir);
  }

  /** Records part `partNumber` as written (and fsynced) in `data` at `offset`. */
  async storeInPlace(uploadId: string, partNumber: number, etag: string, offset: number, size: number): Promise<void> {
    const dir = this.dir(uploadId);
    if (!(await exists(join(dir, RECORD)))) throw noSuchUpload();
    const name = `${partFileName(partNumber, etag)}.in-place-${offset}-${size}`;
    await writeFile(join(dir, name), '', { flag: 'wx' });
    await fsyncDir(dir);
    await this.removeOlder(dir, partNumber, name);
  }

  /**
   * Makes the upload take no more parts while it is completed: upload.json is renamed to
   * completing.json (a crash leaves it so: `load` still reads it, and completing again works), then
   * ConflictError, the upload unsealed, when a part is still being written in place by a live process.
   */
  async seal(uploadId: string): Promise<void> {
    const dir = this.dir(uploadId);
    try {
      await rename(join(dir, RECORD), join(dir, SEALED));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || !(await exists(join(dir, SEALED)))) throw noSuchUpload();
    }
    for (const name of await readdir(dir)) {
      if (!CLAIM.test(name)) continue;
      const path = join(dir, name);
      const [pid, info] = await Promise.all([readFile(path, 'utf8').catch(() => ''), stat(path).catch(() => null)]);
      if (!info) continue;
      if (writerIsGone(Number(pid), info.mtimeMs)) {
        await removeQuietly(path);
        continue;
      }
      await this.unseal(uploadId);
      throw new ConflictError('A part of this upload is still being sent: complete the upload once every part has been answered');
    }
  }

  /** Undoes seal: the upload takes parts again. */
  async unseal(uploadId: string): Promise<void> {
    const dir = this.dir(uploadId);
    await rename(join(dir, SEALED), join(dir, RECORD));
  }

  /** Moves a fully written temp file in as part `partNumber`. */
  async storePart(uploadId: string, partNumber: number, tempPath: string, etag: string): Promise<void> {
    const dir = this.dir(uploadId);
    const name = partFileName(partNumber, etag);
    if (!(await exists(join(dir, RECORD)))) {
      await removeQuietly(tempPath);
      throw noSuchUpload();
    }
    await moveIntoPlace(tempPath, join(dir, name));
    await this.removeOlder(dir, partNumber, name);
  }

  private async removeOlder(dir: string, partNumber: number, kept: string): Promise<void> {
    const prefix = `part-${pad(partNumber)}-`;
    for (const other of await readdir(dir)) {
      if (other.startsWith(prefix) && other !== kept) await removeQuietly(join(dir, other));
    }
  }

  /** Parts in ascending part-number order. */
  async listParts(uploadId: string): Promise<StoredPart[]> {
    const dir = this.dir(uploadId);
    let names: string[];
    try {
      names = await readdir(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw noSuchUpload();
      throw err;
    }
    const newest = new Map<number, StoredPart & { mtimeMs: number }>();
    for (const name of names) {
      const match = PART_FILE.exec(name);
      if (!match) continue;
      const path = join(dir, name);
      const info = await stat(path).catch(() => null);
      if (!info) continue; // replaced while listing
      const partNumber = Number(match[1]);
      const previous = newest.get(partNumber);
      if (previous && info.mtimeMs < previous.mtimeMs) continue;
      const inPlace = match[3] !== undefined;
      newest.set(partNumber, {
        partNumber,
        etag: match[2],
        size: inPlace ? Number(match[4]) : info.size,
        path: inPlace ? join(dir, DATA) : path,
        offset: inPlace ? Number(match[3]) : 0,
        inPlace,
        mtimeMs: info.mtimeMs,
      });
    }
    return [...newest.values()]
      .sort((a, b) => a.partNumber - b.partNumber)
      .map(({ mtimeMs: _mtimeMs, ...part }) => part);
  }

  /** Every open upload with its last activity (newest part, else its start). Unreadable ones are skipped. */
  async list(): Promise<Array<UploadRecord & { uploadId: string; lastActivityMs: number }>> {
    const ids = (await readdir(this.uploadsDir).catch(() => [] as string[])).filter((id) => UPLOAD_ID.test(id));
    const out: Array<UploadRecord & { uploadId: string; lastActivityMs: number }> = [];
    for (const uploadId of ids) {
      const record = await readRecord(this.dir(uploadId)).catch(() => null);
      if (!record) continue; // being created or removed
      const parts = await this.listParts(uploadId).catch(() => [] as StoredPart[]);
      let lastActivityMs = Date.parse(record.createdAt) || 0;
      for (const part of parts) {
        const info = await stat(part.path).catch(() => null);
        if (info) lastActivityMs = Math.max(lastActivityMs, info.mtimeMs);
      }
      out.push({ ...record, uploadId, lastActivityMs });
    }
    return out;
  }

  async remove(uploadId: string): Promise<void> {
    if (!UPLOAD_ID.test(uploadId)) return;
    await rm(this.dir(uploadId), { recursive: true, force: true });
  }

  private dir(uploadId: string): string {
    if (!UPLOAD_ID.test(uploadId)) throw noSuchUpload();
    return join(this.uploadsDir, uploadId);
  }
}

export function validatePartNumber(partNumber: unknown): number {
  if (typeof partNumber !== 'number' || !Number.isInteger(partNumber) || partNumber < 1 || partNumber > 10_000) {
    throw new ValidationError('partNumber must be a whole number from 1 to 10000', { field: 'partNumber' });
  }
  return partNumber;
}

function partFileName(partNumber: number, etag: string): string {
  return `part-${pad(partNumber)}-${etag}`;
}

function pad(partNumber: number): string {
  return String(partNumber).padStart(5, '0');
}

function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** upload.json, else completing.json (a completion under way, or cut short by a crash); null when neither. */
async function readRecord(dir: string): Promise<UploadRecord | null> {
  for (const name of [RECORD, SEALED]) {
    try {
      return JSON.parse(await readFile(join(dir, name), 'utf8')) as UploadRecord;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  return null;
}

function noSuchUpload(): NotFoundError {
  return new NotFoundError('No such multipart upload: it does not exist, was completed or was aborted');
}

/** Checks a completion list: at least one part, ascending part numbers, each with an ETag. */
export function checkPartList(parts: Array<{ partNumber: number; etag: string }>): void {
  if (!Array.isArray(parts) || parts.length === 0) {
    throw new ValidationError('A multipart upload needs at least one part to complete', { field: 'parts' });
  }
  let previous = 0;
  for (const part of parts) {
    validatePartNumber(part.partNumber);
    if (part.partNumber <= previous) {
      throw new ValidationError('Parts must be listed in ascending part-number order, each once', { field: 'parts' });
    }
    if (typeof part.etag !== 'string' || part.etag === '') throw new ValidationError('Every part needs its ETag', { field: 'parts' });
    previous = part.partNumber;
  }
}

/** The bytes of `parts` (each `size` bytes of `path` from `offset`), one after the other. */
export async function* concatParts(parts: Array<Pick<StoredPart, 'path' | 'offset' | 'size'>>): AsyncGenerator<Buffer> {
  for (const { path, offset, size } of parts) {
    if (size === 0) continue;
    const fh = await open(path, 'r');
    try {
      for await (const chunk of fh.createReadStream({ autoClose: false, start: offset, end: offset + size - 1, highWaterMark: 1024 * 1024 })) {
        yield chunk as Buffer;
      }
    } finally {
      await fh.close();
    }
  }
}
