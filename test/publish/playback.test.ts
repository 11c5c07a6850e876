import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VideoPatch } from '../../src/core/model/video.ts';
import type { UpdateOptions } from '../../src/core/ports/catalog.ts';
import { makeTempDir } from '../support/temp-dir.ts';
import { launchChromium } from '../web/browser.ts';
import { makeStandardClip, makeTenBitClip, startPublishServer, type PublishServer } from './support.ts';

/**
 * hls.js in Chromium opens a video at the earliest moment it can be played (the instant the job
 * marks it playable) and must play it to the end: the stream copy of a standard upload, and the
 * ladder of a re-encoded one while its playlists are still growing. Once a player is open on a video,
 * the media store holds back that video's complete (ENDLIST) playlists until the player has read a
 * media playlist (like a distant object store), so however fast the encode, the player really starts
 * on EVENT playlists and has to follow them until they end.
 */
const HLS_JS = createRequire(import.meta.url).resolve('hls.js/dist/hls.min.js');

interface PlayerReport {
  ended: boolean;
  currentTime: number;
  duration: number;
  fatal: string[];
  errors: string[];
}

describe('hls.js plays from the earliest moment to the end', () => {
  let ps: PublishServer;
  let browser: Browser;
  let temp: { dir: string; cleanup: () => Promise<void> };
  const players = new Map<string, Promise<{ page: Page; playlists: string[]; startedWhile: string }>>();
  /** Videos whose player has read a media playlist. */
  const readMedia = new Set<string>();

  /** Holds a complete media playlist of a video back while its open player has read none yet (at most 60 s). */
  async function holdCompletePlaylist(key: string, body: unknown): Promise<void> {
    const videoId = key.split('/')[0]!;
    if (!key.endsWith('.m3u8') || !Buffer.isBuffer(body) || !body.includes('#EXT-X-ENDLIST')) return;
    const deadline = Date.now() + 60_000;
    while (players.has(videoId) && !readMedia.has(videoId) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  }

  /** Opens a page on the server's origin and starts hls.js on the video's master playlist. */
  async function startPlayer(videoId: string): Promise<{ page: Page; playlists: string[]; startedWhile: string }> {
    const { json: video } = await ps.api.request('GET', `/api/v1/videos/${videoId}`);
    const page = await browser.newPage();
    const playlists: string[] = [];
    page.on('response', (res) => {
      if (!new URL(res.url()).pathname.endsWith('.m3u8')) return;
      res.text().then((t) => {
        playlists.push(t);
        if (t.includes('#EXTINF')) readMedia.add(videoId);
      }, () => {});
    });
    const origin = new URL(ps.server.url).origin;
    await page.route(`${origin}/__player`, (route) =>
      route.fulfill({ contentType: 'text/html', body: '<!doctype html><title>player</title><video muted playsinline></video>' }),
    );
    await page.goto(`${origin}/__player`);
    await page.addScriptTag({ path: HLS_JS });
    await page.evaluate((src: string) => {
      const w = window as any;
      const video = document.querySelector('video') as HTMLVideoElement;
      w.report = { ended: false, fatal: [], errors: [] };
      const hls = new w.Hls({ capLevelToPlayerSize: false, startLevel: -1, backBufferLength: 30 });
      hls.on(w.Hls.Events.ERROR, (_e: unknown, data: any) => {
        (data.fatal ? w.report.fatal : w.report.errors).push(`${data.type}/${data.details}`);
      });
      hls.on(w.Hls.Events.MANIFEST_PARSED, () => void video.play());
      video.addEventListener('ended', () => (w.report.ended = true));
      hls.loadSource(src);
      hls.attachMedia(video);
    }, video.playback.hls as string);
    return { page, playlists, startedWhile: video.status };
  }

  async function playToEnd(videoId: string): Promise<{ report: PlayerReport; playlists: string[]; startedWhile: string }> {
    const player = await players.get(videoId)!;
    await player.page.waitForFunction(() => (window as any).report.ended || (window as any).report.fatal.length > 0, null, { timeout: 90_000 });
    const report = await player.page.evaluate(() => {
      const w = window as any;
      const v = document.querySelector('video') as HTMLVideoElement;
      return { ...w.report, currentTime: v.currentTime, duration: v.duration } as PlayerReport;
    });
    await player.page.close();
    return { report, playlists: player.playlists, startedWhile: player.startedWhile };
  }

  beforeAll(async () => {
    temp = await makeTempDir('vodkit-playback-');
    browser = await launchChromium();
    ps = await startPublishServer({
      media: (media) => ({
        async put(key, body, options) {
          await holdCompletePlaylist(key, body);
          return media.put(key, body, options);
        },
      }),
      catalog: (catalog) => ({
        async updateVideo(videoId: string, patch: VideoPatch, options?: UpdateOptions) {
          const updated = await catalog.updateVideo(videoId, patch, options);
          if (updated && patch.playable === true && patch.status === undefined && !players.has(videoId)) {
            const started = startPlayer(videoId);
            started.catch(() => {});
            players.set(videoId, started);
          }
          return updated;
        },
      }),
    }, { x264Preset: 'medium' });
  });

  afterAll(async () => {
    await browser?.close();
    await ps?.stop();
    await temp?.cleanup();
  });

  it('a standard upload, opened from its stream copy', async () => {
    const clip = await makeStandardClip(join(temp.dir, 'standard.mp4'), 6);
    const id = await ps.api.upload(clip);
    await expect.poll(() => players.has(id), { timeout: 60_000 }).toBe(true);
    const { report, playlists, startedWhile } = await playToEnd(id);
    expect(startedWhile).toBe('processing');
    expect(report.fatal).toEqual([]);
    expect(report.ended).toBe(true);
    expect(report.duration).toBeCloseTo(6, 0);
    expect(report.currentTime).toBeGreaterThan(5.5);
    expect(playlists.some((p) => p.includes('source/index.m3u8'))).toBe(true); // the instant master
    expect((await ps.api.waitSettled(id)).status).toBe('ready');
  });

  it('a re-encoded upload, opened while its ladder playlists are still growing', async () => {
    const clip = await makeTenBitClip(join(temp.dir, 'ten-bit.mp4'), 8);
    const id = await ps.api.upload(clip);
    await expect.poll(() => players.has(id), { timeout: 60_000 }).toBe(true);
    const { report, playlists, startedWhile } = await playToEnd(id);
    expect(startedWhile).toBe('processing');
    expect(report.fatal).toEqual([]);
    expect(report.ended).toBe(true);
    expect(report.duration).toBeCloseTo(8, 0);
    expect(report.currentTime).toBeGreaterThan(7.5);
    const media = playlists.filter((p) => p.includes('#EXTINF'));
    expect(media.some((p) => p.includes('#EXT-X-PLAYLIST-TYPE:EVENT') && !p.includes('#EXT-X-ENDLIST')), 'the player read a growing playlist').toBe(true);
    expect(media.some((p) => p.includes('#EXT-X-ENDLIST'))).toBe(true);
    expect((await ps.api.waitSettled(id)).status).toBe('ready');
  });
});
