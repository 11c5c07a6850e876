import { execFile } from 'node:child_process';
import { mkdir, readdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.ts';
import { makeTempDir } from '../support/temp-dir.ts';

const exec = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const MODULES = join(ROOT, 'node_modules');

const CONSUMER = `import { createVodkitClient, VodkitApiError, type Video } from 'vodkit/client';

const client = createVodkitClient({ baseUrl: process.argv[2]!, token: process.argv[3] });
const page = await client.videos.list();
const first: Video | undefined = page.items[0] as Video | undefined;
const me = await client.GET('/api/v1/me');
// @ts-expect-error the typed client knows the API's paths
void (() => client.GET('/api/v1/no-such-route'));
let refused = 0;
try {
  await client.videos.get('no-such-video');
} catch (err) {
  if (err instanceof VodkitApiError) refused = err.status;
}
console.log(JSON.stringify({ videos: page.items.length, first: first?.id ?? null, me: me.response.status, refused, upload: typeof client.upload }));
`;

/**
 * The package as another project gets it: packed with npm, unpacked into a consumer's
 * node_modules (its dependencies beside it, as an install puts them), imported as 'vodkit/client'
 * from TypeScript that tsc checks against the shipped types and tsx runs.
 */
describe('vodkit/client from a packed package', () => {
  let server: TestServer;
  let temp: { dir: string; cleanup: () => Promise<void> };
  let consumer: string;

  beforeAll(async () => {
    temp = await makeTempDir('vodkit-consumer-');
    server = await startTestServer({ worker: false });
    await exec('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', temp.dir], { cwd: ROOT });
    const tarball = (await readdir(temp.dir)).find((f) => f.endsWith('.tgz'));
    consumer = join(temp.dir, 'consumer');
    const installed = join(consumer, 'node_modules', 'vodkit');
    await mkdir(installed, { recursive: true });
    await exec('tar', ['-xzf', join(temp.dir, tarball!), '-C', installed, '--strip-components=1']);
    await symlink(MODULES, join(installed, 'node_modules'));
    for (const dep of ['tsx', 'typescript', '@types']) await symlink(join(MODULES, dep), join(consumer, 'node_modules', dep));
    await writeFile(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', type: 'module', private: true }));
    await writeFile(
      join(consumer, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, allowImportingTsExtensions: true, skipLibCheck: true, types: ['node'] },
        include: ['index.ts'],
      }),
    );
    await writeFile(join(consumer, 'index.ts'), CONSUMER);
  });
  afterAll(async () => {
    await server?.stop();
    await temp?.cleanup();
  });

  it('type-checks against the shipped types', async () => {
    const tsc = await exec(process.execPath, [join(MODULES, 'typescript', 'bin', 'tsc'), '-p', consumer]).catch((err: { stdout: string; stderr: string }) => err);
    expect(`${tsc.stdout}${tsc.stderr}`).toBe('');
  });

  it('runs with tsx and talks to a server', async () => {
    const run = await exec(process.execPath, ['--import', 'tsx', 'index.ts', server.url, server.token], { cwd: consumer });
    expect(JSON.parse(run.stdout)).toEqual({ videos: 0, first: null, me: 200, refused: 404, upload: 'function' });
  });
});
