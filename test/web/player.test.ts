import { spawn } from 'node:child_process';
import { mkdir, readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../support/api-client.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { makeTempDir } from '../support/temp-dir.ts';
import { ensureWebBuild, launchChromium, watchedPage } from './browser.ts';
import { makeClip, makeFakeMp4 } from './media.ts';

/**
 * The player (media-chrome over hls.js) and the embeddable player in a real Chromium against a
 * real server and ffmpeg worker: captions, storyboard previews, quality menu, the embed framed by
 * a page of another origin, oEmbed, the phone layout and the audio layout.
 */
const DOC_SCREENSHOTS = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url));
const CAPTIONS = 'WEBVTT\n\n00:00:00.000 --> 00:00:04.000\nHello from the captions\n';

let server: TestServer;
let browser: Browser;
let temp: { dir: string; cleanup: () => Promise<void> };
let client: ApiClient;
let admin: { email: string; password: string };
let publicId = '';
let privateId = '';
let audioId = '';
let screenshots = '';

function run(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} exited ${code}: ${stderr.slice(-500)}`))));
  });
}

async function signedIn(viewport: { width: number; height: number }, mobile = false): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport, isMobile: mobile, hasTouch: mobile });
  const page = await context.newPage();
  await page.goto(`${server.url}/sign-in`);
  await page.getByLabel('Email').fill(admin.email);
  await page.getByLabel('Password').fill(admin.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Library' }).waitFor();
  await page.close();
  return context;
}

/** The media-chrome element in the player whose label (aria-label) matches. */
function control(page: Page, tag: string) {
  return page.locator(`media-controller ${tag}`).first();
}

/** Makes sure the video has a storyboard: the ladder's own, or one written into the media store here. */
async function ensureStoryboard(id: string): Promise<void> {
  const video = await server.rt.catalog.getVideo(id);
  if (video?.storyboard) return;
  const sprite = join(temp.dir, 'storyboard.jpg');
  await run('ffmpeg', ['-nostdin', '-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=160x90:rate=1', '-t', '4', '-vf', 'tile=4x1', '-frames:v', '1', sprite]);
  const vtt = ['WEBVTT', '', ...[0, 1, 2, 3].map((i) => `00:00:0${i}.000 --> 00:00:0${i + 1}.000\nstoryboard.jpg#xywh=${i * 160},0,160,90\n`)].join('\n');
  await server.rt.media.put(`${id}/storyboard/storyboard.jpg`, await readFile(sprite), { contentType: 'image/jpeg' });
  await server.rt.media.put(`${id}/storyboard/storyboard.vtt`, Buffer.from(vtt), { contentType: 'text/vtt' });
  await server.rt.catalog.updateVideo(id, { storyboard: { vttKey: `${id}/storyboard/storyboard.vtt`, imageKey: `${id}/storyboard/storyboard.jpg` } });
}

describe('player and embeds', () => {
  beforeAll(async () => {
    await ensureWebBuild();
    temp = await makeTempDir('vodkit-player-');
    server = await startTestServer();
    browser = await launchChromium();
    client = new ApiClient(server.url, server.token);
    admin = await server.createUser('admin');
    screenshots = process.env.VODKIT_UPDATE_SCREENSHOTS === '1' ? DOC_SCREENSHOTS : join(temp.dir, 'screenshots');
    await mkdir(screenshots, { recursive: true });

    const clip = await makeClip(temp.dir, 'bars.mp4', { seconds: 4, width: 1280, height: 720 });
    const tone = join(temp.dir, 'tone.m4a');
    await run('ffmpeg', ['-nostdin', '-v', 'error', '-y', '-f', 'lavfi', '-i', 'sine=frequency=330:sample_rate=48000', '-t', '4', '-c:a', 'aac', '-b:a', '64k', tone]);
    publicId = await client.upload(clip, { title: 'Colour bars', visibility: 'public' });
    privateId = await client.upload(clip, { title: 'Private bars', visibility: 'private' });
    audioId = await client.upload(tone, { title: 'A quiet tone', visibility: 'public' });
    for (const id of [publicId, privateId, audioId]) expect((await client.waitSettled(id, 150_000)).status).toBe('ready');

    // A caption track: through the captions API when this server has it, else stored directly.
    const posted = await fetch(new URL(`/api/v1/videos/${publicId}/captions`, server.url), {
      method: 'POST',
      headers: { Authorization: `Bearer ${server.token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ language: 'en', label: 'English', format: 'vtt', text: CAPTIONS }),
    });
    if (posted.status === 404) {
      await server.rt.media.put(`${publicId}/captions/en.vtt`, Buffer.from(CAPTIONS), { contentType: 'text/vtt' });
      await server.rt.catalog.updateVideo(publicId, {
        captions: [{ language: 'en', label: 'English', vttKey: `${publicId}/captions/en.vtt`, playlistKey: `${publicId}/captions/en.m3u8`, source: 'api' }],
      });
    } else {
      expect(posted.status).toBe(201);
    }
    await ensureStoryboard(publicId);
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await temp?.cleanup();
  });

  it('plays with controls inside the player: captions menu, storyboard preview on the seek bar, quality menu, speed', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    const { page, errors, requests } = await watchedPage(context);
    await page.goto(`${server.url}/watch/${publicId}`);
    await page.getByRole('heading', { name: 'Colour bars' }).waitFor();
    const video = page.locator('media-controller video');
    await video.waitFor();
    // An anonymous viewer sees neither the processing state nor the file size.
    expect(await page.locator('.watch-head .status').count()).toBe(0);
    expect(await page.locator('.facts').textContent()).not.toMatch(/[KMG]B/);

    await control(page, 'media-play-button').click();
    await page.waitForFunction(() => (document.querySelector('media-controller video') as HTMLVideoElement).currentTime > 1, null, { timeout: 30_000 });

    // Captions: the menu lists the track; choosing it shows its cue.
    await control(page, 'media-captions-menu-button').click();
    const captionsMenu = page.locator('media-captions-menu');
    await captionsMenu.getByText('English').click();
    await expect
      .poll(() =>
        video.evaluate((v: HTMLVideoElement) => {
          const track = Array.from(v.textTracks).find((t) => t.label === 'English');
          return track?.mode === 'showing' ? Array.from(track.activeCues ?? []).map((c) => (c as VTTCue).text).join(' ') : `mode ${track?.mode}`;
        }),
      )
      .toMatch(/Hello from the captions/);

    // Storyboard: hovering the seek bar shows a tile of the sprite sheet.
    await expect.poll(() => video.getAttribute('data-storyboard-tiles')).toMatch(/^[1-9]/);
    await video.evaluate((v: HTMLVideoElement) => {
      v.pause();
      v.currentTime = 1.5;
    });
    await page.evaluate(() => window.scrollTo(0, 0));
    const range = control(page, 'media-time-range');
    const box = (await range.boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.6, box.y + box.height / 2);
    await page.mouse.move(box.x + box.width * 0.62, box.y + box.height / 2);
    const thumb = page.locator('media-time-range media-preview-thumbnail').first();
    await expect.poll(() => thumb.getAttribute('mediapreviewimage')).toMatch(/storyboard[^#]*\.jpg(\?[^#]*)?#xywh=\d+,\d+,160,90$/);
    await expect.poll(async () => (await thumb.boundingBox())?.width ?? 0).toBeGreaterThan(50);
    // Shown (the preview fades in) with the tile's picture loaded.
    await expect
      .poll(() =>
        range.evaluate((el) => {
          const box = el.shadowRoot!.querySelector('[part~="preview-box"]')!;
          const tile = el.shadowRoot!.querySelector('media-preview-thumbnail')!;
          const img = tile.shadowRoot?.querySelector('img');
          return `${getComputedStyle(box).opacity} ${getComputedStyle(tile).visibility} ${img?.complete && img.naturalWidth > 0 ? 'loaded' : 'not loaded'}`;
        }),
      )
      .toBe('1 visible loaded');
    await page.screenshot({ path: join(screenshots, 'watch.png') });

    // Quality: Auto plus one entry per picture rung; choosing one loads that rung's segments.
    const stored = await server.rt.catalog.getVideo(publicId);
    const rungs = stored!.renditions.filter((r) => r.width > 0);
    expect(rungs.length).toBeGreaterThanOrEqual(2);
    await page.mouse.move(box.x + 20, box.y - 200);
    await control(page, 'media-rendition-menu-button').click();
    const qualityMenu = page.locator('media-rendition-menu');
    const items = qualityMenu.locator('media-chrome-menu-item');
    await expect.poll(() => items.count()).toBe(rungs.length + 1);
    expect(await items.last().textContent()).toMatch(/^Auto/);
    const lowest = rungs.reduce((a, b) => (a.height < b.height ? a : b));
    const before = requests.length;
    await qualityMenu.getByText(`${Math.min(lowest.width, lowest.height)}p`, { exact: true }).click();
    await expect
      .poll(() => requests.slice(before).some((r) => new URL(r.url).pathname.startsWith(`/media/${publicId}/${lowest.name}/`) && !r.url.includes('.m3u8')), { timeout: 20_000 })
      .toBe(true);

    // Speed.
    await control(page, 'media-playback-rate-menu-button').click();
    await page.locator('media-playback-rate-menu').getByText('1.5x').click();
    expect(await video.evaluate((v: HTMLVideoElement) => v.playbackRate)).toBe(1.5);
    expect(await control(page, 'media-pip-button').count()).toBe(1);
    expect(await control(page, 'media-fullscreen-button').count()).toBe(1);

    // The page offers the embed code.
    await page.getByText('Embed', { exact: true }).click();
    expect(await page.locator('#embed-code').inputValue()).toBe(
      `<iframe src="${server.url}/embed/${publicId}" width="640" height="360" title="Colour bars" allow="autoplay; fullscreen; picture-in-picture" allowfullscreen style="border:0"></iframe>`,
    );
    // A stall while a forced quality refills the buffer may be reported (the machine is busy); nothing fatal.
    expect(await video.getAttribute('data-hls-fatal')).toBeNull();
    expect(errors).toEqual([]);
    await context.close();
  });

  it('embeds: plays in an <iframe> of a page on another origin; private videos only with a playback token', async () => {
    // Framing rules as sent.
    const pub = await fetch(new URL(`/embed/${publicId}`, server.url));
    expect(pub.status).toBe(200);
    expect(pub.headers.get('x-frame-options')).toBeNull();
    expect(pub.headers.get('content-security-policy')).toMatch(/frame-ancestors \*$/);
    const priv = await fetch(new URL(`/embed/${privateId}`, server.url));
    expect(priv.headers.get('content-security-policy')).toMatch(/frame-ancestors 'none'$/);
    expect((await fetch(new URL(`/api/v1/embed/${privateId}`, server.url))).status).toBe(404);
    const view = await client.waitSettled(privateId, 1000);
    const token = new URL(view.playback.hls).searchParams.get('token')!;
    expect(token).toBeTruthy();
    const withToken = await fetch(new URL(`/embed/${privateId}?token=${token}`, server.url));
    expect(withToken.headers.get('content-security-policy')).toMatch(/frame-ancestors \*$/);
    expect((await fetch(new URL(`/embed/${privateId}?token=nope`, server.url))).headers.get('content-security-policy')).toMatch(/frame-ancestors 'none'$/);
    const watch = await fetch(new URL(`/watch/${publicId}`, server.url));
    expect(watch.headers.get('x-frame-options')).toBe('DENY');

    // oEmbed for the public video, nothing for the private one.
    const oembed = await fetch(new URL(`/oembed?url=${encodeURIComponent(`${server.url}/watch/${publicId}`)}&format=json`, server.url));
    expect(oembed.status).toBe(200);
    const described = await oembed.json();
    expect(described).toMatchObject({ version: '1.0', type: 'video', provider_name: 'vodkit', title: 'Colour bars', width: 640, height: 360 });
    expect(described.html).toContain(`src="${server.url}/embed/${publicId}"`);
    expect(described.thumbnail_url).toMatch(new RegExp(`/media/${publicId}/`));
    expect((await fetch(new URL(`/oembed?url=${encodeURIComponent(`${server.url}/watch/${privateId}`)}`, server.url))).status).toBe(404);

    // A page of another origin frames the public player and, with its token, the private one.
    const host: Server = createServer((req, res) => {
      const src = req.url === '/private' ? `${server.url}/embed/${privateId}?token=${token}` : `${server.url}/embed/${publicId}`;
      res.writeHead(200, { 'Content-Type': 'text/html' }).end(`<!doctype html><title>A blog</title><h1>My post</h1><iframe id="player" src="${src}" width="640" height="360" allow="autoplay; fullscreen" allowfullscreen></iframe>`);
    });
    await new Promise<void>((resolve) => host.listen(0, '127.0.0.1', resolve));
    const hostUrl = `http://127.0.0.1:${(host.address() as { port: number }).port}`;
    expect(new URL(hostUrl).origin).not.toBe(new URL(server.url).origin);
    const context = await browser.newContext({ viewport: { width: 900, height: 600 } });
    try {
      for (const path of ['/', '/private']) {
        const { page, errors } = await watchedPage(context);
        const mediaRequests: string[] = [];
        page.on('request', (request) => {
          if (new URL(request.url()).pathname.startsWith('/media/')) mediaRequests.push(request.url());
        });
        await page.goto(`${hostUrl}${path}`);
        const frame = page.frameLocator('#player');
        await frame.locator('media-controller video').waitFor();
        expect(await frame.locator('.topbar').count()).toBe(0);
        await frame.locator('media-play-button').click();
        const inFrame = page.frames().find((f) => f.url().includes('/embed/'))!;
        await inFrame.waitForFunction(() => (document.querySelector('media-controller video') as HTMLVideoElement).currentTime > 1.5, null, { timeout: 30_000 });
        if (path === '/') {
          const frameBox = (await page.locator('#player').boundingBox())!;
          await page.mouse.move(frameBox.x + frameBox.width / 2, frameBox.y + frameBox.height / 3);
          await page.screenshot({ path: join(screenshots, 'embed.png') });
        }
        expect(errors).toEqual([]);
        // A token URL is not a CloudFront signature: the player adds nothing to the URLs the server wrote.
        expect(mediaRequests.length).toBeGreaterThan(2);
        expect(mediaRequests.filter((url) => /[?&](Policy|Signature|Key-Pair-Id)=/.test(url))).toEqual([]);
        if (path === '/private') expect(mediaRequests.filter((url) => !new URL(url).searchParams.has('token'))).toEqual([]);
        await page.close();
      }
    } finally {
      await context.close();
      host.close();
    }
  });

  it('on a phone every control and the Retry button of a failed video are inside the screen; audio gets the audio layout', async () => {
    const fake = await makeFakeMp4(temp.dir, 'broken.mp4', 200_000);
    const failedId = await client.upload(fake.path, { title: 'Broken upload' });
    await client.waitSettled(failedId, 60_000);
    await server.rt.catalog.updateVideo(failedId, { status: 'failed', error: 'encoding failed on the server: the server ran out of disk space (after 3 attempts)', retryable: true });

    const context = await signedIn({ width: 375, height: 667 }, true);
    try {
      const { page, errors } = await watchedPage(context);
      /** Each match lies inside the screen, and is what the screen shows at its centre (not clipped or covered). */
      const inside = async (selector: string) => {
        const boxes = await page.locator(selector).evaluateAll((els) =>
          els.map((el) => {
            const r = el.getBoundingClientRect();
            let hit: Node | null = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
            while (hit && hit !== el) hit = hit.parentNode ?? (hit instanceof ShadowRoot ? hit.host : null);
            return { left: r.left, top: r.top, right: r.right, bottom: r.bottom, width: r.width, shown: hit === el };
          }),
        );
        expect(boxes.length, selector).toBeGreaterThan(0);
        for (const b of boxes) {
          expect(b.width, selector).toBeGreaterThan(0);
          expect(b.left, selector).toBeGreaterThanOrEqual(0);
          expect(b.top, selector).toBeGreaterThanOrEqual(0);
          expect(b.right, selector).toBeLessThanOrEqual(375);
          expect(b.bottom, selector).toBeLessThanOrEqual(667);
          expect(b.shown, `${selector} is visible at its centre`).toBe(true);
        }
      };
      await page.goto(`${server.url}/watch/${publicId}`);
      await page.locator('media-controller video').waitFor();
      await page.locator('media-controller').hover();
      for (const tag of [
        'media-play-button',
        'media-mute-button',
        'media-volume-range',
        'media-time-display',
        'media-time-range',
        'media-captions-menu-button',
        'media-playback-rate-menu-button',
        'media-rendition-menu-button',
        'media-pip-button',
        'media-fullscreen-button',
      ]) {
        await inside(`media-controller ${tag}`);
      }
      await page.screenshot({ path: join(screenshots, 'watch-phone.png') });

      await page.goto(`${server.url}/watch/${failedId}`);
      await page.getByRole('button', { name: 'Retry processing' }).waitFor();
      await inside('.stage-message button');
      await inside('.stage-message p');

      await page.goto(`${server.url}/watch/${audioId}`);
      await page.locator('media-controller[audio]').waitFor();
      await inside('media-controller media-play-button');
      await inside('media-controller media-time-range');
      expect(await page.locator('media-fullscreen-button').count()).toBe(0);
      expect(await page.locator('media-pip-button').count()).toBe(0);
      expect(await page.locator('media-rendition-menu-button').count()).toBe(0);
      await control(page, 'media-play-button').click();
      await page.waitForFunction(() => (document.querySelector('media-controller video') as HTMLVideoElement).currentTime > 1, null, { timeout: 30_000 });
      expect(errors).toEqual([]);
      await page.close();
    } finally {
      await context.close();
    }
  });
});
