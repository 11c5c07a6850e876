import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeClip } from '../support/clips.ts';
import { HoldingProxy } from '../support/holding-proxy.ts';
import { makeLargeClip } from '../support/large-clip.ts';
import { startVodkit, vodkit } from '../support/run-cli.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { makeTempDir } from '../support/temp-dir.ts';

/**
 * `vodkit upload` and `vodkit videos` against a real server, as a user runs them. The server's
 * public URL is a proxy in front of it, so that a test can hold back upload parts and interrupt.
 */
const PART = 5 * 1024 * 1024;

describe('vodkit upload and videos against a running server', () => {
  let server: TestServer;
  let proxy: HoldingProxy;
  let temp: { dir: string; cleanup: () => Promise<void> };
  let clips: { a: string; b: string; large: string };
  const env = (extra: NodeJS.ProcessEnv = {}) => ({ VODKIT_SERVER: proxy.url, VODKIT_TOKEN: server.token, XDG_STATE_HOME: join(temp.dir, 'state'), ...extra });

  beforeAll(async () => {
    temp = await makeTempDir('vodkit-cli-upload-');
    proxy = new HoldingProxy();
    await proxy.listen();
    server = await startTestServer({ flags: { partSizeBytes: PART, publicUrl: proxy.url } });
    proxy.target = server.url;
    clips = {
      a: (await makeClip(temp.dir, 'landscape', { name: 'first-clip.mp4' })).path,
      b: (await makeClip(temp.dir, 'no-audio', { name: 'second-clip.mp4' })).path,
      large: await makeLargeClip(temp.dir),
    };
  });
  afterAll(async () => {
    await server?.stop();
    await proxy?.close();
    await temp?.cleanup();
  });

  it('uploads files one after the other, prints their ids, and with --wait their watch URLs once they play', async () => {
    const out = await vodkit(['upload', clips.a, clips.b, '--wait', '--visibility', 'unlisted', '--server', proxy.url, '--token', server.token], {
      env: { XDG_STATE_HOME: join(temp.dir, 'state') },
    });
    expect(out.code, out.stderr).toBe(0);
    const [idA, urlA, idB, urlB, ...rest] = out.stdout.trim().split('\n');
    expect(rest).toEqual([]);
    expect(urlA).toBe(`${proxy.url}/watch/${idA}`);
    expect(urlB).toBe(`${proxy.url}/watch/${idB}`);
    for (const id of [idA, idB]) {
      const video = await server.rt.catalog.getVideo(id);
      expect(video?.visibility).toBe('unlisted');
      expect(video?.status === 'processing' || video?.status === 'ready').toBe(true);
    }
    expect((await server.rt.catalog.getVideo(idA))?.title).toBe('first clip');
    // Not a terminal: plain lines with the amount, then the processing progress.
    expect(out.stderr).toContain(`${clips.a}: uploading`);
    expect(out.stderr).toMatch(/100%\s+\S+ KiB of \S+ KiB/);
    expect(out.stderr).toContain(`${clips.b}: processing`);
    expect(out.stderr).toContain(`${clips.b}: playable`);
  });

  it('videos list (table and --json), get and delete go through the API', async () => {
    const upload = await vodkit(['upload', clips.a, '--title', 'Listed by the CLI'], { env: env() });
    expect(upload.code, upload.stderr).toBe(0);
    const id = upload.stdout.trim();

    const list = await vodkit(['videos', 'list'], { env: env() });
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout.split('\n')[0]).toMatch(/^ID\s+STATUS\s+VISIBILITY\s+DURATION\s+TITLE$/);
    expect(list.stdout).toMatch(new RegExp(`^${id}\\s+\\S+.*\\s+private\\s+.*Listed by the CLI$`, 'm'));
    const json = await vodkit(['videos', 'list', '--json'], { env: env() });
    const items = JSON.parse(json.stdout) as Array<{ id: string; title: string }>;
    expect(items.find((v) => v.id === id)?.title).toBe('Listed by the CLI');

    const get = await vodkit(['videos', 'get', id], { env: env() });
    expect(get.code, get.stderr).toBe(0);
    expect(get.stdout).toMatch(/^title\s+Listed by the CLI$/m);
    expect(get.stdout).toContain(`${proxy.url}/watch/${id}`);

    const deleted = await vodkit(['videos', 'delete', id], { env: env() });
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(deleted.stdout.trim()).toBe(`deleted ${id}`);
    const gone = await vodkit(['videos', 'get', id], { env: env() });
    expect(gone.code).toBe(1);
    expect(gone.stderr).toMatch(/^vodkit: .*no such video/m);
    expect(gone.stderr).not.toContain('unexpected error');
  });

  it('says clearly when the server cannot be reached or refuses the token', async () => {
    const closed = await vodkit(['videos', 'list'], { env: env({ VODKIT_SERVER: 'http://127.0.0.1:9' }) });
    expect(closed.code).toBe(1);
    expect(closed.stderr).toContain('vodkit: cannot reach the server at http://127.0.0.1:9');
    const refused = await vodkit(['upload', clips.a], { env: env({ VODKIT_TOKEN: 'vk_not-a-real-token' }) });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('vodkit: the token was refused');
    const none = await vodkit(['videos', 'list', '--server', proxy.url], { env: { XDG_STATE_HOME: join(temp.dir, 'state'), VODKIT_TOKEN: '' } });
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('the server asks for an API token');
    const missing = await vodkit(['upload', join(temp.dir, 'no-such-file.mp4')], { env: env() });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('no-such-file.mp4 is not a file');
  });

  it('Ctrl-C stops a multipart upload; the same command resumes it, sending only what the server lacks', async () => {
    const state = join(temp.dir, 'resume-state');
    const records = join(state, 'vodkit', 'uploads.json');
    // Part 1 goes through; the others wait at the proxy.
    proxy.hold = (req) => req.method === 'PUT' && /[?&]partNumber=(?!1(&|$))/.test(req.url ?? '');
    const first = startVodkit(['upload', clips.large, '--title', 'Resumed by the CLI'], { env: env({ XDG_STATE_HOME: state }) });
    const recorded = await eventually(async () => {
      const [record] = JSON.parse(await readFile(records, 'utf8').catch(() => '[]')) as Array<{ videoId: string; parts: Record<string, string> }>;
      return record && Object.keys(record.parts).length >= 1 && proxy.held >= 1 ? record : null;
    });
    first.child.kill('SIGINT');
    const stopped = await first.done;
    expect(stopped.code).toBe(130);
    expect(stopped.stderr).toContain('interrupted; run the same command again to resume the upload');
    expect(stopped.stdout).toBe('');
    expect(Object.keys(recorded.parts)).toEqual(['1']);

    // The parts held back never reach the server (a connection that was cut).
    proxy.drop();
    const puts: string[] = [];
    proxy.hold = (req) => (req.method === 'PUT' && puts.push(req.url ?? ''), false);
    const again = await vodkit(['upload', clips.large, '--title', 'Resumed by the CLI', '--wait'], { env: env({ XDG_STATE_HOME: state }) });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr, again.stderr).toMatch(/resuming: 5\.0 MiB of \S+ MiB already on the server/);
    expect(again.stdout.trim().split('\n'), again.stderr).toEqual([recorded.videoId, `${proxy.url}/watch/${recorded.videoId}`]);
    expect(puts.length, puts.join('\n')).toBeGreaterThan(0);
    expect(puts.some((u) => /[?&]partNumber=1(&|$)/.test(u))).toBe(false);
    expect(JSON.parse(await readFile(records, 'utf8'))).toEqual([]);
  });
});

async function eventually<T>(probe: () => Promise<T | null>, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > end) throw new Error('gave up waiting');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
