import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { corpusInputs } from '../../bench/lib/bench-media.ts';
import { describeCorpus, findNginx } from '../../bench/lib/bench-setup.ts';
import { makeTempDir } from '../support/temp-dir.ts';

/** `npm run bench` on a fresh clone: no media corpus, no nginx; the benchmark runs and says what it left out. */
describe('benchmark inputs on a fresh clone', () => {
  let temp: { dir: string; cleanup: () => Promise<void> };
  beforeAll(async () => {
    temp = await makeTempDir('vodkit-bench-setup-');
  });
  afterAll(async () => {
    await temp.cleanup();
  });

  it('a missing corpus gives no inputs, and the report says only generated inputs were used', async () => {
    const missing = join(temp.dir, 'no-such-corpus');
    expect(await corpusInputs(missing)).toEqual([]);
    const { found, note } = describeCorpus(missing);
    expect(found).toBe(false);
    expect(note).toContain(missing);
    expect(note).toMatch(/only generated inputs were used/);
  });

  it('a corpus folder that is there is used', async () => {
    const dir = join(temp.dir, 'corpus');
    await mkdir(dir);
    expect(describeCorpus(dir).found).toBe(true);
  });

  it('finds nginx on the PATH, and reports none when it is not installed', async () => {
    expect(findNginx(join(temp.dir, 'empty-bin'), [])).toBeNull();
    const bin = join(temp.dir, 'bin');
    await mkdir(bin);
    await writeFile(join(bin, 'nginx'), '#!/bin/sh\n');
    await chmod(join(bin, 'nginx'), 0o755);
    expect(findNginx(`${join(temp.dir, 'empty-bin')}:${bin}`, [join(temp.dir, 'not-there')])).toBe(join(bin, 'nginx'));
  });
});
