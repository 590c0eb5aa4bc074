import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { killAfterFirstCheckpoint, lastJson, runCli } from '../helpers/cli.ts';

/**
 * ESSOP runs resume bit-exactly: the update's random numbers come from the rounding LFSR, whose state
 * the checkpoint carries as roundingState (firmware-spec/essop.ts, step 3).
 */
const tmp = mkdtempSync(join(tmpdir(), 'seedwire-resume-essop-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const args = ['train', '--preset', 'mnist-essop-38', '--epochs', '2', '--samples', '1500', '--device', 'emu', '--json'];

describe('ESSOP checkpoint and resume', () => {
  it('a run killed with SIGKILL after a mid-epoch checkpoint and resumed ends with the same weights', async () => {
    const full = runCli(args);
    expect(full.code, full.stderr).toBe(0);
    const f = lastJson(full.stdout) as { weightsSha256: string; testAccuracy: number; resolved: { network: { update: { mode: string }; roundingSeed: number } } };
    expect(f.resolved.network.update.mode).toBe('essop');

    const ck = join(tmp, 'ck');
    const outcome = await killAfterFirstCheckpoint([...args, '--checkpoint', ck, '--checkpoint-every', '640'], ck);
    expect(outcome).toBe('killed');
    const saved = JSON.parse(readFileSync(join(ck, 'checkpoint.json'), 'utf8'));
    // the update LFSR has moved from its seed: ESSOP drew from it
    expect(saved.roundingState).not.toBe(f.resolved.network.roundingSeed);

    const resumed = runCli([...args, '--checkpoint', ck, '--resume']);
    expect(resumed.code, resumed.stderr).toBe(0);
    const r = lastJson(resumed.stdout);
    expect(r.resumed).toBe(true);
    expect(r.weightsSha256).toBe(f.weightsSha256);
    expect(r.testAccuracy).toBe(f.testAccuracy);
  }, 240_000);
});
