import { createHash, randomBytes } from 'node:crypto';
import { open, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BATCH_BYTES, bodyToFile } from '../../../src/adapters/object-store/local-disk/body-to-file.ts';
import { writeTempFile } from '../../../src/adapters/object-store/local-disk/atomic-file.ts';
import { makeTempDir } from '../../support/temp-dir.ts';

const hash = (name: string, b: Buffer) => createHash(name).update(b).digest('hex');

/** `bytes` cut into chunks of the given sizes, over and over. */
function chunked(bytes: Buffer, sizes: number[]): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0, i = 0; at < bytes.length; i++) {
    const n = Math.min(sizes[i % sizes.length], bytes.length - at);
    out.push(bytes.subarray(at, at + n));
    at += n;
  }
  return out;
}

/**
 * The local-disk store's write path (batched positional writes, the digests asked for on the way):
 * whatever the chunking of the body, the file holds exactly its bytes and the digests are theirs.
 */
describe('bodyToFile', () => {
  let temp: { dir: string; cleanup: () => Promise<void> };
  beforeEach(async () => {
    temp = await makeTempDir('vodkit-body-');
  });
  afterEach(async () => {
    await temp.cleanup();
  });

  const cases: Array<[string, number, number[]]> = [
    ['empty', 0, [1]],
    ['one byte', 1, [1]],
    ['exactly one batch', BATCH_BYTES, [65536]],
    ['odd chunks across many batches', 9 * BATCH_BYTES + 12345, [1, 65536, 7, 300_000, 4096, 1_500_000]],
    ['chunks larger than a batch', 5 * BATCH_BYTES + 3, [3 * BATCH_BYTES + 1]],
  ];
  for (const [name, size, sizes] of cases) {
    it(`stores identical bytes: ${name}`, async () => {
      const bytes = randomBytes(size);
      for (const body of [Readable.from(chunked(bytes, sizes)), bytes]) {
        const path = join(temp.dir, `${name}-${Buffer.isBuffer(body) ? 'buffer' : 'stream'}`);
        const file = await open(path, 'wx');
        const result = await bodyToFile(body, file, { digests: ['md5', 'sha256'] });
        await file.close();
        expect(result.size).toBe(size);
        expect(result.digests.md5?.toString('hex')).toBe(hash('md5', bytes));
        expect(result.digests.sha256?.toString('hex')).toBe(hash('sha256', bytes));
        expect((await readFile(path)).equals(bytes)).toBe(true);
      }
    });
  }

  it('a body past its limit: refused, the temp file removed, the body paused and not destroyed', async () => {
    const body = new PassThrough();
    const stored = writeTempFile(temp.dir, body, { limit: { maxBytes: 3 * BATCH_BYTES, onExceeded: () => new Error('too large') } });
    for (let i = 0; i < 4; i++) body.write(randomBytes(BATCH_BYTES));
    await expect(stored).rejects.toThrow('too large');
    expect(body.destroyed).toBe(false);
    expect(body.isPaused()).toBe(true);
    expect(await readdir(temp.dir)).toEqual([]);
  });

  it('writes that fail (a full disk) while others are under way: refused, not left waiting', async () => {
    const path = join(temp.dir, 'read-only');
    await writeFile(path, '');
    const file = await open(path, 'r'); // every write fails
    try {
      await expect(bodyToFile(Readable.from(chunked(randomBytes(12 * BATCH_BYTES), [65536])), file)).rejects.toMatchObject({ code: 'EBADF' });
    } finally {
      await file.close();
    }
  });

  it('a body cut short (the client went away): refused, the temp file removed', async () => {
    const body = new PassThrough();
    const stored = writeTempFile(temp.dir, body);
    body.write(randomBytes(2 * BATCH_BYTES + 5));
    await new Promise((r) => setTimeout(r, 20));
    body.destroy();
    await expect(stored).rejects.toMatchObject({ code: 'ERR_STREAM_PREMATURE_CLOSE' });
    expect(await readdir(temp.dir)).toEqual([]);
  });
});
