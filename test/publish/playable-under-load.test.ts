import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../support/api-client.ts';
import { ffmpeg } from '../support/clips.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { makeTempDir } from '../support/temp-dir.ts';

/**
 * A long ladder does not hold back a new upload: on a server with the default single worker, while
 * a 10-minute 1080p upload's ladder is encoding, a short VP8/Opus webm (never published as is: it
 * is re-encoded first) becomes playable before that ladder is done.
 *
 * The order is read from the API: each round reads the short video first, then the long one, so a
 * round that sees the short one playable and the long one not ready proves the order.
 */
describe('playable under load', () => {
  let server: TestServer;
  let api: ApiClient;
  let temp: { dir: string; cleanup: () => Promise<void> };
  let longClip = '';
  let webm = '';

  beforeAll(async () => {
    temp = await makeTempDir('vodkit-under-load-');
    longClip = await makeLongHdClip(temp.dir, 600);
    webm = join(temp.dir, 'short.webm');
    await ffmpeg([
      '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=30:duration=4',
      '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000:duration=4',
      '-c:v', 'libvpx', '-b:v', '400k', '-deadline', 'realtime', '-cpu-used', '8', '-c:a', 'libopus', '-b:a', '64k', '-shortest', webm,
    ]);
    server = await startTestServer(); // the default: one worker, the default concurrency
    api = new ApiClient(server.url, server.token);
  }, 180_000);

  afterAll(async () => {
    await server?.stop();
    await temp?.cleanup();
  });

  it("a short webm becomes playable while a 10-minute 1080p upload's ladder is encoding", async () => {
    const longId = await api.upload(longClip, { title: 'ten minutes of 1080p' });
    // Its ladder is encoding: the video reports progress.
    await until('the long ladder to report progress', 240_000, async () => {
      const { json } = await api.request('GET', `/api/v1/videos/${longId}`);
      expect(json.status, json.error ?? '').not.toBe('failed');
      return json.status === 'processing' && json.progress > 0;
    });

    const shortId = await api.upload(webm, { contentType: 'video/webm', title: 'short webm' });
    const seen = await until('the short video to be playable (or the long one ready)', 900_000, async () => {
      const short = (await api.request('GET', `/api/v1/videos/${shortId}`)).json;
      const long = (await api.request('GET', `/api/v1/videos/${longId}`)).json;
      expect(short.status, short.error ?? '').not.toBe('failed');
      if (short.playable || long.status === 'ready') return { short, long };
      return null;
    });
    expect(seen.short.playable, 'the short video was playable before the long ladder finished').toBe(true);
    expect(seen.long.status, 'the long ladder was still encoding').toBe('processing');

    // Its first playable output is published and served.
    const master = await fetch(seen.short.playback.hls);
    expect(master.status).toBe(200);
    expect(await master.text()).toContain('#EXT-X-STREAM-INF');

    // Deleting the long video stops its ladder; the short one's ladder runs next and finishes.
    expect((await api.request('DELETE', `/api/v1/videos/${longId}`)).status).toBe(204);
    const done = await api.waitSettled(shortId, 120_000);
    expect(done.status, done.error ?? '').toBe('ready');
  }, 1_200_000);
});

/** Polls `check` (every 100 ms) until it returns something truthy. */
async function until<T>(what: string, timeoutMs: number, check: () => Promise<T | null | false>): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const got = await check();
    if (got) return got;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * A `seconds`-long 1080p H.264/AAC MP4 made cheaply: ten seconds at a low frame rate, encoded once
 * (ultrafast, low rate) and repeated by stream copy. Fit for instant publish; its ladder is long.
 */
async function makeLongHdClip(dir: string, seconds: number): Promise<string> {
  const piece = join(dir, 'piece.mp4');
  const path = join(dir, `long-${seconds}s-1080p.mp4`);
  await ffmpeg([
    '-f', 'lavfi', '-i', 'testsrc2=size=1920x1080:rate=4:duration=10',
    '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000:duration=10',
    '-c:v', 'libx264', '-preset', 'ultrafast', '-profile:v', 'high', '-b:v', '600k', '-g', '8', '-pix_fmt', 'yuv420p',
    '-c:a', 'aac', '-b:a', '64k', '-shortest', piece,
  ]);
  await ffmpeg(['-stream_loop', String(Math.ceil(seconds / 10) - 1), '-i', piece, '-c', 'copy', '-movflags', '+faststart', path]);
  return path;
}
