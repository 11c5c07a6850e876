import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../support/api-client.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { ensureWebBuild, horizontalOverflow, launchChromium, watchedPage } from './browser.ts';

/** The /account page: API tokens (revoke) and, for an admin, users (disable, reset password). */
describe('account page', () => {
  let server: TestServer;
  let browser: Browser;

  beforeAll(async () => {
    await ensureWebBuild();
    server = await startTestServer({ worker: false, flags: { loginRateLimit: 1000 } });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('an admin revokes a token, disables a user and resets a password; the API agrees', async () => {
    const boss = await server.createUser('admin');
    const ann = await server.createUser('uploader');
    const context = await browser.newContext();
    try {
      const signedIn = await context.request.post(`${server.url}/api/v1/session`, { data: { email: boss.email, password: boss.password } });
      expect(signedIn.status()).toBe(200);
      const { page, errors } = await watchedPage(context);
      page.on('dialog', (d) => void d.accept());
      await page.goto(`${server.url}/`);
      await page.getByRole('link', { name: 'Account' }).click();
      await page.getByRole('heading', { name: 'Users' }).waitFor();

      const annToken = page.locator('tr', { hasText: ann.email }).filter({ has: page.getByRole('button', { name: 'Revoke token test' }) });
      await annToken.getByRole('button', { name: 'Revoke token test' }).click();
      await annToken.waitFor({ state: 'detached' });
      expect((await new ApiClient(server.url, ann.token).request('GET', '/api/v1/videos')).status).toBe(401);

      const annRow = page.locator(`tr[data-user-id="${ann.id}"]`);
      await annRow.getByRole('button', { name: `Disable ${ann.email}` }).click();
      await annRow.getByText('Disabled').waitFor();
      expect((await server.rt.catalog.getUser(ann.id))?.disabled).toBe(true);

      await annRow.getByRole('button', { name: `Reset the password of ${ann.email}` }).click();
      const temporary = (await annRow.locator('.temporary-password code').textContent())?.trim() ?? '';
      expect(temporary.length).toBeGreaterThanOrEqual(16);
      await annRow.getByRole('button', { name: `Enable ${ann.email}` }).click();
      await annRow.getByText('Enabled').waitFor();
      const signIn = await fetch(`${server.url}/api/v1/session`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ email: ann.email, password: temporary }) });
      expect(signIn.status).toBe(200);

      // On a phone, the header with its Account link and the tables fit without sideways scrolling.
      await page.setViewportSize({ width: 375, height: 740 });
      for (const path of ['/', '/account']) {
        await page.goto(`${server.url}${path}`);
        await page.getByRole('link', { name: 'Account' }).waitFor();
        if (path === '/account') await page.getByRole('heading', { name: 'Users' }).waitFor();
        const overflow = await horizontalOverflow(page);
        expect(overflow.scrollWidth, `${path}: ${overflow.culprits.join(', ')}`).toBeLessThanOrEqual(overflow.clientWidth);
      }
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
