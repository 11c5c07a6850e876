#!/usr/bin/env node
// Compiles the command line (src/cli/main.ts and what it imports) into dist/cli/ with esbuild, so
// that bin/vodkit.js runs it with plain node. Run by `npm install` (the prepare script).
//
// Why: running the TypeScript sources through tsx's loader costs every vodkit process a loader
// thread with a JavaScript engine of its own, about 30 MiB. The packages stay outside the bundle
// (node loads them from node_modules), and each module imported on demand (an adapter the
// configuration names: the AWS SDK, BullMQ, PostgreSQL...) stays a chunk of its own, loaded only
// by the processes that use it.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

export const OUT_DIR = fileURLToPath(new URL('../dist/cli/', import.meta.url));
export const ENTRY = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));

export async function buildCli() {
  const startedAt = Date.now();
  await compile({ main: ENTRY }, OUT_DIR);
  // The sources this build read are those not changed since it started (bin/vodkit.js compares).
  await writeFile(`${OUT_DIR}built.json`, `${JSON.stringify({ startedAt })}\n`);
}

/** Compiles TypeScript entry points ({ name: path }) into `outDir` (emptied first), as vodkit runs: see above. */
export async function compile(entryPoints, outDir) {
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  await build({
    entryPoints,
    outdir: outDir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    sourcemap: 'linked',
    logLevel: 'warning',
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await buildCli();
