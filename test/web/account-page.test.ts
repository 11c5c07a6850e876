import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../support/api-client.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { ensureWebBuild, horizontalOverflow, launchChromium, watchedPage } from './browser.ts';

/** The /account page: API tokens (create, copy once, revoke) and, for admins, users. */
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

  const signIn = (email: string, password: string) =>
    fetch(`${server.url}/api/v1/session`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ email, password }) });

  async function signedIn(user: { email: string; password: string }, options: Parameters<Browser['newContext']>[0] = {}): Promise<BrowserContext> {
    const context = await browser.newContext(options);
    const res = await context.request.post(`${server.url}/api/v1/session`, { data: { email: user.email, password: user.password } });
    expect(res.status()).toBe(200);
    return context;
  }

  /** Answers the confirmation dialog that opens with `confirm`. */
  async function confirmWith(page: Page, confirm: string): Promise<void> {
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('button', { name: confirm, exact: true }).click();
    await dialog.waitFor({ state: 'detached' });
  }

  it('an admin creates a user, changes their role, resets the password, disables and deletes; refusals are the API sentence', async () => {
    const boss = await server.createUser('admin');
    const ann = await server.createUser('uploader');
    const context = await signedIn(boss);
    try {
      const { page, errors } = await watchedPage(context);
      await page.goto(`${server.url}/`);
      await page.getByRole('link', { name: 'Account' }).click();
      await page.getByRole('heading', { name: 'Users' }).waitFor();

      // Created without a password: a temporary one is shown once, and it signs in.
      const email = 'new.person@example.test';
      await page.getByLabel('E-mail', { exact: true }).fill(email);
      await page.getByLabel('Role', { exact: true }).selectOption('viewer');
      await page.getByRole('button', { name: 'Create user' }).click();
      const row = page.locator('tr', { hasText: email });
      await row.waitFor();
      const created = page.locator('.shown-once', { hasText: `Temporary password for ${email}` });
      const firstPassword = (await created.locator('code').textContent())?.trim() ?? '';
      expect(firstPassword.length).toBeGreaterThanOrEqual(16);
      expect((await signIn(email, firstPassword)).status).toBe(200);
      const user = (await server.rt.catalog.getUserByEmail(email))!;
      expect(user.role).toBe('viewer');
      await created.getByRole('button', { name: 'Done' }).click();
      await created.waitFor({ state: 'detached' });

      // The same e-mail again: the API's sentence.
      await page.getByLabel('E-mail', { exact: true }).fill(email);
      await page.getByRole('button', { name: 'Create user' }).click();
      await page.getByRole('alert').filter({ hasText: `There is already an account for ${email}.` }).waitFor();

      await row.getByLabel(`Role of ${email}`).selectOption('uploader');
      await expect.poll(async () => (await server.rt.catalog.getUser(user.id))?.role, { timeout: 20_000 }).toBe('uploader');

      // The only admin cannot step down: the guard's sentence is shown and the role stays.
      await page.locator(`tr[data-user-id="${boss.id}"]`).getByLabel(`Role of ${boss.email}`).selectOption('viewer');
      await page.getByRole('alert').filter({ hasText: 'This is the last enabled admin: make another user admin first.' }).waitFor();
      expect((await server.rt.catalog.getUser(boss.id))?.role).toBe('admin');
      await expect.poll(() => page.locator(`tr[data-user-id="${boss.id}"]`).getByLabel(`Role of ${boss.email}`).inputValue(), { timeout: 20_000 }).toBe('admin');

      // Reset after a confirmation: the new temporary password signs in, the first no longer does.
      await row.getByRole('button', { name: `Reset the password of ${email}` }).click();
      await confirmWith(page, 'Reset password');
      const reset = page.locator('.shown-once', { hasText: `Temporary password for ${email}` });
      const secondPassword = (await reset.locator('code').textContent())?.trim() ?? '';
      expect(secondPassword).not.toBe(firstPassword);
      expect((await signIn(email, secondPassword)).status).toBe(200);
      expect((await signIn(email, firstPassword)).status).toBe(401);

      await row.getByRole('button', { name: `Disable ${email}` }).click();
      await row.getByText('Disabled').waitFor();
      expect((await signIn(email, secondPassword)).status).toBe(401);
      await row.getByRole('button', { name: `Enable ${email}` }).click();
      await row.getByText('Enabled').waitFor();
      expect((await signIn(email, secondPassword)).status).toBe(200);

      // Delete (after a confirmation): disabled, and the API token listed with its owner is revoked.
      const annToken = page.locator('tr', { hasText: ann.email }).filter({ has: page.getByRole('button', { name: 'Revoke token test' }) });
      await annToken.waitFor();
      await page.locator(`tr[data-user-id="${ann.id}"]`).getByRole('button', { name: `Delete ${ann.email}` }).click();
      await confirmWith(page, 'Delete user');
      await annToken.waitFor({ state: 'detached' });
      await page.locator(`tr[data-user-id="${ann.id}"]`).getByText('Disabled').waitFor();
      expect((await new ApiClient(server.url, ann.token).request('GET', '/api/v1/videos')).status).toBe(401);
      expect((await signIn(ann.email, ann.password)).status).toBe(401);
      expect(errors.filter((e) => !/status of 409/.test(e))).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('a user creates an API token (shown once, copied) that works against the API until revoked; no Users section', async () => {
    const bea = await server.createUser('uploader');
    const context = await signedIn(bea);
    try {
      await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
      const { page, errors } = await watchedPage(context);
      await page.goto(`${server.url}/account`);
      await page.getByRole('heading', { name: 'API tokens' }).waitFor();
      expect(await page.getByRole('heading', { name: 'Users' }).count()).toBe(0);

      await page.getByLabel('Token name').fill('backup script');
      await page.keyboard.press('Enter');
      const shown = page.locator('.shown-once', { hasText: 'API token "backup script"' });
      const secret = (await shown.locator('code').textContent())?.trim() ?? '';
      expect(secret).toMatch(/^vk_/);
      await shown.getByRole('button', { name: 'Copy API token "backup script"' }).click();
      await page.getByText('Copied.').waitFor();
      expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(secret);

      const api = new ApiClient(server.url, secret);
      const me = await api.request('GET', '/api/v1/me');
      expect(me.status).toBe(200);
      expect(me.json.user.email).toBe(bea.email);
      const row = page.locator('tr', { hasText: 'backup script' });
      await row.getByText('never').waitFor();
      // Used once: after a reload the token is no longer "never" used (the secret is gone from the page).
      const usedAfterReload = async () => {
        await page.reload();
        await page.locator('tr', { hasText: 'backup script' }).waitFor();
        return page.locator('tr', { hasText: 'backup script' }).getByText('never').count();
      };
      await expect.poll(usedAfterReload, { timeout: 30_000, interval: 500 }).toBe(0);
      expect(await page.getByText(secret).count()).toBe(0);

      await page.getByRole('button', { name: 'Revoke token backup script' }).click();
      await confirmWith(page, 'Revoke token');
      await page.locator('tr', { hasText: 'backup script' }).waitFor({ state: 'detached' });
      expect((await api.request('GET', '/api/v1/videos')).status).toBe(401);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('on a phone, every control of the account page fits the screen', async () => {
    const admin = await server.createUser('admin', 'someone.with.a.rather.long.address@example.test');
    const context = await signedIn(admin, { viewport: { width: 375, height: 740 }, isMobile: true, hasTouch: true });
    try {
      const { page, errors } = await watchedPage(context);
      await page.goto(`${server.url}/account`);
      await page.getByRole('heading', { name: 'Users' }).waitFor();
      await page.locator(`tr[data-user-id="${admin.id}"]`).waitFor();
      await page.getByLabel('Token name').fill('phone');
      await page.getByRole('button', { name: 'Create token' }).click();
      await page.locator('.shown-once code').waitFor();
      // The controls, and every cell (the long address in the owner and e-mail columns).
      const controls = page.locator('main button, main select, main input, main .shown-once code, main td');
      const count = await controls.count();
      expect(count).toBeGreaterThan(10);
      for (let i = 0; i < count; i++) {
        const box = await controls.nth(i).boundingBox();
        if (!box) continue;
        const what = await controls.nth(i).evaluate((el) => el.getAttribute('aria-label') || el.id || el.textContent);
        expect(box.x, `${what} starts on the screen`).toBeGreaterThanOrEqual(0);
        expect(box.x + box.width, `${what} ends on the screen`).toBeLessThanOrEqual(375);
      }
      // Nothing is cut off inside the lists either: they never scroll sideways.
      for (const list of await page.locator('main .account-list').all()) {
        expect(await list.evaluate((el) => el.scrollWidth - el.clientWidth)).toBeLessThanOrEqual(0);
      }
      const overflow = await horizontalOverflow(page);
      expect(overflow.scrollWidth, overflow.culprits.join(', ')).toBeLessThanOrEqual(overflow.clientWidth);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
