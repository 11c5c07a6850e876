// V8's young generation, where short-lived objects live: it starts at 1 MiB semi-spaces and V8
// grows it up to 16 MiB under load, which adds about 30 MiB to a server's memory and never gives
// it back. vodkit keeps it at its first size. The upload path collects it every few MiB of body
// (src/adapters/object-store/local-disk/young-garbage.ts), and each of those collections counts
// towards V8's decision to grow it, so without this an upload would trade the chunks it frees
// for a larger young generation. Serving costs a few percent more collections (docs/benchmarks.md).
// NODE_OPTIONS=--min-semi-space-size=16 starts the young generation at 16 MiB instead.
import { setFlagsFromString } from 'node:v8';

export function keepYoungGenerationSmall() {
  setFlagsFromString('--semi-space-growth-factor=1');
}
