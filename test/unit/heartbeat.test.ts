import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { REPO } from '../helpers/cli.ts';

describe('heartbeat for long silent steps', () => {
  it('keeps beating with the step and its elapsed time while the main thread is blocked', () => {
    // the WebAssembly tools block the main thread for minutes; the beat must not depend on it
    const script = `
      const { startHeartbeat } = await import('./host/cli/heartbeat.ts');
      const b = startHeartbeat(100);
      b.step('nextpnr-ice40');
      await new Promise((r) => setTimeout(r, 50));
      const t = Date.now(); while (Date.now() - t < 700) {}
      await b.stop();`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: REPO, encoding: 'utf8', timeout: 30_000 });
    expect(r.status, r.stderr).toBe(0);
    const beats = r.stderr.split('\n').filter((l) => /nextpnr-ice40: still running, \d+ s elapsed/.test(l));
    expect(beats.length).toBeGreaterThanOrEqual(4);
  });
});
