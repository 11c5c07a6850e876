import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page, Route } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../support/api-client.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { makeTempDir } from '../support/temp-dir.ts';
import { realMedia, realMediaAvailable } from '../support/real-media.ts';
import { ensureWebBuild, horizontalOverflow, launchChromium, watchedPage, type WatchedPage } from './browser.ts';
import { makeClip, makeFakeMp4, sha256Stream } from './media.ts';

/**
 * The web app in a real Chromium against a real server (embedded adapters, real ffmpeg worker).
 * The tests run in order on one server: first-run setup, refusals, a real upload that turns ready
 * live and plays, an interrupted multipart upload that resumes, and layouts on a phone and a desktop.
 */
/** Screenshots go to docs/screenshots/ with VODKIT_UPDATE_SCREENSHOTS=1, else to a temp folder. */
const DOC_SCREENSHOTS = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url));
let SCREENSHOTS = '';
const PART_SIZE = 5 * 1024 * 1024;
const EMAIL = 'admin@example.test';
const PASSWORD = 'a calm river at dawn';
const REAL_FILE = 'ax_internal_emulator_transformer_output.mp4';
const haveMedia = realMediaAvailable();

let server: TestServer;
let browser: Browser;
let context: BrowserContext;
let temp: { dir: string; cleanup: () => Promise<void> };
let readyVideoId = '';
let publicVideoId = '';

async function api(method: string, path: string): Promise<any> {
  const res = await fetch(new URL(path, server.url), { method, headers: { Authorization: `Bearer ${server.token}` } });
  return res.json();
}

async function openLibrary(context: BrowserContext): Promise<WatchedPage> {
  const watched = await watchedPage(context);
  await watched.page.goto(`${server.url}/`);
  await watched.page.getByRole('heading', { name: 'Library' }).waitFor();
  return watched;
}

function card(page: Page, id: string) {
  return page.locator(`.card[data-video-id="${id}"]`);
}

describe('web app', () => {
  beforeAll(async () => {
    await ensureWebBuild();
    temp = await makeTempDir('vodkit-web-');
    server = await startTestServer({ flags: { partSizeBytes: PART_SIZE } });
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 860 }, deviceScaleFactor: 1 });
    SCREENSHOTS = process.env.VODKIT_UPDATE_SCREENSHOTS === '1' ? DOC_SCREENSHOTS : join(temp.dir, 'screenshots');
    await mkdir(SCREENSHOTS, { recursive: true });
  });

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await server?.stop();
    await temp?.cleanup();
  });

  it('first run: the setup page creates the admin, who can sign out and sign in again', async () => {
    const { page, errors } = await watchedPage(context);
    await page.goto(`${server.url}/`);
    await page.waitForURL('**/setup');
    await page.getByRole('heading', { name: 'Welcome to vodkit' }).waitFor();
    await page.getByLabel('Email').fill(EMAIL);
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByLabel('Repeat the password').fill('something else entirely');
    await page.getByRole('button', { name: 'Create account and start' }).click();
    await page.getByRole('alert').filter({ hasText: 'not the same' }).waitFor();
    await page.getByLabel('Repeat the password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Create account and start' }).click();
    await page.getByRole('heading', { name: 'Library' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/');
    expect((await server.rt.catalog.getUserByEmail(EMAIL))?.role).toBe('admin');

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL('**/sign-in');
    expect((await page.context().cookies()).some((c) => c.name === 'vodkit_session' && c.value)).toBe(false);
    await page.getByLabel('Email').fill(EMAIL);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Library' }).waitFor();
    await page.getByText('No videos yet').waitFor();
    expect(errors).toEqual([]);
    await page.close();
  });

  it('refuses files that are not video or audio before uploading, with a reason', async () => {
    const { page, errors, requests } = await openLibrary(context);
    const text = join(temp.dir, 'notes.txt');
    await writeFile(text, 'These are my notes, not a video.\n');
    const png = join(temp.dir, 'holiday.mp4');
    await writeFile(png, Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489', 'hex'));
    await page.locator('#file-input').setInputFiles([text, png]);

    const txtRow = page.locator('.upload-row[data-file="notes.txt"]');
    const pngRow = page.locator('.upload-row[data-file="holiday.mp4"]');
    await txtRow.and(page.locator('[data-phase="refused"]')).waitFor();
    await pngRow.and(page.locator('[data-phase="refused"]')).waitFor();
    expect(await txtRow.locator('.upload-message').textContent()).toMatch(/not a video or audio file/);
    expect(await pngRow.locator('.upload-message').textContent()).toMatch(/PNG image, not a video or audio file/);
    expect(requests.filter((r) => r.url.includes('/api/v1/uploads') || r.url.includes('/s3/'))).toEqual([]);
    expect((await api('GET', '/api/v1/videos')).items).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  });

  it.runIf(haveMedia)('uploads a real video, shows it ready without a reload, and plays every quality', async () => {
    const { page, errors, requests } = await openLibrary(context);
    await page.evaluate(() => ((window as unknown as { stillSamePage: boolean }).stillSamePage = true));
    await page.locator('#file-input').setInputFiles(realMedia(REAL_FILE));

    const row = page.locator(`.upload-row[data-file="${REAL_FILE}"]`);
    await row.and(page.locator('[data-phase="done"]')).waitFor({ timeout: 30_000 });
    const id = (await row.getAttribute('data-video-id')) as string;
    expect(id).toBeTruthy();
    readyVideoId = id;
    // Status changes arrive over the event stream: the card turns ready on this same page.
    await card(page, id).and(page.locator('[data-status="ready"]')).waitFor({ timeout: 150_000 });
    expect(await page.evaluate(() => (window as unknown as { stillSamePage?: boolean }).stillSamePage)).toBe(true);
    await card(page, id).locator('img').waitFor();
    expect(await card(page, id).locator('.duration').textContent()).toBe('0:05');
    expect(await card(page, id).locator('.status').textContent()).toBe('Ready');

    // Open the watch page from the card; press K to play (keyboard control).
    await card(page, id).locator('.card-title a').click();
    await page.waitForURL(`**/watch/${id}`);
    const video = page.locator('video.player');
    await video.waitFor();
    expect(await video.getAttribute('poster')).toMatch(/\/media\//);
    await page.keyboard.press('k');
    await page.waitForFunction(() => (document.querySelector('video.player') as HTMLVideoElement).currentTime > 2.2, null, { timeout: 30_000 });
    const master = requests.find((r) => new URL(r.url).pathname === `/media/${id}/master.m3u8`);
    expect(master, 'the player loads the master playlist').toBeTruthy();

    // Force each rung through the player's quality menu; each must load its own segments.
    const stored = await server.rt.catalog.getVideo(id);
    const rungs = stored!.renditions.filter((r) => r.width > 0);
    expect(rungs.length).toBeGreaterThanOrEqual(2);
    const qualityMenu = page.locator('media-rendition-menu');
    const openQualityMenu = async () => {
      if (await qualityMenu.isVisible()) return;
      await page.locator('media-controller').hover();
      await page.locator('media-rendition-menu-button').click();
      await qualityMenu.waitFor();
    };
    /** Chooses a menu entry; the menu closes. */
    const choose = async (value: string) => {
      await qualityMenu.locator(`media-chrome-menu-item[value="${value}"]`).click();
      await qualityMenu.waitFor({ state: 'hidden' });
    };
    await openQualityMenu();
    const options = await qualityMenu.locator('media-chrome-menu-item').evaluateAll((els) => els.map((o) => ({ value: (o as HTMLElement & { value: string }).value, label: o.textContent ?? '' })));
    expect(options.at(-1)).toEqual({ value: 'auto', label: expect.stringMatching(/^Auto/) });
    expect(options.length).toBe(rungs.length + 1);
    const loadedRungs = new Set<string>();
    for (const option of options.slice(0, -1)) {
      const rung = rungs.find((r) => option.label.startsWith(`${Math.min(r.width, r.height)}p`));
      expect(rung, `a rendition for menu entry ${option.label}`).toBeTruthy();
      const before = requests.length;
      await page.evaluate(() => {
        const v = document.querySelector('video.player') as HTMLVideoElement;
        v.pause();
        v.currentTime = 0.5; // the picture may start a frame or two after 0: stay clear of that hole
      });
      await openQualityMenu();
      await choose(option.value);
      const segmentOf = (url: string) => {
        const path = new URL(url).pathname;
        return path.startsWith(`/media/${id}/${rung!.name}/`) && !path.endsWith('.m3u8');
      };
      await expect.poll(() => requests.slice(before).some((r) => segmentOf(r.url)), { timeout: 20_000 }).toBe(true);
      loadedRungs.add(rung!.name);
    }
    expect(loadedRungs.size).toBeGreaterThanOrEqual(2);
    await openQualityMenu();
    await choose('auto');

    // It still plays after the switches.
    await page.evaluate(() => void (document.querySelector('video.player') as HTMLVideoElement).play());
    await page.waitForFunction(() => (document.querySelector('video.player') as HTMLVideoElement).currentTime > 1.5, null, { timeout: 20_000 });
    await page.evaluate(() => {
      const v = document.querySelector('video.player') as HTMLVideoElement;
      v.pause();
      v.currentTime = 1.2;
    });
    expect(playbackErrors(await video.getAttribute('data-hls-errors'))).toEqual([]);
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await page.keyboard.press('m');
    expect(await video.evaluate((v: HTMLVideoElement) => v.muted)).toBe(true);
    await page.keyboard.press('m');
    await page.keyboard.press('ArrowLeft');
    expect(await video.evaluate((v: HTMLVideoElement) => v.currentTime)).toBeLessThan(0.5);

    // The copy-link button puts this page's address on the clipboard.
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
    await page.getByRole('button', { name: 'Copy link' }).click();
    await page.getByText('Link copied').waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(`${server.url}/watch/${id}`);

    // Inline title edit and visibility are saved on the server.
    await page.getByRole('button', { name: 'Edit title' }).click();
    await page.getByLabel('Title', { exact: true }).fill('Emulator demo');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Emulator demo' }).waitFor();
    await page.getByLabel('Visibility').selectOption('unlisted');
    await expect.poll(async () => (await server.rt.catalog.getVideo(id))?.visibility).toBe('unlisted');
    expect((await server.rt.catalog.getVideo(id))?.title).toBe('Emulator demo');
    await page.locator('.toasts').evaluate((el) => el.replaceChildren());
    await video.evaluate(
      (v: HTMLVideoElement) =>
        new Promise((resolve) => {
          v.addEventListener('seeked', resolve, { once: true });
          v.currentTime = 2;
        }),
    );
    // The player's screenshots (watch.png, watch-phone.png) are made by player.test.ts.

    expect(errors).toEqual([]);
    await page.close();
  });

  it('resumes an interrupted multipart upload from the parts the server already has', async () => {
    const size = 22_000_000;
    const partCount = Math.ceil(size / PART_SIZE);
    const file = await makeFakeMp4(temp.dir, 'long-recording.mp4', size);

    // First visit: let two parts through, hold the rest as if the connection died, then leave.
    const first = await openLibrary(context);
    let partPuts = 0;
    let dropped = false;
    const held: Route[] = [];
    await first.page.route('**/s3/**', (route) => {
      if (route.request().method() !== 'PUT') return route.continue();
      partPuts++;
      if (partPuts <= 2) return route.continue();
      if (dropped) return route.abort('connectionreset');
      held.push(route); // in flight until the connection drops
    });
    await first.page.locator('#file-input').setInputFiles(file.path);
    const row = first.page.locator('.upload-row[data-file="long-recording.mp4"]');
    await row.and(first.page.locator('[data-video-id]')).waitFor();
    const id = (await row.getAttribute('data-video-id')) as string;
    const video = await server.rt.catalog.getVideo(id);
    const uploadId = JSON.parse((await first.page.evaluate(() => localStorage.getItem('vodkit.unfinishedUploads'))) ?? '[]')[0]?.uploadId;
    expect(uploadId).toBeTruthy();
    await expect.poll(async () => (await server.rt.sources.listParts(video!.sourceKey, uploadId)).length, { timeout: 20_000 }).toBe(2);
    await expect.poll(async () => Number(await row.locator('.progress').getAttribute('aria-valuenow'))).toBeGreaterThanOrEqual(Math.floor(((2 * PART_SIZE) / size) * 100));
    expect(await row.locator('.upload-meta').textContent()).toMatch(/MB\/s/);
    await first.page.screenshot({ path: join(SCREENSHOTS, 'upload.png') });
    expect(first.errors).toEqual([]);
    // The connection drops (every part in flight fails, and so do the retries), then the tab is closed.
    dropped = true;
    await Promise.all(held.map((route) => route.abort('connectionreset')));
    await row.getByText(/Connection trouble/).waitFor();
    await first.page.close();
    const before = (await server.rt.sources.listParts(video!.sourceKey, uploadId)).map((p) => String(p.partNumber));
    expect(before.length).toBe(2);

    // Second visit: the page remembers the unfinished upload; picking the same file resumes it.
    const second = await openLibrary(context);
    await second.page.getByRole('group', { name: 'Unfinished upload of long-recording.mp4' }).waitFor();
    await second.page.locator('#file-input').setInputFiles(file.path);
    const again = second.page.locator('.upload-row[data-file="long-recording.mp4"]');
    await again.and(second.page.locator('[data-phase="done"]')).waitFor({ timeout: 30_000 });
    expect(await again.getAttribute('data-video-id')).toBe(id);
    expect(await again.locator('.upload-meta').textContent()).toMatch(/resumed/);
    const resentParts = second.requests.filter((r) => r.method === 'PUT' && r.url.includes('/s3/'));
    const missing = Array.from({ length: partCount }, (_, i) => String(i + 1)).filter((n) => !before.includes(n));
    expect(resentParts.map((r) => new URL(r.url).searchParams.get('partNumber')).sort()).toEqual(missing);

    const stored = await server.rt.sources.get(video!.sourceKey);
    expect(stored.info.size).toBe(size);
    expect(await sha256Stream(stored.body)).toBe(file.sha256);
    expect(await second.page.evaluate(() => localStorage.getItem('vodkit.unfinishedUploads'))).toBe('[]');

    // The server cannot read it as media: the card says why, and offers no retry (the file is the cause).
    const failed = card(second.page, id).and(second.page.locator('[data-status="failed"]'));
    await failed.waitFor({ timeout: 60_000 });
    expect((await failed.locator('.card-error').textContent())?.length).toBeGreaterThan(5);
    expect(await failed.getByRole('button', { name: /Retry/ }).count()).toBe(0);
    // A failure of the server's making (out of disk space, say) may be retried: the card updates live.
    await server.rt.catalog.updateVideo(id, { error: 'encoding failed on the server: the server ran out of disk space (after 3 attempts)', retryable: true });
    await failed.getByRole('button', { name: /Retry/ }).waitFor();
    // Playable while the rest of the ladder encodes: the card says so, with the ladder's progress.
    await server.rt.catalog.updateVideo(id, { status: 'processing', playable: true, progress: 0.4, error: null, retryable: true });
    const improving = card(second.page, id).and(second.page.locator('[data-status="processing"]'));
    await improving.locator('.status', { hasText: 'Playable · improving quality 40%' }).waitFor();
    expect(await improving.getByRole('button', { name: /Retry/ }).count()).toBe(0);
    // Back to the failure the file caused, as the later tests expect it.
    await server.rt.catalog.updateVideo(id, { status: 'failed', playable: false, progress: 0, error: 'the file is not a video', retryable: false });
    await failed.waitFor();
    // The watch page says the same: the reason, and no Retry for a file that cannot be processed.
    await second.page.goto(`${server.url}/watch/${id}`);
    await second.page.locator('.stage-failed', { hasText: 'The file is not a video.' }).waitFor();
    expect(await second.page.getByRole('button', { name: /Retry/ }).count()).toBe(0);
    expect(second.errors).toEqual([]);
    await second.page.close();
  });

  it('rides out a dropped connection on the same page: paused, then continued when back online', async () => {
    const size = 12_000_000;
    const file = await makeFakeMp4(temp.dir, 'train-ride.mp4', size);
    const { page, errors } = await openLibrary(context);
    let partPuts = 0;
    const held: Route[] = [];
    await page.route('**/s3/**', (route) => {
      if (route.request().method() === 'PUT' && ++partPuts > 1) return void held.push(route);
      return route.continue();
    });
    await page.locator('#file-input').setInputFiles(file.path);
    const row = page.locator('.upload-row[data-file="train-ride.mp4"]');
    await row.and(page.locator('[data-video-id]')).waitFor();
    const id = (await row.getAttribute('data-video-id')) as string;
    const video = await server.rt.catalog.getVideo(id);
    await expect.poll(() => held.length, { timeout: 30_000 }).toBe(2);

    await context.setOffline(true);
    await Promise.all(held.map((route) => route.abort('internetdisconnected')));
    await page.unroute('**/s3/**');
    await row.getByText(/Connection trouble|paused/).waitFor();
    await context.setOffline(false);
    await row.and(page.locator('[data-phase="done"]')).waitFor({ timeout: 30_000 });
    const stored = await server.rt.sources.get(video!.sourceKey);
    expect(await sha256Stream(stored.body)).toBe(file.sha256);
    // Only the browser's own reports of the requests that the dropped connection failed.
    expect(errors.filter((e) => !/ERR_INTERNET_DISCONNECTED|ERR_NETWORK_CHANGED/.test(e))).toEqual([]);
    await page.close();
  });

  it('cancels an upload: the server forgets it and so does the page', async () => {
    const file = await makeFakeMp4(temp.dir, 'mistake.mp4', 6_000_000);
    const { page, errors } = await openLibrary(context);
    await page.route('**/s3/**', () => {}); // parts never arrive
    await page.locator('#file-input').setInputFiles(file.path);
    const row = page.locator('.upload-row[data-file="mistake.mp4"]');
    await row.and(page.locator('[data-video-id]')).waitFor();
    const id = (await row.getAttribute('data-video-id')) as string;
    await card(page, id).waitFor();
    await row.getByRole('button', { name: 'Cancel upload of mistake.mp4' }).click();
    await row.and(page.locator('[data-phase="cancelled"]')).waitFor();
    await card(page, id).waitFor({ state: 'detached' });
    await expect.poll(async () => server.rt.catalog.getVideo(id)).toBeNull();
    expect(await page.evaluate(() => localStorage.getItem('vodkit.unfinishedUploads'))).toBe('[]');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('deletes a video only after confirmation', async () => {
    const { items } = await api('GET', '/api/v1/videos');
    const target = items.find((v: { title: string }) => v.title === 'train ride');
    expect(target).toBeTruthy();
    await expect.poll(async () => (await server.rt.catalog.getVideo(target.id))?.status, { timeout: 60_000 }).toBe('failed');
    const { page, errors } = await watchedPage(context);
    await page.goto(`${server.url}/watch/${target.id}`);
    await page.getByRole('heading', { name: target.title }).waitFor();
    await page.getByRole('button', { name: 'Delete' }).click();
    const dialog = page.getByRole('dialog', { name: `Delete “${target.title}”?` });
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached' });
    expect(await server.rt.catalog.getVideo(target.id)).not.toBeNull();
    await page.getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete video' }).click();
    await page.getByRole('heading', { name: 'Library' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/');
    await card(page, target.id).waitFor({ state: 'detached' });
    expect(await server.rt.catalog.getVideo(target.id)).toBeNull();
    expect(errors).toEqual([]);
    await page.close();
  });

  it('a signed-out visitor plays a shared public video and an unlisted one; a private link says what it is and how to get access', async () => {
    const clip = await makeClip(temp.dir, 'shared.mp4', { seconds: 4, width: 640, height: 360 });
    const client = new ApiClient(server.url, server.token);
    const pub = await client.upload(clip, { title: 'shared with everyone', visibility: 'public' });
    publicVideoId = pub;
    const unlisted = await client.upload(clip, { title: 'shared with the link', visibility: 'unlisted' });
    const hidden = await client.upload(clip, { title: 'kept private', visibility: 'private' });
    for (const id of [pub, unlisted, hidden]) expect((await client.waitSettled(id, 120_000)).status).toBe('ready');

    const anon = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    try {
      const { page, errors, requests } = await watchedPage(anon);
      await page.goto(`${server.url}/watch/${pub}`);
      await page.getByRole('heading', { name: 'shared with everyone' }).waitFor();
      const video = page.locator('video.player');
      await video.waitFor();
      await page.keyboard.press('k');
      await page.waitForFunction(() => (document.querySelector('video.player') as HTMLVideoElement).currentTime > 1.5, null, { timeout: 30_000 });
      const master = requests.find((r) => new URL(r.url).pathname === `/media/${pub}/master.m3u8`);
      expect(master, 'the player loads the master playlist').toBeTruthy();
      expect(new URL(master!.url).searchParams.has('token')).toBe(false);
      // Nothing to manage, nothing to sign out of: a way to sign in instead.
      expect(await page.getByRole('button', { name: 'Delete' }).count()).toBe(0);
      expect(await page.getByLabel('Visibility').count()).toBe(0);
      expect(await page.getByRole('button', { name: 'Sign out' }).count()).toBe(0);
      expect(await page.getByRole('link', { name: 'Sign in' }).getAttribute('href')).toBe(`/sign-in?next=${encodeURIComponent(`/watch/${pub}`)}`);
      expect(playbackErrors(await video.getAttribute('data-hls-errors'))).toEqual([]);
      expect(errors).toEqual([]);
      await page.close();

      // Unlisted: the link is enough, signed in or not.
      const second = await watchedPage(anon);
      await second.page.goto(`${server.url}/watch/${unlisted}`);
      await second.page.getByRole('heading', { name: 'shared with the link' }).waitFor();
      await second.page.keyboard.press('k');
      await second.page.waitForFunction(() => (document.querySelector('video.player') as HTMLVideoElement).currentTime > 1.5, null, { timeout: 30_000 });
      expect(new URL(second.page.url()).pathname).toBe(`/watch/${unlisted}`);
      expect(second.requests.some((r) => new URL(r.url).pathname === `/media/${unlisted}/master.m3u8`), 'the player loads the master playlist').toBe(true);
      expect(playbackErrors(await second.page.locator('video.player').getAttribute('data-hls-errors'))).toEqual([]);
      expect(second.errors).toEqual([]);
      await second.page.close();

      // Private: what it is and how to get access, with a way to sign in that comes back here.
      const third = await watchedPage(anon);
      await third.page.goto(`${server.url}/watch/${hidden}`);
      await third.page.getByRole('heading', { name: 'This video is private' }).waitFor();
      await third.page.getByText('Sign in with an account that may watch it, or ask its owner to share it with you.').waitFor();
      expect(await third.page.getByText('kept private').count()).toBe(0);
      expect(await third.page.locator('video.player').count()).toBe(0);
      await third.page.getByRole('link', { name: 'Sign in to watch' }).click();
      await third.page.waitForURL(`**/sign-in?next=${encodeURIComponent(`/watch/${hidden}`)}`);
      await third.page.getByLabel('Email').fill(EMAIL);
      await third.page.getByLabel('Password').fill(PASSWORD);
      await third.page.getByRole('button', { name: 'Sign in' }).click();
      await third.page.waitForURL(`**/watch/${hidden}`);
      await third.page.getByRole('heading', { name: 'kept private' }).waitFor();
      await third.page.locator('video.player').waitFor();
      // The browser reports the API's 401 for the signed-out visit; nothing else went wrong.
      expect(third.errors.filter((e) => !/status of 401/.test(e))).toEqual([]);
      await third.page.close();
      // The later tests see the library as it was (one more card would fall below the fold).
      expect((await client.request('DELETE', `/api/v1/videos/${hidden}`)).status).toBe(204);
    } finally {
      await anon.close();
    }
  });

  it('tells a viewer watching a video its owner makes unlisted that it is no longer available to them', async () => {
    expect(publicVideoId).toBeTruthy();
    const viewer = await server.createUser('viewer');
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    try {
      const { page, errors } = await watchedPage(ctx);
      await page.goto(`${server.url}/sign-in?next=${encodeURIComponent(`/watch/${publicVideoId}`)}`);
      await page.getByLabel('Email').fill(viewer.email);
      await page.getByLabel('Password').fill(viewer.password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL(`**/watch/${publicVideoId}`);
      await page.getByRole('heading', { name: 'shared with everyone' }).waitFor();
      const patch = (body: object) =>
        fetch(new URL(`/api/v1/videos/${publicVideoId}`, server.url), {
          method: 'PATCH',
          headers: { Authorization: `Bearer ${server.token}`, 'Content-Type': 'application/json' },
          body: JSON.stringify(body),
        });
      // A change the viewer sees live first: the page follows the video's changes from here on.
      expect((await patch({ title: 'shared with everyone, renamed' })).status).toBe(200);
      await page.getByRole('heading', { name: 'shared with everyone, renamed' }).waitFor();

      expect((await patch({ visibility: 'unlisted' })).status).toBe(200);
      // The video still exists: the page must not say it was deleted.
      await page.locator('.toasts').getByText('This video is no longer available to you.').waitFor();
      await page.getByRole('heading', { name: 'Library' }).waitFor();
      expect(new URL(page.url()).pathname).toBe('/');
      expect(await page.locator('.toasts').textContent()).not.toMatch(/deleted/);
      expect(await server.rt.catalog.getVideo(publicVideoId)).not.toBeNull();
      expect(errors).toEqual([]);
      await page.close();
    } finally {
      await ctx.close();
    }
  });

  it('finishes an upload whose answer was lost: the retried PUT is refused, the server has the file', async () => {
    const clip = await makeClip(temp.dir, 'lost-answer.mp4', { seconds: 2, width: 320, height: 240 });
    const { page, errors } = await openLibrary(context);
    let puts = 0;
    let refused = 0;
    page.on('response', (response) => {
      if (response.request().method() === 'PUT' && response.status() === 403) refused++;
    });
    await page.route('**/s3/**', async (route) => {
      if (route.request().method() !== 'PUT' || ++puts > 1) return route.continue();
      // The server stores the file (the interception does not carry a file body: send its bytes),
      // and its answer never reaches the browser.
      const response = await route.fetch({ postData: await readFile(clip) });
      expect(response.ok()).toBe(true);
      await route.abort('connectionreset');
    });
    await page.locator('#file-input').setInputFiles(clip);
    const row = page.locator('.upload-row[data-file="lost-answer.mp4"]');
    const settled = ['done', 'failed', 'paused'].map((phase) => `[data-phase="${phase}"]`).join(', ');
    await row.and(page.locator(settled)).waitFor({ timeout: 60_000 });
    expect(await row.locator('.upload-message').textContent()).toBe('');
    expect(await row.getAttribute('data-phase')).toBe('done');
    expect(puts).toBe(2);
    expect(refused).toBe(1);
    const id = (await row.getAttribute('data-video-id')) as string;
    const client = new ApiClient(server.url, server.token);
    const processed = await client.waitSettled(id, 120_000);
    expect(processed.status, processed.error ?? '').toBe('ready');
    await card(page, id).and(page.locator('[data-status="ready"]')).waitFor({ timeout: 30_000 });
    // Only the browser's own reports of the lost answer and of the refused retry.
    expect(errors.filter((e) => !/ERR_CONNECTION_RESET|status of 403/.test(e))).toEqual([]);
    await page.close();
  });

  it('lays out on a phone and on a wide screen without sideways scrolling', async () => {
    // One more ready video makes the library look like a library.
    {
      const clip = await makeClip(temp.dir, 'colour-bars.mp4', { seconds: 3, width: 640, height: 360 });
      const { page, errors } = await watchedPage(context);
      // A finished upload's row goes away by itself a few seconds later, and the video turns ready
      // later still: the page's clock stands still so that the row waits for the Dismiss click.
      await page.clock.install();
      await page.goto(`${server.url}/`);
      await page.getByRole('heading', { name: 'Library' }).waitFor();
      await page.clock.pauseAt(Date.now() + 1000);
      await page.locator('#file-input').setInputFiles(clip);
      const row = page.locator('.upload-row[data-file="colour-bars.mp4"]');
      await row.and(page.locator('[data-phase="done"]')).waitFor({ timeout: 30_000 });
      const id = (await row.getAttribute('data-video-id')) as string;
      await card(page, id).and(page.locator('[data-status="ready"]')).waitFor({ timeout: 120_000 });
      await row.getByRole('button', { name: 'Dismiss colour-bars.mp4' }).click();
      await row.waitFor({ state: 'detached' });
      await page.screenshot({ path: join(SCREENSHOTS, 'library.png') });
      expect(errors).toEqual([]);
      await page.close();
    }

    const pages = ['/', ...(readyVideoId ? [`/watch/${readyVideoId}`] : [])];
    for (const device of [
      { viewport: { width: 375, height: 740 }, isMobile: true, hasTouch: true, name: 'phone' },
      { viewport: { width: 1400, height: 900 }, isMobile: false, hasTouch: false, name: 'wide' },
    ]) {
      const { viewport, isMobile, hasTouch } = device;
      const ctx = await browser.newContext({ viewport, isMobile, hasTouch, storageState: await context.storageState() });
      for (const path of pages) {
        const { page, errors } = await watchedPage(ctx);
        await page.goto(`${server.url}${path}`);
        await page.locator(path === '/' ? '.card' : 'video.player').first().waitFor();
        // Images the page loads (lazy ones below the fold load only when scrolled to).
        await page.waitForFunction(() => Array.from(document.images).every((img) => img.complete || img.loading === 'lazy'));
        const overflow = await horizontalOverflow(page);
        expect(overflow.scrollWidth, `${path} at ${viewport.width}px: ${overflow.culprits.join(', ')}`).toBeLessThanOrEqual(overflow.clientWidth);
        if (device.name === 'phone' && path === '/') await page.screenshot({ path: join(SCREENSHOTS, 'library-phone.png') });
        // Keyboard users can see where they are.
        await page.keyboard.press('Tab');
        const focused = await page.evaluate(() => {
          const el = document.activeElement as HTMLElement | null;
          return el ? getComputedStyle(el).boxShadow !== 'none' || getComputedStyle(el).outlineStyle !== 'none' : false;
        });
        expect(focused).toBe(true);
        expect(errors).toEqual([]);
        await page.close();
      }
      await ctx.close();
    }
  });
});

/**
 * The errors hls.js reported (the player's data-hls-errors), but for the buffer stalls a busy machine
 * causes: hls.js reports those as non-fatal media errors and plays on once data arrives.
 */
function playbackErrors(attribute: string | null): string[] {
  const stalls = new Set(['mediaError/bufferStalledError', 'mediaError/bufferNudgeOnStall', 'mediaError/bufferSeekOverHole']);
  return (attribute ?? '').split(' ').filter((e) => e !== '' && !stalls.has(e));
}
