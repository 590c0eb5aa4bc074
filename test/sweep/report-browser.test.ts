import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runSweep, type SweepReport } from '../../host/sweep/index.ts';
import { findChromium, openOffline } from '../helpers/browser.ts';
import { REPO } from '../helpers/cli.ts';

/**
 * The sweep's HTML page in a real browser (Debian's chromium driven by playwright-core): a small
 * sweep of MNIST at fan-outs (2, 10), (8, 10), (16, 10), (42, 10) and dense, two epochs each, on the
 * local pool. Every chart renders, the accuracy-against-density line has one point per density
 * labelled with the runs' accuracies, nothing is fetched, no console errors; a screenshot is kept
 * under test-artifacts/. Without chromium the test is skipped with the reason; with CI set, a missing
 * chromium fails.
 */
const exe = findChromium();
const reason = 'chromium not found: install Debian chromium (apt-get install -y chromium) to run the sweep report browser test';
if (!exe && !process.env.CI) console.warn(`SKIPPED sweep report browser test: ${reason}`);

const SWEEP = {
  name: 'mnist-density',
  base: { preset: 'mnist-sparse-38', samples: 400, epochs: 2 },
  list: [{ fanouts: [2, 10] }, { fanouts: [8, 10] }, { fanouts: [16, 10] }, { fanouts: [42, 10] }, { label: 'dense', preset: 'mnist-fc' }],
};

describe.skipIf(!exe && !process.env.CI)('sweep HTML page in headless chromium', () => {
  const artifacts = join(REPO, 'test-artifacts');
  let report: SweepReport;
  let html = '';
  beforeAll(async () => {
    if (!exe) throw new Error(`CI is set and ${reason}`);
    const dir = mkdtempSync(join(tmpdir(), 'seedwire-sweep-html-'));
    writeFileSync(join(dir, 'sweep.json'), JSON.stringify(SWEEP));
    report = await runSweep({ file: join(dir, 'sweep.json'), workers: 2, out: join(dir, 'out') });
    expect(report.failures).toEqual([]);
    html = join(dir, 'out', 'report.html');
    mkdirSync(artifacts, { recursive: true });
    writeFileSync(join(artifacts, 'sweep-report.html'), readFileSync(html));
    // the CSV and one JSON per run sit beside the page
    expect(readFileSync(join(dir, 'out', 'results.csv'), 'utf8').trim().split('\n')).toHaveLength(6);
    for (const r of report.runs) expect(JSON.parse(readFileSync(join(dir, 'out', 'runs', `${r.key}.json`), 'utf8')).weightsSha256).toBe(r.weightsSha256);
  }, 300_000);

  it('renders the density, per-epoch and speed charts offline, with the runs accuracies on the density line', async () => {
    expect(report.runs.map((r) => r.fanouts)).toEqual([[2, 10], [8, 10], [16, 10], [42, 10], [112, 10]]);
    const { page, errors, requests, close } = await openOffline(exe!, html);
    try {
      const charts = await page.$$eval('svg.chart', (els) =>
        els.map((e) => {
          const r = e.getBoundingClientRect();
          return { w: r.width, h: r.height, circles: e.querySelectorAll('circle').length, rects: e.querySelectorAll('rect').length, labels: [...e.querySelectorAll('text')].map((t) => t.textContent ?? '') };
        }),
      );
      expect(charts).toHaveLength(3);
      for (const c of charts) {
        expect(c.w).toBeGreaterThan(100);
        expect(c.h).toBeGreaterThan(50);
      }
      // one line (backprop, fan-outs (x, 10)) through five densities, each point labelled with its accuracy
      const [density, perEpoch, speed] = charts;
      expect(density.circles).toBe(5);
      expect(density.labels).toContain('backprop, fan-outs (x, 10)');
      for (const r of report.runs) expect(density.labels).toContain(r.testAccuracy.toFixed(3));
      expect(perEpoch.circles).toBe(10); // 5 runs x 2 epochs
      expect(speed.rects).toBeGreaterThanOrEqual(5);
      await page.screenshot({ path: join(artifacts, 'sweep-report.png'), fullPage: true });
      expect(errors).toEqual([]);
      expect(requests).toEqual([]);
    } finally {
      await close();
    }
  });
});
