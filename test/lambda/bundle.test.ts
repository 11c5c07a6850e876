import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '../support/temp-dir.ts';

/**
 * The four function entry points bundle with esbuild as the CDK stack bundles them (ESM, Node 22,
 * a require() for CommonJS dependencies), hold no native module, no ffmpeg code and no adapter of
 * a machine or a cluster, and load: each exports `handler`, and reads no configuration before it
 * is first called.
 */
const ENTRIES = ['stage-handler', 'mediaconvert-events-handler', 'http-handler', 'maintenance-handler'];
const LOCAL_ONLY = /node_modules\/(better-sqlite3|bullmq|ioredis|pg|pg-pool|msgpackr-extract)\/|src\/adapters\/(catalog\/(sqlite|postgres)|job-queue\/(sqlite|bullmq)|transcoder\/ffmpeg|rate-limiter\/redis|object-store\/local-disk)\//;

let temp: { dir: string; cleanup: () => Promise<void> };
beforeAll(async () => {
  temp = await makeTempDir('vodkit-bundle-');
});
afterAll(async () => {
  await temp?.cleanup();
});

describe('function bundles', () => {
  for (const entry of ENTRIES) {
    it(`${entry}: bundles without local-only code and exports its handler`, async () => {
      const outfile = join(temp.dir, `${entry}.mjs`);
      const result = await build({
        entryPoints: [new URL(`../../src/lambda/${entry}.ts`, import.meta.url).pathname],
        bundle: true,
        platform: 'node',
        target: 'node22',
        format: 'esm',
        outfile,
        metafile: true,
        logLevel: 'silent',
        banner: { js: "import { createRequire as __vodkitRequire } from 'node:module'; const require = __vodkitRequire(import.meta.url);" },
      });
      const inputs = Object.keys(result.metafile.inputs);
      expect(inputs.some((i) => i.includes('src/config/aws-adapters.ts'))).toBe(true);
      expect(inputs.filter((i) => LOCAL_ONLY.test(i))).toEqual([]);
      const loaded = await import(pathToFileURL(outfile).href);
      expect(typeof loaded.handler).toBe('function');
    });
  }
});
