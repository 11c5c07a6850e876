import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { UploadedPart } from '../../../core/ports/object-store.ts';
import { NotFoundError, ValidationError } from '../../../core/errors.ts';
import { moveIntoPlace, removeQuietly, writeFileAtomic } from './atomic-file.ts';

/**
 * Multipart uploads on disk, so they survive a restart:
 *
 *   <uploadsDir>/<uploadId>/upload.json          { key, contentType, maxSize, createdAt }
 *   <uploadsDir>/<uploadId>/part-<00001>-<etag>  one file per part
 *
 * A part's number and ETag (a version id, object-metadata.ts) are in its file name, so one rename stores both atomically. A part
 * uploaded again is renamed in under its new name, then the older files of that number removed;
 * until then listParts keeps the newest.
 */
export interface UploadRecord {
  key: string;
  contentType: string;
  maxSize: number;
  createdAt: string;
}

export interface StoredPart extends UploadedPart {
  path: string;
}

const UPLOAD_ID = /^[0-9a-f]{32}$/;
const PART_FILE = /^part-(\d{5})-([0-9a-f]{32})$/;

export class MultipartState {
  constructor(
    private readonly uploadsDir: string,
    private readonly tmpDir: string,
  ) {}

  async create(record: UploadRecord): Promise<string> {
    const uploadId = randomBytes(16).toString('hex');
    await mkdir(this.dir(uploadId), { recursive: true });
    await writeFileAtomic(this.tmpDir, join(this.dir(uploadId), 'upload.json'), JSON.stringify(record));
    return uploadId;
  }

  /** The upload's record; NotFoundError when it does not exist or belongs to another key. */
  async load(key: string, uploadId: string): Promise<UploadRecord> {
    if (typeof uploadId !== 'string' || !UPLOAD_ID.test(uploadId)) throw noSuchUpload();
    let record: UploadRecord;
    try {
      record = JSON.parse(await readFile(join(this.dir(uploadId), 'upload.json'), 'utf8')) as UploadRecord;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw noSuchUpload();
      throw err;
    }
    if (record.key !== key) throw noSuchUpload();
    return record;
  }

  /** Moves a fully written temp file in as part `partNumber`. */
  async storePart(uploadId: string, partNumber: number, tempPath: string, etag: string): Promise<void> {
    const dir = this.dir(uploadId);
    const name = partFileName(partNumber, etag);
    try {
      await stat(join(dir, 'upload.json'));
    } catch {
      await removeQuietly(tempPath);
      throw noSuchUpload();
    }
    await moveIntoPlace(tempPath, join(dir, name));
    const prefix = name.slice(0, 'part-00000-'.length);
    for (const other of await readdir(dir)) {
      if (other.startsWith(prefix) && other !== name) await removeQuietly(join(dir, other));
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
      if (!previous || info.mtimeMs >= previous.mtimeMs) {
        newest.set(partNumber, { partNumber, etag: match[2], size: info.size, path, mtimeMs: info.mtimeMs });
      }
    }
    return [...newest.values()]
      .sort((a, b) => a.partNumber - b.partNumber)
      .map(({ partNumber, etag, size, path }) => ({ partNumber, etag, size, path }));
  }

  /** Every open upload with its last activity (newest part, else its start). Unreadable ones are skipped. */
  async list(): Promise<Array<UploadRecord & { uploadId: string; lastActivityMs: number }>> {
    const ids = (await readdir(this.uploadsDir).catch(() => [] as string[])).filter((id) => UPLOAD_ID.test(id));
    const out: Array<UploadRecord & { uploadId: string; lastActivityMs: number }> = [];
    for (const uploadId of ids) {
      let record: UploadRecord;
      try {
        record = JSON.parse(await readFile(join(this.dir(uploadId), 'upload.json'), 'utf8')) as UploadRecord;
      } catch {
        continue; // being created or removed
      }
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
  return `part-${String(partNumber).padStart(5, '0')}-${etag}`;
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

/** The bytes of `paths`, one file after the other. */
export async function* concatFiles(paths: string[]): AsyncGenerator<Buffer> {
  for (const path of paths) {
    const fh = await open(path, 'r');
    try {
      for await (const chunk of fh.createReadStream({ autoClose: false })) yield chunk as Buffer;
    } finally {
      await fh.close();
    }
  }
}
