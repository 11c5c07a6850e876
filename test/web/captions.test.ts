import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../support/api-client.ts';
import { makeClip } from '../support/clips.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { makeTempDir } from '../support/temp-dir.ts';
import { launchChromium, watchedPage } from './browser.ts';

/**
 * A caption track played in Chromium with hls.js, as any HLS player finds it: from the master
 * playlist's subtitles group of a private video, through its playback token. The page is a bare
 * one on the server's origin (no player UI): hls.js over a <video>, the subtitle track selected.
 */
const require = createRequire(import.meta.url);
const CUE_TEXT = 'Captions reach the player';

describe('captions in the browser', () => {
  let server: TestServer;
  let browser: Browser;
  let temp: { dir: string; cleanup: () => Promise<void> };

  beforeAll(async () => {
    temp = await makeTempDir('vodkit-captions-web-');
    server = await startTestServer();
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await temp?.cleanup();
  });

  it('hls.js lists the track, and its cue text appears in the video text track once selected', async () => {
    const api = new ApiClient(server.url, server.token);
    const clip = await makeClip(temp.dir, 'landscape', { seconds: 4 });
    const id = await api.upload(clip.path, { visibility: 'private' });
    expect((await api.waitSettled(id)).status).toBe('ready');
    const vtt = `WEBVTT\n\n00:00:00.500 --> 00:00:03.000\n${CUE_TEXT}\n`;
    expect((await api.request('POST', `/api/v1/videos/${id}/captions`, { language: 'en', label: 'English', format: 'vtt', text: vtt })).status).toBe(201);
    const view = (await api.request('GET', `/api/v1/videos/${id}`)).json;
    expect(view.playback.hls).toContain('?token=');

    const hlsJs = await readFile(require.resolve('hls.js/dist/hls.js'));
    const context = await browser.newContext();
    try {
      // A page of the server's origin, answered by the browser itself: the media requests are same-origin.
      await context.route(`${server.url}/__captions-test/**`, (route) => {
        const path = new URL(route.request().url()).pathname;
        if (path.endsWith('/hls.js')) return route.fulfill({ contentType: 'text/javascript', body: hlsJs });
        return route.fulfill({ contentType: 'text/html', body: '<!doctype html><video muted playsinline></video><script src="hls.js"></script>' });
      });
      const { page, errors } = await watchedPage(context);
      await page.goto(`${server.url}/__captions-test/page.html`);
      const tracks = await page.evaluate(async (src) => {
        const Hls = (window as any).Hls;
        const video = document.querySelector('video')!;
        const hls = new Hls();
        (window as any).hls = hls;
        hls.loadSource(src);
        hls.attachMedia(video);
        await new Promise((resolve) => hls.on(Hls.Events.MANIFEST_PARSED, resolve));
        hls.subtitleTrack = 0;
        hls.subtitleDisplay = true;
        void video.play().catch(() => {});
        return hls.subtitleTracks.map((t: any) => ({ lang: t.lang, name: t.name }));
      }, view.playback.hls);
      expect(tracks).toEqual([{ lang: 'en', name: 'English' }]);

      // The cue, as the browser's text track holds it (hls.js parses the WebVTT segment it fetched).
      const handle = await page.waitForFunction(
        (text) => {
          const video = document.querySelector('video')!;
          for (const track of Array.from(video.textTracks)) {
            const cue = Array.from(track.cues ?? []).find((c) => (c as VTTCue).text === text);
            if (cue) return { kind: track.kind, label: track.label, language: track.language, mode: track.mode, start: cue.startTime, end: cue.endTime };
          }
          return null;
        },
        CUE_TEXT,
        { timeout: 30_000 },
      );
      const found = await handle.jsonValue();
      expect(found).toMatchObject({ kind: 'subtitles', label: 'English', language: 'en', mode: 'showing' });
      // On the video's timeline as written (the renditions start at 0).
      expect(found!.start).toBeCloseTo(0.5, 1);
      expect(found!.end).toBeCloseTo(3, 1);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
