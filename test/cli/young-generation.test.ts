import { execFile } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const MODULE = pathToFileURL(fileURLToPath(new URL('../../bin/young-generation.js', import.meta.url))).href;

/** The size V8's young generation reaches in a new node process that allocates as a busy server does, in MiB. */
async function youngGenerationAfterLoad(keepSmall: boolean): Promise<number> {
  const script = `
    import { getHeapSpaceStatistics } from 'node:v8';
    if (${keepSmall}) (await import(${JSON.stringify(MODULE)})).keepYoungGenerationSmall();
    let kept = [];
    for (let round = 0; round < 40; round++) {
      for (let i = 0; i < 200000; i++) kept.push({ i, s: 'x' + i });
      kept = kept.slice(-10000);
    }
    const young = getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
    console.log(young.space_size / 1048576);`;
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script]);
  return Number(stdout.trim());
}

/** bin/vodkit.js keeps V8's young generation at its first size (bin/young-generation.js). */
describe('keepYoungGenerationSmall', () => {
  it('keeps the young generation from growing under load, where V8 would grow it', async () => {
    const [grown, kept] = await Promise.all([youngGenerationAfterLoad(false), youngGenerationAfterLoad(true)]);
    expect(grown, 'without it, V8 grows the young generation').toBeGreaterThan(8);
    expect(kept).toBeLessThanOrEqual(4);
  });
});
