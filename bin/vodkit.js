#!/usr/bin/env node
// vodkit command line. Runs the compiled command line (dist/cli/, built by `npm install`: see
// build-cli.js) when it was built after the last change to the sources, and otherwise the
// TypeScript sources through tsx's loader, so an edited checkout runs what it holds. The compiled
// files come with source maps: NODE_OPTIONS=--enable-source-maps makes stack traces name the
// sources' lines (at the cost of about 10 MiB of memory, so it is not the default).
import { fileURLToPath } from 'node:url';
import { compiledIsCurrent } from './compiled-cli.js';
import { keepYoungGenerationSmall } from './young-generation.js';

keepYoungGenerationSmall();

const SOURCES = fileURLToPath(new URL('../src/', import.meta.url));
const BUILT = fileURLToPath(new URL('../dist/cli/built.json', import.meta.url));

let main;
if (compiledIsCurrent(SOURCES, BUILT)) {
  ({ main } = await import('../dist/cli/main.js'));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../src/cli/main.ts'));
}
await main(process.argv.slice(2));
