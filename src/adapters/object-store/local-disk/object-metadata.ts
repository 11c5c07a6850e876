import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { Stats } from 'node:fs';

/**
 * Per-object metadata kept in a sidecar JSON file at `<root>/.vodkit/meta/<key>`.
 *
 * The sidecar records the size and mtime of the object file it describes. The object is renamed
 * into place first and its sidecar second; if a crash (or another process) leaves a sidecar that
 * does not match the file, the sidecar is ignored: the ETag is then the MD5 of the bytes (the same
 * every time the file is read) and the content type falls back to application/octet-stream.
 *
 * The ETag of every version the store writes is a new random version id (newEtag), not a hash of
 * the bytes: it names exactly one stored version, which is all that readers of the ObjectStore
 * port rely on (pinToFile, conditional requests), and costs no CPU per byte.
 */
export interface ObjectMetadata {
  etag: string;
  contentType: string;
  cacheControl?: string;
  size: number;
  mtimeMs: number;
}

export const DEFAULT_CONTENT_TYPE = 'application/octet-stream';

/** A new version id: 128 random bits as 32 hex digits (the shape of S3's single-PUT ETag). */
export function newEtag(): string {
  return randomBytes(16).toString('hex');
}

/** The object's metadata; `stored` is false when its sidecar was missing or stale (ETag recomputed). */
export async function readMetadata(metaPath: string, objectPath: string, file: Stats): Promise<ObjectMetadata & { stored: boolean }> {
  const stored = await readFile(metaPath, 'utf8')
    .then((text) => JSON.parse(text) as ObjectMetadata)
    .catch(() => null);
  if (stored && describes(stored, file) && typeof stored.etag === 'string') return { ...stored, stored: true };
  return { etag: await md5OfFile(objectPath), contentType: DEFAULT_CONTENT_TYPE, size: file.size, mtimeMs: file.mtimeMs, stored: false };
}

/** True when the metadata was written for this very file (same size and modification time). */
export function describes(meta: ObjectMetadata, file: Stats): boolean {
  return meta.size === file.size && meta.mtimeMs === file.mtimeMs;
}

async function md5OfFile(path: string): Promise<string> {
  const hash = createHash('md5');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
