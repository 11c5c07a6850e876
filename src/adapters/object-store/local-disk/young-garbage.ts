import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * A minor (young-generation) garbage collection, asked for by the code that knows garbage has
 * piled up: an upload written at disk speed.
 *
 * Why: node's HTTP parser hands each chunk of a request body (up to 64 KiB) over in a new Buffer
 * whose bytes live outside V8's heap. V8 frees those bytes only when it collects the small object
 * that holds them, and it collects its young generation when that generation is full of small
 * objects, which an upload fills only every 20 to 30 MiB of body at 1 GB/s. Between two
 * collections an upload thus holds 30 to 40 MiB of chunks already written to disk: most of a
 * server's memory growth during one. A minor collection every few MiB of body costs well under a
 * millisecond (few young objects are alive) and keeps that growth to the upload's own batches.
 *
 * How: V8 gives JavaScript its collector only with --expose-gc. The flag is set when the first
 * collection is asked for, and `gc` read from a new context, which V8 builds with it once the
 * flag is set; the process's own global object is left as it was.
 */
type Collect = (options: { type: 'minor' | 'major' }) => void;

/** Body bytes between two collections, counted over every upload of the process: V8's heap is the process's. */
export const COLLECT_EVERY_BYTES = 8 * 1024 * 1024;

let collect: Collect | undefined;
let received = 0;

/** Counts `bytes` of a request body received; every COLLECT_EVERY_BYTES, collects the young generation. */
export function bodyBytesReceived(bytes: number): void {
  received += bytes;
  if (received < COLLECT_EVERY_BYTES) return;
  received = 0;
  collectYoungGarbage();
}

export function collectYoungGarbage(): void {
  collect ??= exposedCollector();
  collect({ type: 'minor' });
}

function exposedCollector(): Collect {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as Collect;
}
