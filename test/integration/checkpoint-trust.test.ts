import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { train } from '../../host/train/index.ts';
import { lastJson, REPO, runCli } from '../helpers/cli.ts';

const tmp = mkdtempSync(join(tmpdir(), 'seedwire-ck-trust-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

// a small run: the tiny preset on its data set, 2 epochs of 400 samples (50 chunks of 8)
const settings = { preset: 'tiny', dataset: 'mnist-4x4', epochs: 2, samples: 400 };
const flags = ['--preset', 'tiny', '--dataset', 'mnist-4x4', '--epochs', '2', '--samples', '400'];

/** Every file in a directory (dotfiles too) with its bytes: to show a refused run changed nothing. */
function snapshot(dir: string): Record<string, string> {
  return Object.fromEntries(readdirSync(dir).sort().map((f) => [f, readFileSync(join(dir, f), 'latin1')]));
}

/** A checkpoint of the run, stopped after its first chunk (as Ctrl-C does, in-process). */
async function interruptedCheckpoint(dir: string) {
  const abort = new AbortController();
  return train({ ...settings, checkpointDir: dir, signal: abort.signal, onProgress: () => abort.abort() });
}

describe('checkpoints you can trust', () => {
  let fullSha = '';
  const ck = join(tmp, 'ck');
  beforeAll(async () => {
    fullSha = (await train(settings)).weightsSha256;
    const r = await interruptedCheckpoint(ck);
    expect(r.interrupted).toBe(true);
  });

  it('an interrupted run reports no stale test accuracy', async () => {
    const r = await interruptedCheckpoint(join(tmp, 'ck-report'));
    expect(r.interrupted).toBe(true);
    expect(r.epochReports).toEqual([]);
    expect(Number.isNaN(r.testAccuracy)).toBe(true);
  });

  it("a new run into another run's checkpoint directory is refused, names the run, and changes nothing", () => {
    // a temporary file a killed writer left behind is part of what must stay untouched
    writeFileSync(join(ck, '.checkpoint.json.999999.tmp'), 'partial');
    const before = snapshot(ck);
    const r = runCli(['train', '--preset', 'mnist-fc', '--samples', '64', '--checkpoint', ck]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/checkpoint_exists/);
    expect(r.stderr).toMatch(/tiny \(16-8-4, seed 1\) on mnist-4x4, at epoch 1\/2, sample 8\/400/);
    expect(r.stderr).toContain(`seedwire train --checkpoint ${ck} --resume`);
    expect(r.stderr).toMatch(/--force/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(snapshot(ck)).toEqual(before);
    rmSync(join(ck, '.checkpoint.json.999999.tmp'));
  });

  it('a flag that contradicts the checkpoint is an error naming the flag and both values', () => {
    const cases: Array<[string[], RegExp]> = [
      [['--epochs', '3'], /--epochs 3 contradicts .*whose run has 2/],
      [['--samples', '300'], /--samples 300 contradicts .*whose run has 400/],
      [['--dataset', 'mnist'], /--dataset mnist contradicts .*whose run has mnist-4x4/],
      [['--encoding', 'u4'], /--encoding u4 contradicts .*whose run has u8/],
      [['--seed', '5'], /--seed 5 contradicts .*whose run has 1/],
      [['--preset', 'mnist-fc'], /--preset mnist-fc .*mnist-fc, 784-112-10.* contradicts .*tiny, 16-8-4/],
    ];
    for (const [extra, message] of cases) {
      const r = runCli(['train', '--checkpoint', ck, '--resume', ...extra]);
      expect(r.code, extra.join(' ')).not.toBe(0);
      expect(r.stderr).toMatch(/checkpoint_mismatch/);
      expect(r.stderr).toMatch(message);
    }
  });

  it("--resume takes the run's settings from the checkpoint and finishes bit-exactly", () => {
    const r = runCli(['train', '--checkpoint', ck, '--resume', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const j = lastJson(r.stdout);
    expect([j.resumed, j.epochs, j.samples, j.dataset, j.preset]).toEqual([true, 2, 400, 'mnist-4x4', 'tiny']);
    expect(j.weightsSha256).toBe(fullSha);
    // the same flags as the checkpoint are no contradiction
    const again = runCli(['train', ...flags, '--checkpoint', ck, '--resume', '--json']);
    expect(again.code, again.stderr).toBe(0);
  });

  it('a tampered checkpoint is refused with checkpoint_checksum; --force starts over', () => {
    const dir = join(tmp, 'tampered');
    return interruptedCheckpoint(dir).then(() => {
      const f = join(dir, 'checkpoint.json');
      const s = readFileSync(f, 'utf8');
      const i = s.indexOf('"weights":["') + 20;
      writeFileSync(f, s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1));
      const r = runCli(['train', ...flags, '--checkpoint', dir, '--resume']);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/checkpoint_checksum.*does not match its sha256/);
      const forced = runCli(['train', ...flags, '--checkpoint', dir, '--force', '--json']);
      expect(forced.code, forced.stderr).toBe(0);
      expect(lastJson(forced.stdout).weightsSha256).toBe(fullSha);
    });
  });
});

/** Run the CLI, send SIGINT once stderr shows the first epoch line, collect everything. */
function interruptAfterFirstEpoch(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'host/cli/main.ts', ...args], { cwd: REPO });
    let stdout = '';
    let stderr = '';
    let sent = false;
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => {
      stderr += d;
      if (!sent && /epoch 1:/.test(stderr)) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('Ctrl-C says what it will do', () => {
  const long = ['train', '--preset', 'tiny', '--dataset', 'mnist-4x4', '--epochs', '40'];
  it('with --checkpoint: the path and the exact resume command, then a summary without a stale accuracy', async () => {
    const ck = join(tmp, 'sigint');
    const r = await interruptAfterFirstEpoch([...long, '--checkpoint', ck]);
    expect(r.code).toBe(130);
    expect(r.stderr).toContain(`saving a checkpoint in ${ck}`);
    expect(r.stderr).toContain(`Resume with: seedwire train --checkpoint ${ck} --resume`);
    expect(r.stdout).toMatch(/\(interrupted\)/);
    expect(r.stdout).toMatch(/test accuracy\s+│ (not measured: the run was interrupted mid-epoch \(after epoch \d+ it was \d\.\d{4}\)|\d\.\d{4} on 815 test samples)/);
    const resumed = runCli(['train', '--checkpoint', ck, '--resume', '--json']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(lastJson(resumed.stdout).epochs).toBe(40);
  });

  it('without --checkpoint: says that nothing will be kept', async () => {
    const r = await interruptAfterFirstEpoch(long);
    expect(r.code).toBe(130);
    expect(r.stderr).toMatch(/Nothing will be kept: there is no --checkpoint DIR/);
    expect(r.stderr).not.toMatch(/checkpointing|saving a checkpoint/);
  });
});
