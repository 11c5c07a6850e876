import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../support/api-client.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { makeTempDir } from '../support/temp-dir.ts';
import { ensureWebBuild, horizontalOverflow, launchChromium, watchedPage } from './browser.ts';
import { makeClip } from './media.ts';

/** The watch page's Share control: who may watch a private video, or the link of an unlisted one. */
describe('share control', () => {
  let server: TestServer;
  let browser: Browser;
  let temp: Awaited<ReturnType<typeof makeTempDir>>;

  beforeAll(async () => {
    await ensureWebBuild();
    temp = await makeTempDir('vodkit-share-');
    server = await startTestServer({ flags: { loginRateLimit: 1000 } });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await temp?.cleanup();
  });

  async function signedIn(user: { email: string; password: string }, options: Parameters<Browser['newContext']>[0] = {}): Promise<BrowserContext> {
    const context = await browser.newContext(options);
    const res = await context.request.post(`${server.url}/api/v1/session`, { data: { email: user.email, password: user.password } });
    expect(res.status()).toBe(200);
    return context;
  }

  it('an owner shares a private video by e-mail, the other user watches it, then it is unshared; unlisted shows the link', async () => {
    const owner = await server.createUser('uploader');
    const ann = await server.createUser('viewer');
    const ownerApi = new ApiClient(server.url, owner.token);
    const clip = await makeClip(temp.dir, 'shared.mp4', { seconds: 4, width: 320, height: 180 });
    const id = await ownerApi.upload(clip, { title: 'Team meeting', visibility: 'private' });
    expect((await ownerApi.waitSettled(id, 120_000)).status).toBe('ready');

    const ownerContext = await signedIn(owner, { viewport: { width: 1280, height: 860 } });
    const annContext = await signedIn(ann, { viewport: { width: 1280, height: 860 } });
    try {
      await ownerContext.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
      const { page, errors } = await watchedPage(ownerContext);
      await page.goto(`${server.url}/watch/${id}`);
      const share = page.getByRole('region', { name: 'Share' });
      await share.getByText('Not shared with anyone.').waitFor();
      const email = share.getByLabel('E-mail of the person to share with');

      // An address without an account: the API's sentence, and nothing is saved.
      await email.fill('nobody@example.test');
      await email.press('Enter');
      await share.getByRole('alert').filter({ hasText: 'No account has the e-mail "nobody@example.test": the video can be shared only with people who have an account.' }).waitFor();
      expect((await server.rt.catalog.getVideo(id))?.shares ?? null).toBeNull();

      // With the keyboard: type the address, Enter.
      await email.fill(ann.email);
      await email.press('Enter');
      const chips = share.getByRole('list', { name: 'Shared with' });
      await chips.getByRole('listitem').filter({ hasText: ann.email }).waitFor();
      expect(await share.getByRole('alert').isHidden()).toBe(true);
      await expect.poll(async () => (await server.rt.catalog.getVideo(id))?.shares, { timeout: 20_000 }).toEqual([ann.id]);

      // Ann, in her own browser, watches it; she does not manage it, so no Share control.
      const viewer = await watchedPage(annContext);
      await viewer.page.goto(`${server.url}/watch/${id}`);
      await viewer.page.getByRole('heading', { name: 'Team meeting' }).waitFor();
      await viewer.page.locator('video.player').waitFor();
      await viewer.page.keyboard.press('k');
      await viewer.page.waitForFunction(() => (document.querySelector('video.player') as HTMLVideoElement).currentTime > 1, null, { timeout: 30_000 });
      expect(await viewer.page.getByRole('region', { name: 'Share' }).count()).toBe(0);
      expect(viewer.errors).toEqual([]);

      // Unshared (the chip's remove button, from the keyboard): Ann can no longer open it.
      await chips.getByRole('button', { name: `Stop sharing with ${ann.email}` }).focus();
      await page.keyboard.press('Enter');
      await share.getByText('Not shared with anyone.').waitFor();
      await expect.poll(async () => (await server.rt.catalog.getVideo(id))?.shares ?? null, { timeout: 20_000 }).toBeNull();
      expect((await new ApiClient(server.url, ann.token).request('GET', `/api/v1/videos/${id}`)).status).toBe(404);
      // Her open page, told the video left her list, goes to the library; opened again, it is not there for her.
      await viewer.page.waitForURL(`${server.url}/`);
      await viewer.page.goto(`${server.url}/watch/${id}`);
      await viewer.page.getByRole('heading', { name: 'This video does not exist' }).waitFor();

      // Unlisted: anyone with the link, and a button that copies it.
      await page.getByLabel('Visibility').selectOption('unlisted');
      await share.getByText('Unlisted: anyone with the link can watch it, signed in or not.').waitFor();
      expect(await email.isVisible()).toBe(false);
      await share.getByRole('button', { name: 'Copy the link' }).click();
      await page.getByText('Copied. Anyone with this link can watch the video.').waitFor();
      expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(`${server.url}/watch/${id}`);
      expect(errors.filter((e) => !/status of 400/.test(e))).toEqual([]);
    } finally {
      await ownerContext.close();
      await annContext.close();
    }
  });

  it('on a phone, the chips, the field and its button fit the screen', async () => {
    const owner = await server.createUser('uploader');
    const people = await Promise.all(['a', 'b'].map((n) => server.createUser('viewer', `${n}.person.with.quite.a.long.address@example.test`)));
    const ownerApi = new ApiClient(server.url, owner.token);
    const clip = await makeClip(temp.dir, 'phone.mp4', { seconds: 2, width: 320, height: 180 });
    const id = await ownerApi.upload(clip, { title: 'On a phone', visibility: 'private' });
    expect((await ownerApi.request('PATCH', `/api/v1/videos/${id}`, { shares: people.map((p) => p.email) })).status).toBe(200);

    const context = await signedIn(owner, { viewport: { width: 375, height: 740 }, isMobile: true, hasTouch: true });
    try {
      const { page, errors } = await watchedPage(context);
      await page.goto(`${server.url}/watch/${id}`);
      const share = page.getByRole('region', { name: 'Share' });
      await share.getByRole('listitem').filter({ hasText: people[1].email }).waitFor();
      const parts = share.locator('li:visible, button:visible, input:visible');
      expect(await parts.count()).toBe(2 + 2 + 2);
      for (const part of await parts.all()) {
        const box = (await part.boundingBox())!;
        const what = await part.evaluate((el) => el.getAttribute('aria-label') || el.textContent || el.tagName);
        expect(box.x, `${what} starts on the screen`).toBeGreaterThanOrEqual(0);
        expect(box.x + box.width, `${what} ends on the screen`).toBeLessThanOrEqual(375);
        // Big enough to touch.
        if (await part.evaluate((el) => el.matches('button, input'))) expect(box.height, `${what} height`).toBeGreaterThanOrEqual(28);
      }
      const overflow = await horizontalOverflow(page);
      expect(overflow.scrollWidth, overflow.culprits.join(', ')).toBeLessThanOrEqual(overflow.clientWidth);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
