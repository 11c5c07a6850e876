import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import type { ObjectStore } from '../ports/object-store.ts';

/**
 * Uploads a finished output folder to the media store under `prefix`, with bounded parallelism.
 * `files` must list the master playlist last: it is written only after everything it points to.
 */
export async function publishOutputs(
  media: ObjectStore,
  localDir: string,
  prefix: string,
  files: string[],
  options: { parallelism?: number; signal?: AbortSignal } = {},
): Promise<void> {
  const parallelism = options.parallelism ?? 4;
  const last = files[files.length - 1];
  const body = files.slice(0, -1);
  // Playlists after the segments they list; segments in any order.
  const segments = body.filter((f) => !f.endsWith('.m3u8'));
  const playlists = body.filter((f) => f.endsWith('.m3u8'));
  const put = (file: string) => {
    options.signal?.throwIfAborted();
    return media.put(`${prefix}${file}`, createReadStream(join(localDir, file)), {
      contentType: contentTypeFor(file),
      cacheControl: cacheControlFor(file),
    });
  };
  await runBounded(segments, parallelism, put);
  await runBounded(playlists, parallelism, put);
  if (last) await put(last);
}

async function runBounded<T>(items: T[], parallelism: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(parallelism, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++];
      await fn(item);
    }
  });
  await Promise.all(lanes);
}

const CONTENT_TYPES: Record<string, string> = {
  m3u8: 'application/vnd.apple.mpegurl',
  m4s: 'video/iso.segment',
  mp4: 'video/mp4',
  m4a: 'audio/mp4',
  ts: 'video/mp2t',
  aac: 'audio/aac',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  webp: 'image/webp',
  png: 'image/png',
  vtt: 'text/vtt',
  key: 'application/octet-stream',
};

export function contentTypeFor(path: string): string {
  const ext = path.slice(path.lastIndexOf('.') + 1).toLowerCase();
  return CONTENT_TYPES[ext] ?? 'application/octet-stream';
}

/** Segments and images never change once written; playlists may (progressive publish). */
export function cacheControlFor(path: string): string {
  return path.endsWith('.m3u8') ? 'public, max-age=2' : 'public, max-age=31536000, immutable';
}
