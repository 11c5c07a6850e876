import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../src/core/ids.ts';
import type { Video } from '../../src/core/model/video.ts';
import { makeVideo } from '../conformance/catalog-fixtures.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { ensureWebBuild, horizontalOverflow, launchChromium, watchedPage } from './browser.ts';

/** The library page: search box, filters and orders in the URL, selection with bulk actions, uploads that never arrived. */
describe('library page', () => {
  let server: TestServer;
  let browser: Browser;
  let context: BrowserContext;
  let owner: { id: string; email: string; password: string };
  let otherId: string;

  beforeAll(async () => {
    await ensureWebBuild();
    server = await startTestServer({ worker: false, flags: { loginRateLimit: 1000 } });
    browser = await launchChromium();
    owner = await server.createUser('uploader');
    otherId = (await server.createUser('uploader')).id;
    context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    const res = await context.request.post(`${server.url}/api/v1/session`, { data: { email: owner.email, password: owner.password } });
    expect(res.status()).toBe(200);
  });
  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await server?.stop();
  });

  /** Stores a video directly (no upload), `minutes` after a fixed time. */
  const store = (minutes: number, over: Partial<Video>) =>
    server.rt.catalog.createVideo(
      makeVideo({ id: `w${String(minutes).padStart(3, '0')}${newId(8)}`, ownerId: owner.id, status: 'ready', createdAt: new Date(Date.UTC(2026, 0, 1, 0, minutes)).toISOString(), ...over }),
    );

  /** The titles of the cards, in the grid's order. */
  const titles = (page: Page) => page.locator('.card .card-title a').allTextContents();

  it('searches as one types, filters by status, sorts, and keeps it all in the URL', async () => {
    await store(1, { title: 'Été à Paris', durationSec: 30 });
    await store(2, { title: 'Summer in Paris', durationSec: 5, visibility: 'public' });
    await store(3, { title: 'Broken clip', status: 'failed', error: 'The file is not a video.' });
    await store(4, { title: 'Paris by night', durationSec: null, status: 'processing', progress: 0.5 });
    await store(5, { title: 'Someone else’s Paris', ownerId: otherId, visibility: 'private' });
    const { page, errors } = await watchedPage(context);
    await page.goto(`${server.url}/`);
    await page.getByRole('heading', { name: 'Library' }).waitFor();
    await expect.poll(() => titles(page)).toEqual(['Paris by night', 'Broken clip', 'Summer in Paris', 'Été à Paris']);

    const search = page.getByRole('searchbox', { name: 'Search videos by title' });
    await search.pressSequentially('ete par', { delay: 20 });
    await expect.poll(() => titles(page)).toEqual(['Été à Paris']);
    await expect.poll(() => new URL(page.url()).search).toBe('?q=ete+par');

    await search.fill('paris');
    await page.getByLabel('Sort videos').selectOption('duration');
    await expect.poll(() => titles(page)).toEqual(['Summer in Paris', 'Été à Paris', 'Paris by night']);
    await page.getByLabel('Filter by status').selectOption('ready');
    await expect.poll(() => titles(page)).toEqual(['Summer in Paris', 'Été à Paris']);
    await expect.poll(() => new URL(page.url()).search).toBe('?q=paris&status=ready&sort=duration');

    // The URL is the state: a reload (or a shared link) shows the same list and controls.
    await page.reload();
    await expect.poll(() => titles(page)).toEqual(['Summer in Paris', 'Été à Paris']);
    expect(await search.inputValue()).toBe('paris');
    expect(await page.getByLabel('Filter by status').inputValue()).toBe('ready');
    expect(await page.getByLabel('Sort videos').inputValue()).toBe('duration');

    await page.getByLabel('Sort videos').selectOption('title');
    await page.getByLabel('Filter by status').selectOption('');
    await expect.poll(() => titles(page)).toEqual(['Été à Paris', 'Paris by night', 'Summer in Paris']);
    await search.fill('nothing like this');
    await page.getByRole('heading', { name: 'No videos match' }).waitFor();
    expect(errors).toEqual([]);
    await page.close();
  });

  it('deletes the selected videos after a confirmation, and changes their visibility', async () => {
    const keep = await store(10, { title: 'Bulk keep' });
    const gone = [await store(11, { title: 'Bulk one' }), await store(12, { title: 'Bulk two' })];
    const { page, errors } = await watchedPage(context);
    await page.goto(`${server.url}/?q=bulk`);
    await expect.poll(() => titles(page)).toEqual(['Bulk two', 'Bulk one', 'Bulk keep']);
    const bar = page.getByRole('region', { name: 'Selected videos' });
    expect(await bar.isVisible()).toBe(false);

    await page.getByRole('checkbox', { name: 'Select Bulk keep' }).check();
    await bar.getByLabel('Change the visibility of the selected videos').selectOption('unlisted');
    await expect.poll(async () => (await server.rt.catalog.getVideo(keep.id))?.visibility).toBe('unlisted');
    await page.locator('.card', { hasText: 'Bulk keep' }).getByText('Unlisted', { exact: false }).waitFor();

    for (const v of gone) await page.getByRole('checkbox', { name: `Select ${v.title}` }).check();
    await bar.getByText('2 videos selected').waitFor();
    await bar.getByRole('button', { name: 'Delete' }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete 2 videos?' });
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached' });
    expect(await server.rt.catalog.getVideo(gone[0]!.id)).not.toBeNull();

    await bar.getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete 2 videos' }).click();
    await expect.poll(() => titles(page)).toEqual(['Bulk keep']);
    for (const v of gone) expect(await server.rt.catalog.getVideo(v.id)).toBeNull();
    expect(await server.rt.catalog.getVideo(keep.id)).not.toBeNull();
    await bar.waitFor({ state: 'hidden' });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('shows an upload that never arrived as waiting, with its age, and deletes it', async () => {
    const waiting = await server.rt.catalog.createVideo(
      makeVideo({ id: newId(), title: 'Never sent', ownerId: owner.id, status: 'uploading', createdAt: new Date(Date.now() - 90 * 60_000).toISOString() }),
    );
    const { page, errors } = await watchedPage(context);
    await page.goto(`${server.url}/?status=waiting`);
    const card = page.locator(`.card[data-video-id="${waiting.id}"]`);
    // (Younger than the limit after which maintenance removes abandoned uploads.)
    await card.getByText('Waiting for upload · 1 h').waitFor();
    expect(await titles(page)).toEqual(['Never sent']);
    await card.getByRole('button', { name: 'Delete Never sent' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete video' }).click();
    await card.waitFor({ state: 'detached' });
    expect(await server.rt.catalog.getVideo(waiting.id)).toBeNull();
    expect(errors).toEqual([]);
    await page.close();
  });

  it('fits a phone without sideways scrolling, toolbar and bulk bar included', async () => {
    const phone = await browser.newContext({ viewport: { width: 375, height: 740 }, isMobile: true, hasTouch: true, storageState: await context.storageState() });
    try {
      const { page, errors } = await watchedPage(phone);
      await page.goto(`${server.url}/`);
      await page.locator('.card').first().waitFor();
      await page.locator('.card-check').first().check();
      await page.getByRole('region', { name: 'Selected videos' }).waitFor();
      const overflow = await horizontalOverflow(page);
      expect(overflow.scrollWidth, overflow.culprits.join(', ')).toBeLessThanOrEqual(overflow.clientWidth);
      expect(errors).toEqual([]);
    } finally {
      await phone.close();
    }
  });
});
