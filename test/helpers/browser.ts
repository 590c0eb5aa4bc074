import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';

/** Debian's chromium, where it is installed (the browser tests skip without it, and fail with CI set). */
export function findChromium(): string | undefined {
  for (const p of ['/usr/bin/chromium', '/usr/bin/chromium-browser']) if (existsSync(p)) return p;
  try {
    return execFileSync('which', ['chromium'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** A page opened from a local file in headless chromium, with what it logged as an error and fetched. */
export interface OfflinePage {
  page: Page;
  /** console errors and uncaught page errors */
  errors: string[];
  /** every request that was not for a file: URL (a self-contained page makes none) */
  requests: string[];
  close(): Promise<void>;
}

/**
 * Open `file` in headless chromium (playwright-core) with the flags this closed network needs: no
 * background networking, component updates or sync, which would try hosts that cannot be reached.
 */
export async function openOffline(executablePath: string, file: string): Promise<OfflinePage> {
  const browser: Browser = await chromium.launch({
    executablePath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1000, height: 900 } });
    const errors: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('request', (r) => {
      if (!r.url().startsWith('file:')) requests.push(r.url());
    });
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
    return { page, errors, requests, close: () => browser.close() };
  } catch (e) {
    await browser.close();
    throw e;
  }
}
