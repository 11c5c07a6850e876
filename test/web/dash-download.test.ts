import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../support/api-client.ts';
import { ffprobeJson } from '../support/probe.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { makeTempDir } from '../support/temp-dir.ts';
import { launchChromium, watchedPage } from './browser.ts';
import { makeClip } from './media.ts';

const DASHJS = fileURLToPath(new URL('../../node_modules/dashjs/dist/modern/umd/dash.all.min.js', import.meta.url));

/**
 * In Chromium: dash.js (loaded from node_modules) plays a private video's DASH manifest, whose
 * segment URLs carry the playback token, past 2 s; the MP4 download arrives as an attachment and is
 * byte for byte the stored object, which ffprobe reads. The page is served by the test on the
 * server's origin (so no CORS is involved), with nothing of the web app on it.
 */
let temp: { dir: string; cleanup: () => Promise<void> };
let server: TestServer;
let browser: Browser;
let video: any;

beforeAll(async () => {
  temp = await makeTempDir('vodkit-dash-web-');
  const clip = await makeClip(temp.dir, 'clip.mp4', { seconds: 8, width: 640, height: 360 });
  server = await startTestServer({ flags: { downloads: true } });
  const owner = new ApiClient(server.url, (await server.createUser('uploader')).token);
  video = await owner.waitSettled(await owner.upload(clip, { visibility: 'private', title: 'Sea trip' }), 120_000);
  expect(video.status).toBe('ready');
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await temp?.cleanup();
});

describe('DASH and downloads in Chromium', () => {
  it('dash.js plays the MPD past 2 s; the download is the stored MP4, byte for byte', async () => {
    const context = await browser.newContext({ acceptDownloads: true });
    const { page, errors, requests } = await watchedPage(context);
    const pageUrl = `${server.url}/dash-test/index.html`;
    const html = `<!doctype html><meta charset="utf-8"><title>DASH</title>
<video id="v" muted playsinline width="640" height="360"></video>
<a id="dl" href="${video.downloads.mp4}">Download</a>
<script src="/dash-test/dash.all.min.js"></script>
<script>
  const player = dashjs.MediaPlayer().create();
  player.on(dashjs.MediaPlayer.events.ERROR, (e) => console.error('dash.js error', JSON.stringify(e.error || e)));
  player.initialize(document.getElementById('v'), ${JSON.stringify(video.playback.dash)}, true);
</script>`;
    await page.route(`${server.url}/dash-test/**`, async (route) => {
      const url = new URL(route.request().url());
      if (url.pathname === '/dash-test/index.html') return route.fulfill({ contentType: 'text/html', body: html });
      if (url.pathname === '/dash-test/dash.all.min.js') return route.fulfill({ contentType: 'text/javascript', body: await readFile(DASHJS) });
      return route.fulfill({ status: 404, body: '' });
    });
    await page.goto(pageUrl);
    await page.waitForFunction(() => (document.getElementById('v') as HTMLVideoElement).currentTime > 2, null, { timeout: 60_000 });
    expect(errors).toEqual([]);
    const segmentRequests = requests.filter((r) => /\/media\/[^/]+\/[^/]+\/seg_\d+\.m4s\?token=/.test(r.url));
    expect(segmentRequests.length).toBeGreaterThan(1);
    expect(requests.some((r) => r.url.includes('.m3u8'))).toBe(false); // DASH, not HLS

    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#dl')]);
    expect(download.suggestedFilename()).toBe('Sea trip.mp4');
    const saved = join(temp.dir, 'saved.mp4');
    await download.saveAs(saved);
    const { body } = await server.rt.media.get(`${video.id}/download.mp4`);
    const chunks: Buffer[] = [];
    for await (const chunk of body) chunks.push(Buffer.from(chunk as Buffer));
    expect((await readFile(saved)).equals(Buffer.concat(chunks))).toBe(true);
    const probe = await ffprobeJson(saved);
    expect(probe.streams.map((s: { codec_name: string }) => s.codec_name).sort()).toEqual(['aac', 'h264']);
    expect(Math.abs(Number(probe.format.duration) - 8)).toBeLessThan(0.3);
    await context.close();
  }, 120_000);
});
