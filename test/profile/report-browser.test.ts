import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildReportHtml } from '../../host/profile/report-html.ts';
import { runProfile } from '../../host/profile/session.ts';
import { findChromium, openOffline } from '../helpers/browser.ts';
import { REPO } from '../helpers/cli.ts';

/**
 * The HTML report in a real browser (Debian's chromium driven by playwright-core): every chart renders
 * with a nonzero size, the console shows no error, nothing is fetched from the network, and a
 * screenshot is kept under test-artifacts/. Without chromium the test is skipped with the reason;
 * with CI set, a missing chromium fails.
 */
const exe = findChromium();
const reason = 'chromium not found: install Debian chromium (apt-get install -y chromium) to run the report browser test';
if (!exe && !process.env.CI) console.warn(`SKIPPED report browser test: ${reason}`);

describe.skipIf(!exe && !process.env.CI)('profile HTML report in headless chromium', () => {
  const artifacts = join(REPO, 'test-artifacts');
  let file = '';
  beforeAll(async () => {
    if (!exe) throw new Error(`CI is set and ${reason}`);
    const run = await runProfile({ preset: 'mnist-sparse-38', samples: 200, device: 'emu' });
    mkdirSync(artifacts, { recursive: true });
    file = join(artifacts, 'profile-report.html');
    writeFileSync(file, buildReportHtml(run));
  });

  it('renders every chart, logs no error and fetches nothing', async () => {
    const { page, errors, requests, close } = await openOffline(exe!, file);
    try {
      const charts = await page.$$eval('svg.chart', (els) =>
        els.map((e) => {
          const r = e.getBoundingClientRect();
          return { w: r.width, h: r.height, shapes: e.querySelectorAll('rect, path, circle').length };
        }),
      );
      expect(charts.length).toBeGreaterThanOrEqual(8);
      for (const c of charts) {
        expect(c.w).toBeGreaterThan(100);
        expect(c.h).toBeGreaterThan(50);
        expect(c.shapes).toBeGreaterThan(0);
      }
      await page.screenshot({ path: join(artifacts, 'profile-report.png'), fullPage: true });
      expect(errors).toEqual([]);
      expect(requests).toEqual([]);
    } finally {
      await close();
    }
  });
});
