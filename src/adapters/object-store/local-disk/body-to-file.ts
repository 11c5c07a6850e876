import { createHash, type Hash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { bodyBytesReceived } from './young-garbage.ts';

/**
 * Writes a body into an open file at the speed of the disk, with memory bounded whatever its size:
 * - each chunk is kept as it is (no copy) for the next write and, when the client sent a checksum
 *   of the body (Content-MD5, x-amz-checksum-sha256), hashed as it arrives, while it is still in
 *   the CPU's cache (the store's ETag is not a hash of the bytes: see local-disk-object-store.ts);
 * - the chunks are written in batches of BATCH_BYTES with positional writev, up to
 *   MAX_WRITES_IN_FLIGHT at once, so the disk always has work queued while the body keeps
 *   arriving; past that the body is paused (backpressure), so at most about
 *   BATCH_BYTES × (MAX_WRITES_IN_FLIGHT + 1) bytes of it are held;
 * - every SYNC_EVERY_BYTES written, the file's data is flushed in the background, so the disk
 *   writes while the body arrives and the final fsync (by the caller) has little left to do.
 * - every 8 MiB received (by all uploads together), V8's young generation is collected, which
 *   frees the chunks already written (see young-garbage.ts): without it an upload at disk speed
 *   holds 30 to 40 MiB of them until V8 gets round to it.
 * There is no per-chunk work but a copy-free append, a byte count and the asked-for hashes: no stream
 * transforms, no extra buffering layer.
 * The body is never destroyed here: on an error (the limit passed, a write failing) it is left
 * paused, its listeners removed, so the HTTP layer can drain it and answer. The promise settles
 * only once no write is under way, so the caller may then close and remove the file.
 */
export interface BodyLimit {
  maxBytes: number;
  /** The error to throw when the body goes past maxBytes. */
  onExceeded: () => Error;
}

/** Digests a body can be checked against: the ones S3 clients send (Content-MD5, x-amz-checksum-sha256). */
export type DigestName = 'md5' | 'sha256';

export interface BodyOptions {
  limit?: BodyLimit;
  /** The digests of the body to compute on the way (none by default). */
  digests?: readonly DigestName[];
  /** Where in the file the body's first byte goes (default 0). */
  offset?: number;
}

export interface BodyWritten {
  size: number;
  /** The digests asked for, by name. */
  digests: Partial<Record<DigestName, Buffer>>;
}

export const BATCH_BYTES = 1024 * 1024;
/**
 * Two: one write for the disk, one queued behind it. More holds more chunks across the young
 * collections (young-garbage.ts), and chunks that live through two of them are moved to the old
 * generation, which only a full collection frees: with 4, three parts at once caused 42 full
 * collections per GiB received, with 2 none (node --trace-gc); ext4 serializes buffered writes
 * to one file anyway.
 */
export const MAX_WRITES_IN_FLIGHT = 2;
export const SYNC_EVERY_BYTES = 64 * 1024 * 1024;

export async function bodyToFile(body: Readable | Buffer, file: FileHandle, options: BodyOptions = {}): Promise<BodyWritten> {
  const { limit, digests = [], offset = 0 } = options;
  const hashes = digests.map((name) => [name, createHash(name)] as const);
  if (Buffer.isBuffer(body)) {
    if (limit && body.length > limit.maxBytes) throw limit.onExceeded();
    await writeAll(file, [body], offset);
    for (const [, h] of hashes) h.update(body);
    return { size: body.length, digests: digestsOf(hashes) };
  }
  return pump(body, file, hashes, limit, offset);
}

function digestsOf(hashes: ReadonlyArray<readonly [DigestName, Hash]>): Partial<Record<DigestName, Buffer>> {
  return Object.fromEntries(hashes.map(([name, h]) => [name, h.digest()]));
}

function pump(
  body: Readable,
  file: FileHandle,
  hashes: ReadonlyArray<readonly [DigestName, Hash]>,
  limit: BodyLimit | undefined,
  start: number,
): Promise<BodyWritten> {
  return new Promise((resolve, reject) => {
    let batch: Buffer[] = [];
    let batchBytes = 0;
    let size = 0;
    let offset = start;
    let inFlight = 0;
    let syncedAt = start;
    let syncing: Promise<void> | null = null;
    let ended = false;
    let failure: Error | null = null;

    const detach = () => {
      body.off('data', onData);
      body.off('end', onEnd);
      body.off('error', onError);
      body.off('close', onClose);
    };
    /** The first error wins; every failed write still settles, so the last one out rejects. */
    const fail = (err: Error) => {
      if (!failure) {
        failure = err;
        detach();
        body.pause();
      }
      settle();
    };
    /** Once no write is under way: resolves (the body ended) or rejects (it failed). */
    const settle = () => {
      if (inFlight > 0 || (!failure && !ended)) return;
      const last = syncing ?? Promise.resolve();
      void last.then(
        () => (failure ? reject(failure) : resolve({ size, digests: digestsOf(hashes) })),
        (err: Error) => reject(failure ?? err),
      );
    };
    const flush = () => {
      if (batchBytes === 0) return;
      const buffers = batch;
      const position = offset;
      offset += batchBytes;
      batch = [];
      batchBytes = 0;
      inFlight++;
      writeAll(file, buffers, position).then(
        () => {
          inFlight--;
          if (failure || ended) return settle();
          if (!syncing && offset - syncedAt >= SYNC_EVERY_BYTES) {
            syncedAt = offset;
            const sync: Promise<void> = file.datasync().finally(() => {
              if (syncing === sync) syncing = null;
            });
            sync.catch(() => undefined);
            syncing = sync;
          }
          if (body.isPaused()) body.resume();
        },
        (err: Error) => {
          inFlight--;
          fail(err);
        },
      );
      if (inFlight >= MAX_WRITES_IN_FLIGHT) body.pause();
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (limit && size > limit.maxBytes) return fail(limit.onExceeded());
      for (const [, h] of hashes) h.update(chunk);
      batch.push(chunk);
      batchBytes += chunk.length;
      if (batchBytes >= BATCH_BYTES) flush();
      bodyBytesReceived(chunk.length);
    };
    const onEnd = () => {
      ended = true;
      detach();
      flush();
      settle();
    };
    const onError = (err: Error) => fail(err);
    const onClose = () => {
      if (!ended) fail(Object.assign(new Error('The body ended before it was complete'), { code: 'ERR_STREAM_PREMATURE_CLOSE' }));
    };
    body.on('data', onData);
    body.on('end', onEnd);
    body.on('error', onError);
    body.on('close', onClose);
    if (body.isPaused()) body.resume();
  });
}

/** Writes `buffers` one after the other at `position`, going on after a short write. */
async function writeAll(file: FileHandle, buffers: Buffer[], position: number): Promise<void> {
  let rest = buffers;
  let at = position;
  while (rest.length > 0) {
    const { bytesWritten } = await file.writev(rest, at);
    at += bytesWritten;
    let skip = bytesWritten;
    const next: Buffer[] = [];
    for (const b of rest) {
      if (skip >= b.length) skip -= b.length;
      else {
        next.push(skip > 0 ? b.subarray(skip) : b);
        skip = 0;
      }
    }
    rest = next;
  }
}
