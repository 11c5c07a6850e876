import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const WEB_SRC = join(REPO, 'src/web');
const WEB_INDEX = join(REPO, 'web-dist/index.html');

/** Newest modification time under a folder (or of a file). */
function newestMtime(path: string): number {
  const info = statSync(path);
  if (!info.isDirectory()) return info.mtimeMs;
  return readdirSync(path).reduce((newest, name) => Math.max(newest, newestMtime(join(path, name))), info.mtimeMs);
}

/** Builds web-dist/ with Vite when it is missing or older than src/web or vite.config.ts. */
export async function ensureWebBuild(): Promise<void> {
  const sources = Math.max(newestMtime(WEB_SRC), newestMtime(join(REPO, 'vite.config.ts')));
  if (existsSync(WEB_INDEX) && statSync(WEB_INDEX).mtimeMs >= sources) return;
  const { build } = await import('vite');
  await build({ configFile: join(REPO, 'vite.config.ts'), logLevel: 'warn' });
}

export const CHROMIUM_PATH = process.env.VODKIT_CHROMIUM ?? '/usr/bin/chromium';

export function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`Chromium is needed for the web tests and was not found at ${CHROMIUM_PATH} (install it or set VODKIT_CHROMIUM)`);
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

/** A page that records console errors, uncaught exceptions and failed requests. */
export interface WatchedPage {
  page: Page;
  errors: string[];
  requests: Array<{ method: string; url: string }>;
}

export async function watchedPage(context: BrowserContext): Promise<WatchedPage> {
  const page = await context.newPage();
  const errors: string[] = [];
  const requests: Array<{ method: string; url: string }> = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(`console: ${msg.text()}`);
  });
  page.on('pageerror', (err) => errors.push(`page error: ${err.message}`));
  page.on('request', (req) => requests.push({ method: req.method(), url: req.url() }));
  return { page, errors, requests };
}

/** True when the page is wider than its window (something sticks out sideways). */
export function horizontalOverflow(page: Page): Promise<{ scrollWidth: number; clientWidth: number; culprits: string[] }> {
  return page.evaluate(() => {
    const root = document.documentElement;
    const culprits: string[] = [];
    for (const el of Array.from(document.querySelectorAll('body *'))) {
      const r = el.getBoundingClientRect();
      if (r.width > 0 && (r.right > root.clientWidth + 1 || r.left < -1) && !el.closest('.visually-hidden')) {
        culprits.push(`${el.tagName.toLowerCase()}.${(el.getAttribute('class') ?? '').replace(/\s+/g, '.')} right=${Math.round(r.right)}`);
      }
    }
    return { scrollWidth: root.scrollWidth, clientWidth: root.clientWidth, culprits: culprits.slice(0, 10) };
  });
}
