import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';

/** Test data and stream helpers shared by the ObjectStore contract's cases (object-store-suite.ts). */

export const MIB = 1024 * 1024;

/** Deterministic pseudo-random bytes (xorshift32), different for each seed. */
export function testBytes(size: number, seed = 1): Buffer {
  const out = Buffer.allocUnsafe(size);
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

/** A stream of `total` bytes in 64 KiB chunks, never held whole in memory. */
export function testStream(total: number, seed: number): { stream: Readable; sha256: string } {
  const hash = createHash('sha256');
  const chunks: number[] = [];
  for (let left = total; left > 0; left -= 64 * 1024) chunks.push(Math.min(64 * 1024, left));
  for (const [i, n] of chunks.entries()) hash.update(testBytes(n, seed + i));
  const stream = Readable.from(
    (function* () {
      for (const [i, n] of chunks.entries()) yield testBytes(n, seed + i);
    })(),
  );
  return { stream, sha256: hash.digest('hex') };
}

export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks);
}

export async function sha256Of(stream: Readable): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of stream) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

export const BAD_KEYS = ['', '/abs/key', 'a/../b', '..', '../escape', 'a//b', 'a/', './a', 'a/./b', 'a\\b', 'a\u0000b', 'a\nb'];
