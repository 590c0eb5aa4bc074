import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PRESETS } from '../../host/config/presets.ts';
import { SEED_MAX, SEED_MIN } from '../../host/config/schema.ts';
import { REPO, lastJson, runCli } from '../helpers/cli.ts';

const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8'));

describe.concurrent('the CLI reads plainly', () => {
  it('--version prints the package version', () => {
    const r = runCli(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(pkg.version);
  });

  it('presets: one line each with layers, density and what it is for', () => {
    const r = runCli(['presets']);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(Object.keys(PRESETS).length);
    for (const [name, cfg] of Object.entries(PRESETS)) {
      const line = lines.find((l) => l.startsWith(`${name} `));
      expect(line, name).toBeDefined();
      expect(line).toContain(cfg.layers.join('-'));
      expect(line).toMatch(/density +\d+\.\d%  \S+/);
    }
    expect(lines.find((l) => l.startsWith('mnist-sparse-38 '))).toMatch(/density +38\.3%/);
    expect(lines.find((l) => l.startsWith('tiny '))).toMatch(/test-only.*mnist-4x4/);
  });

  it('one bad option prints one line and the usage line, not the whole help', () => {
    for (const args of [['train', '--bogus'], ['train', '--epochs', 'x'], ['evaluate']]) {
      const r = runCli(args);
      expect(r.code, args.join(' ')).not.toBe(0);
      const lines = r.stderr.trim().split('\n');
      expect(lines, r.stderr).toHaveLength(2);
      expect(lines[1]).toMatch(new RegExp(`^usage: seedwire ${args[0]} `));
      expect(r.stderr).not.toMatch(/Options:/);
    }
  });

  it("--seed takes exactly the schema's bounds", () => {
    for (const bad of [SEED_MIN - 1, SEED_MAX + 1]) {
      const r = runCli(['train', '--preset', 'tiny', '--dataset', 'mnist-4x4', '--seed', String(bad)]);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain(`expected an integer from ${SEED_MIN} to ${SEED_MAX}`);
    }
    const ok = runCli(['train', '--preset', 'tiny', '--dataset', 'mnist-4x4', '--samples', '16', '--seed', String(SEED_MAX), '--json']);
    expect(ok.code, ok.stderr).toBe(0);
    expect((lastJson(ok.stdout).resolved as { seed: number }).seed).toBe(SEED_MAX);
  });

  it('a clamped --samples is said; the tiny preset trains on mnist-4x4; the summary names the data set', () => {
    const r = runCli(['train', '--preset', 'tiny', '--dataset', 'mnist-4x4', '--samples', '999999']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/note: --samples 999999 is more than the 3336 training samples of mnist-4x4: using 3336 per epoch/);
    // an ML user's terms first, hardware after in words; no internal document references
    expect(r.stdout).toMatch(/data set\s+│ mnist-4x4/);
    expect(r.stdout).toMatch(/test accuracy\s+│ 0\.\d{4} on 815 test samples/);
    expect(r.stdout).toMatch(/speed\s+│ [\d,]+ samples\/s/);
    expect(r.stdout.indexOf('test accuracy')).toBeLessThan(r.stdout.indexOf('hardware'));
    expect(r.stdout).toMatch(/clocks/);
    expect(r.stdout).not.toMatch(/seed 00\d|\bz \d|3J/);
    const acc = Number(/test accuracy\s+│ (0\.\d{4})/.exec(r.stdout)![1]);
    expect(acc).toBeGreaterThan(0.5); // 4 classes: chance is 0.25
  });

  it('the tiny preset on 28x28 data says which data set fits it', () => {
    const r = runCli(['train', '--preset', 'tiny']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/--dataset mnist-4x4 has 16 pixels per image/);
  });

  it('--reference: the backend note is one stderr line, not a table cell', () => {
    const r = runCli(['train', '--preset', 'tiny', '--dataset', 'mnist-4x4', '--samples', '64', '--reference']);
    expect(r.code, r.stderr).toBe(0);
    const notes = r.stderr.split('\n').filter((l) => l.startsWith('note: float reference on tfjs'));
    expect(notes).toHaveLength(1);
    expect(r.stdout).toMatch(/float32 reference\s+│ test accuracy 0\.\d{4} \(tfjs \w+\)\s+│/);
  });

  it('a bare /dev path suggests serial:', () => {
    const r = runCli(['train', '--preset', 'tiny', '--dataset', 'mnist-4x4', '--device', '/dev/ttyUSB0']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/bad_uri.*use serial:\/dev\/ttyUSB0/);
  });

  it('a device that does not answer IDENTIFY: check the bitstream, or that the emulator is serving', async () => {
    // a real pty pair with nobody on the other end
    const socat: ChildProcess = spawn('socat', ['-d', '-d', 'pty,raw,echo=0', 'pty,raw,echo=0'], { stdio: ['ignore', 'ignore', 'pipe'] });
    try {
      const pty = await new Promise<string>((resolve, reject) => {
        let err = '';
        const t = setTimeout(() => reject(new Error(`socat printed no pty: ${err}`)), 10_000);
        socat.stderr!.on('data', (d) => {
          err += d;
          const m = /PTY is (\/dev\/pts\/\d+)/.exec(err);
          if (m) {
            clearTimeout(t);
            resolve(m[1]);
          }
        });
      });
      const r = runCli(['train', '--preset', 'tiny', '--dataset', 'mnist-4x4', '--device', `serial:${pty}?handshake=300`]);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/IDENTIFY/);
      expect(r.stderr).toMatch(/seedwire bitstream \(seedwire flash\)|holds the seedwire bitstream/);
      expect(r.stderr).toMatch(/seedwire emulator serve is running/);
    } finally {
      socat.kill();
    }
  });

  it('on a terminal, the progress bar shows the ETA and the running accuracy', () => {
    // a real pty (util-linux script), as a user's terminal
    const cmd = `${process.execPath} --import tsx host/cli/main.ts train --preset tiny --dataset mnist-4x4 --epochs 2`;
    const r = spawnSync('script', ['-qec', cmd, '/dev/null'], { cwd: REPO, encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    const frames = r.stdout.split(/\r|\n/).join('\n');
    expect(frames).toMatch(/epoch 1\/2 \[[=-]+\] \d+\/3336 \| ETA \d+ s \| \d+ samples\/s \| running accuracy 0\.\d{3}/);
  });

  it('the LICENSE file matches package.json', () => {
    expect(pkg.license).toBe('MIT');
    expect(readFileSync(join(REPO, 'LICENSE'), 'utf8')).toMatch(/^MIT License\n/);
  });
});
