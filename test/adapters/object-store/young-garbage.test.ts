import { describe, expect, it } from 'vitest';
import { bodyBytesReceived, collectYoungGarbage, COLLECT_EVERY_BYTES } from '../../../src/adapters/object-store/local-disk/young-garbage.ts';

const MIB = 1024 * 1024;

/** Bytes held outside V8's heap by ArrayBuffers, once V8's sweeper (which may run beside the program) is done. */
async function settledArrayBuffers(): Promise<number> {
  let last = process.memoryUsage().arrayBuffers;
  for (let i = 0; i < 40; i++) {
    await new Promise((r) => setTimeout(r, 25));
    const now = process.memoryUsage().arrayBuffers;
    if (now === last) return now;
    last = now;
  }
  return last;
}

/**
 * The minor collection uploads ask for (young-garbage.ts): body chunks already dropped, like the
 * ones node's HTTP parser hands over and the store has written, are freed by it, not whenever V8
 * next fills its young generation.
 */
/** Drops 20 MiB of 64 KiB Buffers, each held by a short-lived object as a body's chunks are; the bytes they hold before any collection. */
function dropChunks(): number {
  const before = process.memoryUsage().arrayBuffers;
  let total = 0;
  for (let i = 0; i < 320; i++) {
    const chunk = { data: Buffer.alloc(64 * 1024, i) };
    total += chunk.data[0];
  }
  expect(total).toBeGreaterThan(0);
  const piled = process.memoryUsage().arrayBuffers - before;
  expect(piled, 'the dropped chunks are still counted before a collection').toBeGreaterThan(15 * MIB);
  return before;
}

describe('collectYoungGarbage', () => {
  it('frees the bytes of Buffers that are no longer referenced', async () => {
    const before = dropChunks();
    collectYoungGarbage();
    const left = (await settledArrayBuffers()) - before;
    expect(left, `${Math.round(left / MIB)} MiB of dropped chunks left after the collection`).toBeLessThan(4 * MIB);
  });

  it('collects once COLLECT_EVERY_BYTES of body have been received, whichever bodies they came in', async () => {
    bodyBytesReceived(COLLECT_EVERY_BYTES); // the count starts from a collection
    const before = dropChunks();
    bodyBytesReceived(COLLECT_EVERY_BYTES / 2);
    bodyBytesReceived(COLLECT_EVERY_BYTES / 2 - 1);
    expect(process.memoryUsage().arrayBuffers - before, 'no collection before COLLECT_EVERY_BYTES').toBeGreaterThan(15 * MIB);
    bodyBytesReceived(1);
    const left = (await settledArrayBuffers()) - before;
    expect(left, `${Math.round(left / MIB)} MiB of dropped chunks left`).toBeLessThan(4 * MIB);
  });

  it('can be asked for again and again', () => {
    for (let i = 0; i < 20; i++) collectYoungGarbage();
  });
});
