import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.ts';
import { launchChromium, watchedPage } from './browser.ts';

/** /api/docs: Swagger UI over /api/openapi.json, under its own Content-Security-Policy. */
describe('API docs page', () => {
  let server: TestServer;
  let browser: Browser;

  beforeAll(async () => {
    server = await startTestServer({ worker: false });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('renders the operations of the API, with no error and nothing refused by its CSP', async () => {
    const context = await browser.newContext();
    try {
      const { page, errors } = await watchedPage(context);
      const violations: string[] = [];
      await page.exposeFunction('reportViolation', (v: string) => violations.push(v));
      await page.addInitScript(() => {
        document.addEventListener('securitypolicyviolation', (e) => {
          (window as unknown as { reportViolation(v: string): void }).reportViolation(`${e.violatedDirective} ${e.blockedURI}`);
        });
      });
      const res = await page.goto(`${server.url}/api/docs`);
      expect(res?.ok()).toBe(true);
      // Its own policy, not the web app's (which would refuse Swagger UI's scripts).
      expect(res!.headers()['content-security-policy']).toMatch(/script-src 'self'/);
      const operation = page.locator('.opblock-get', { hasText: '/api/v1/videos' }).first();
      await operation.waitFor();
      expect(await operation.locator('.opblock-summary-method').textContent()).toBe('GET');
      expect(await operation.locator('.opblock-summary-path').first().textContent()).toMatch(/^\/api\/v1\/videos/);
      await expect.poll(() => page.locator('.info .title').textContent()).toMatch(/vodkit/);
      // Opening an operation shows its responses, from the route's schemas.
      await page.locator('.opblock-post', { hasText: '/api/v1/uploads' }).first().locator('.opblock-summary').first().click();
      await page.locator('.responses-table').first().waitFor();
      expect(errors).toEqual([]);
      expect(violations).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
