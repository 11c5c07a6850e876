import { execFile } from 'node:child_process';
import { mkdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { compile, ENTRY } from '../../bin/build-cli.js';
import { compiledIsCurrent } from '../../bin/compiled-cli.js';
import { VERSION } from '../../src/version.ts';
import { makeTempDir } from '../support/temp-dir.ts';

const run = promisify(execFile);
/** Inside the project, so that the compiled files find its node_modules as dist/cli/ does. */
const OUT = fileURLToPath(new URL(`../../.tmp/compiled-cli-test-${process.pid}/cli/`, import.meta.url));

/** The static imports of a compiled file and of the chunks it imports, transitively: what loading it loads. */
async function staticImports(dir: string, file: string, seen = new Set<string>()): Promise<Set<string>> {
  const text = await readFile(join(dir, file), 'utf8');
  for (const m of text.matchAll(/^import\s+(?:[^'"]*?\s+from\s+)?["']([^"']+)["'];?$/gms)) {
    const spec = m[1];
    if (spec.startsWith('./')) {
      const chunk = spec.slice(2);
      if (!seen.has(chunk)) {
        seen.add(chunk);
        await staticImports(dir, chunk, seen);
      }
    } else seen.add(spec);
  }
  return seen;
}

/**
 * The command line as `npm install` compiles it (bin/build-cli.js) and as bin/vodkit.js picks it
 * (bin/compiled-cli.js): the compiled files run, an adapter's package is loaded only by the
 * processes that use it, and an edited source makes the sources run instead of a stale build.
 */
describe('the compiled command line', () => {
  afterAll(async () => {
    await rm(join(OUT, '..'), { recursive: true, force: true });
  });

  it('runs with plain node and loads no adapter package it was not asked for', async () => {
    await compile({ main: ENTRY }, OUT);
    const start = `const { main } = await import(${JSON.stringify(pathToFileURL(join(OUT, 'main.js')).href)}); await main(['--version']);`;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', start]);
    expect(stdout.trim()).toBe(VERSION);
    const loaded = [...(await staticImports(OUT, 'main.js'))].filter((s) => !s.endsWith('.js'));
    expect(loaded).toContain('commander');
    for (const lazy of ['@aws-sdk/client-s3', '@aws-sdk/client-dynamodb', '@aws-sdk/client-mediaconvert', '@aws-sdk/client-sqs', 'bullmq', 'ioredis', 'pg']) {
      expect(loaded, `${lazy} is loaded at start`).not.toContain(lazy);
    }
  });

  it('is current only when built after the last change to every source', async () => {
    const temp = await makeTempDir('vodkit-compiled-');
    try {
      const src = join(temp.dir, 'src');
      await mkdir(join(src, 'core'), { recursive: true });
      await writeFile(join(src, 'core', 'a.ts'), 'export {};\n');
      const built = join(temp.dir, 'built.json');
      expect(compiledIsCurrent(src, built), 'never built').toBe(false);
      await writeFile(built, 'not json');
      expect(compiledIsCurrent(src, built), 'an unreadable record').toBe(false);

      const buildTime = Date.now();
      await utimes(join(src, 'core', 'a.ts'), new Date(buildTime - 60_000), new Date(buildTime - 60_000));
      await writeFile(built, JSON.stringify({ startedAt: buildTime }));
      expect(compiledIsCurrent(src, built), 'built after the last change').toBe(true);

      await writeFile(join(src, 'core', 'b.ts'), 'export {};\n');
      await utimes(join(src, 'core', 'b.ts'), new Date(buildTime + 1000), new Date(buildTime + 1000));
      expect(compiledIsCurrent(src, built), 'a source changed since').toBe(false);
    } finally {
      await temp.cleanup();
    }
  });
});
