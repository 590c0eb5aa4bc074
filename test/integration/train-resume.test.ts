import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { seal } from '../../host/model/untrusted.ts';
import { killAfterFirstCheckpoint, lastJson, runCli } from '../helpers/cli.ts';

const tmp = mkdtempSync(join(tmpdir(), 'seedwire-resume-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const args = ['train', '--preset', 'mnist-sparse-38', '--epochs', '2', '--samples', '3000', '--device', 'emu', '--json'];

describe('checkpoint and resume', () => {
  it('a run killed with SIGKILL mid-epoch and resumed ends with the same weights as an uninterrupted run', async () => {
    const full = runCli(args);
    expect(full.code, full.stderr).toBe(0);
    const fullSha = lastJson(full.stdout).weightsSha256 as string;
    expect(fullSha).toMatch(/^[0-9a-f]{64}$/);

    const ck = join(tmp, 'ck');
    // checkpoint every 64 samples (2 chunks) so several land before the kill
    expect(await killAfterFirstCheckpoint([...args, '--checkpoint', ck, '--checkpoint-every', '64'], ck)).toBe('killed');
    const resumed = runCli([...args, '--checkpoint', ck, '--resume']);
    expect(resumed.code, resumed.stderr).toBe(0);
    const r = lastJson(resumed.stdout);
    expect(r.resumed).toBe(true);
    expect(r.weightsSha256).toBe(fullSha);
    // no temporary file is left behind as a checkpoint
    expect(readdirSync(ck).filter((f) => f !== 'checkpoint.json')).toEqual([]);
  });

  // runs whose masks change during training (firmware-spec/masks.ts): the checkpoint holds the masks
  const masked = {
    dropback: { name: 'resume-dropback', layers: [784, 112, 10], junctions: [{ fo: 112 }, { fo: 10 }], sparsity: { kind: 'dropback', keep: 0.1, every: 300 } },
    magnitude: { name: 'resume-magnitude', layers: [784, 112, 10], junctions: [{ fo: 112, sparsity: { kind: 'magnitude', targetDensity: 0.2, every: 200 } }, { fo: 10 }] },
  };
  for (const [kind, config] of Object.entries(masked)) {
    it(`a ${kind} run killed with SIGKILL after a mid-epoch checkpoint and resumed ends with the same weights and clocks`, async () => {
      const file = join(tmp, `${kind}.json`);
      writeFileSync(file, JSON.stringify(config));
      const margs = ['train', '--config', file, '--epochs', '2', '--samples', '2400', '--device', 'emu', '--json'];
      const full = runCli(margs);
      expect(full.code, full.stderr).toBe(0);
      const f = lastJson(full.stdout);

      const ck = join(tmp, `ck-${kind}`);
      // the first checkpoint lands at 1600 samples, mid-epoch 1, after several mask steps
      // (DropBack: 5, the last one zeroing the untracked weights; magnitude: 8)
      expect(await killAfterFirstCheckpoint([...margs, '--checkpoint', ck, '--checkpoint-every', '1600'], ck)).toBe('killed');
      const saved = JSON.parse(readFileSync(join(ck, 'checkpoint.json'), 'utf8'));
      expect(saved.totals.trained).toBeGreaterThanOrEqual(1600);
      expect(saved.masks).toHaveLength(2);
      expect(saved.masks.map((m: string | null) => m !== null)).toEqual(kind === 'dropback' ? [true, true] : [true, false]);

      const resumed = runCli([...margs, '--checkpoint', ck, '--resume']);
      expect(resumed.code, resumed.stderr).toBe(0);
      const r = lastJson(resumed.stdout);
      expect(r.resumed).toBe(true);
      expect(r.weightsSha256).toBe(f.weightsSha256);
      // the same lane schedules after the resume: the device did the same work
      expect([r.deviceCycles, r.deviceClocks, r.testAccuracy]).toEqual([f.deviceCycles, f.deviceClocks, f.testAccuracy]);
      expect(r.balance).toEqual(f.balance);

      // an edit that leaves the checksum stale is refused as such
      delete saved.masks;
      writeFileSync(join(ck, 'checkpoint.json'), JSON.stringify(saved));
      const edited = runCli([...margs, '--checkpoint', ck, '--resume']);
      expect(edited.code).not.toBe(0);
      expect(edited.stderr).toMatch(/checkpoint_checksum/);
      // a well-formed checkpoint of a masked run without its masks is refused
      delete saved.sha256;
      writeFileSync(join(ck, 'checkpoint.json'), JSON.stringify(seal(saved)));
      const old = runCli([...margs, '--checkpoint', ck, '--resume']);
      expect(old.code).not.toBe(0);
      expect(old.stderr).toMatch(/checkpoint_mismatch/);
      expect(old.stderr).toMatch(/holds no masks/);
    }, 60_000);
  }

  it('--resume without a checkpoint is a clear error', () => {
    const r = runCli([...args, '--checkpoint', join(tmp, 'none'), '--resume']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/checkpoint_missing/);
  });

  it('--resume with a checkpoint of another run is refused', () => {
    const ck = join(tmp, 'other');
    const first = runCli(['train', '--preset', 'mnist-sparse-38', '--samples', '64', '--json', '--checkpoint', ck]);
    expect(first.code, first.stderr).toBe(0);
    const r = runCli(['train', '--preset', 'mnist-sparse-38', '--samples', '96', '--json', '--checkpoint', ck, '--resume']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/checkpoint_mismatch/);
  });
});
