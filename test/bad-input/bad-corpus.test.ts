import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeBadCorpus, type BadInput } from '../../scripts/make-bad-corpus.ts';
import { canaryRead } from '../support/clips.ts';
import { makeTempDir } from '../support/temp-dir.ts';
import { checkPlayback } from '../ops/support/playback-check.ts';
import { jobsFor } from '../ops/support/sqlite-jobs.ts';
import { adminToken, embeddedEnv, startServe, type VodkitProcess } from '../ops/support/vodkit-process.ts';
import { ApiClient } from '../support/api-client.ts';

/** An absolute path of two or more segments, or a file: URL, outside words and URLs. */
const SERVER_PATH = /(?<![\w.:/])(file:)?\/[\w.@%+~-]+\//;
/** Lines as ffmpeg and ffprobe print them, not meant for users. */
const RAW_FFMPEG = /@ 0x|Invalid data found when processing input|moov atom not found|End of file|Error while decoding|stream #\d|exit code|EBML header parsing|NAL unit|codec parameters|ffprobe|ffmpeg/i;

/**
 * The bad-input corpus (scripts/make-bad-corpus.ts: 39 broken, hostile or odd files) uploaded to a
 * real `vodkit serve` together with good videos. Each broken file ends `failed` with a reason a
 * user can read (no server path, none of ffmpeg's own words), without retries, and is not offered
 * for retry; each odd-but-valid one plays; the good videos are unaffected;
 * the server stays healthy and no hostile file makes ffmpeg read another file.
 */
describe('bad-input corpus', () => {
  let temp: { dir: string; cleanup: () => Promise<void> };
  let dataDir: string;
  let corpus: BadInput[];
  let server: VodkitProcess & { url: string };
  let api: ApiClient;
  const results = new Map<string, any>();
  const goodIds: string[] = [];
  const health: number[] = [];

  /** Uploads a file whatever its size (an empty file is declared as 1 byte and sent as 0). */
  const upload = async (item: { path: string; name: string; contentType: string }) => {
    const body = await readFile(item.path);
    const created = await api.request('POST', '/api/v1/uploads', { filename: item.name, size: Math.max(1, body.length), contentType: item.contentType });
    expect(created.status, `${item.name}: ${JSON.stringify(created.json)}`).toBe(201);
    const { upload: signed, video } = created.json;
    const put = await fetch(signed.url, { method: 'PUT', headers: { ...signed.headers, 'Content-Length': String(body.length) }, body });
    expect(put.status, `${item.name}: ${await put.clone().text()}`).toBe(200);
    return video.id as string;
  };

  beforeAll(async () => {
    temp = await makeTempDir('vodkit-bad-input-');
    corpus = await makeBadCorpus(join(temp.dir, 'corpus'));
    dataDir = join(temp.dir, 'data');
    const env = embeddedEnv();
    server = await startServe('serve', dataDir, env);
    api = new ApiClient(server.url, await adminToken(dataDir, env));
    const good = { path: join(temp.dir, 'corpus', '.good-source.mp4'), name: 'good.mp4', contentType: 'video/mp4' };
    goodIds.push(await upload(good));
    const ids = new Map<BadInput, string>();
    for (const [i, item] of corpus.entries()) {
      ids.set(item, await upload(item));
      if (i === Math.floor(corpus.length / 2)) goodIds.push(await upload(good));
    }
    goodIds.push(await upload(good));
    for (const [item, id] of ids) {
      results.set(item.name, { id, ...(await api.waitSettled(id, 170_000)) });
      health.push((await fetch(`${server.url}/healthz`)).status);
    }
  }, 175_000);

  afterAll(async () => {
    await server?.kill9();
    await temp?.cleanup();
  });

  it('has at least 25 files, each with a stated expectation', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(25);
    expect(new Set(corpus.map((c) => c.name)).size).toBe(corpus.length);
    for (const c of corpus) {
      expect(c.what.length).toBeGreaterThan(5);
      if (c.expect === 'failed') expect(c.reason, c.name).toBeInstanceOf(RegExp);
    }
    expect(corpus.filter((c) => c.expect === 'ready').length).toBeGreaterThan(5);
  });

  it('every broken file ends failed with a reason a user can read, and is not retried', async () => {
    for (const item of corpus.filter((c) => c.expect === 'failed')) {
      const r = results.get(item.name);
      expect(r.status, `${item.name} (${item.what})`).toBe('failed');
      expect(r.error, item.name).toMatch(item.reason!);
      // A sentence, not a stack trace or a dump: short, one line, no server paths.
      expect(r.error.length, `${item.name}: ${r.error}`).toBeLessThan(400);
      expect(r.error, item.name).not.toMatch(/\n|\bat \S+:\d+|0x[0-9a-f]{6,}/);
      expect(r.error, item.name).not.toContain(dataDir);
      expect(r.error, `${item.name}: a server path`).not.toMatch(SERVER_PATH);
      expect(r.error, `${item.name}: ffmpeg's own words`).not.toMatch(RAW_FFMPEG);
      // The file is the cause: trying again is not offered, and the API refuses it.
      expect(r.retryable, item.name).toBe(false);
      const retry = await api.request('POST', `/api/v1/videos/${r.id}/retry`);
      expect(retry.status, item.name).toBe(409);
      expect(retry.json.error.message, item.name).toMatch(/because of its file/);
      expect((await api.request('GET', `/api/v1/videos/${r.id}`)).json.status, item.name).toBe('failed');
      expect(r.error.match(/not a video or audio file/g)?.length ?? 0, `${item.name}: said once`).toBeLessThanOrEqual(1);
      expect(r.playback.hls, item.name).toBeNull();
      for (const job of jobsFor(dataDir, r.id)) expect(job.attempts, `${item.name} was not retried`).toBe(1);
    }
  });

  it('every odd but valid file plays', async () => {
    for (const item of corpus.filter((c) => c.expect === 'ready')) {
      const r = results.get(item.name);
      expect(r.status, `${item.name} (${item.what}): ${r.error}`).toBe('ready');
      const report = await checkPlayback(r.playback.hls);
      expect(report.segments, item.name).toBeGreaterThan(0);
    }
    // The absurd declared duration is replaced by what the packets say.
    expect(results.get('absurd-duration.mp4').durationSec).toBeLessThan(5);
  });

  it('no hostile file made ffmpeg read another file', async () => {
    const canaries = corpus.flatMap((c) => c.canaries ?? []);
    expect(canaries.length).toBeGreaterThan(0);
    for (const canary of canaries) expect(await canaryRead(canary), canary).toBe(false);
  });

  it('good videos around them are unaffected and the server stayed healthy', async () => {
    for (const id of goodIds) {
      const v = await api.waitSettled(id, 60_000);
      expect(v.status, v.error).toBe('ready');
      await checkPlayback(v.playback.hls);
    }
    expect(health.every((s) => s === 200)).toBe(true);
    expect(server.child.exitCode).toBeNull();
    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(server.logs.filter((l) => l.level >= 50 && l.msg !== 'transcode failed')).toEqual([]);
    expect((await stat(join(dataDir, 'work'))).isDirectory()).toBe(true);
  });
});
