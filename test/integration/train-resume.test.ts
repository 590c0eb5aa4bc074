import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { lastJson, REPO, runCli } from '../helpers/cli.ts';

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
    const child = spawn(process.execPath, ['--import', 'tsx', 'host/cli/main.ts', ...args, '--checkpoint', ck, '--checkpoint-every', '64'], { cwd: REPO, detached: true });
    const killed = await new Promise<string>((resolve) => {
      const poll = setInterval(() => {
        if (existsSync(join(ck, 'checkpoint.json'))) {
          clearInterval(poll);
          process.kill(-child.pid!, 'SIGKILL');
          resolve('killed');
        }
      }, 5);
      child.on('close', () => {
        clearInterval(poll);
        resolve('finished');
      });
    });
    expect(killed).toBe('killed');
    const resumed = runCli([...args, '--checkpoint', ck, '--resume']);
    expect(resumed.code, resumed.stderr).toBe(0);
    const r = lastJson(resumed.stdout);
    expect(r.resumed).toBe(true);
    expect(r.weightsSha256).toBe(fullSha);
    // no temporary file is left behind as a checkpoint
    expect(readdirSync(ck).filter((f) => f !== 'checkpoint.json')).toEqual([]);
  });

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
