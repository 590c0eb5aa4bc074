import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateConnectivity } from '../../firmware-spec/connectivity.ts';
import { initialWeights, type NetworkDescriptor } from '../../firmware-spec/network.ts';

/**
 * `seedwire inspect` as a user runs it: a child process per call, exit code, stdout and stderr.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function seedwire(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'host/cli/main.ts', ...args], { cwd: ROOT, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'seedwire-inspect-'));
});
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});

describe.concurrent('seedwire inspect --json: the poster densities (seed 002)', () => {
  it('mnist-sparse-38: density 34,048 / 88,928 = 38.3%, clash-free', async () => {
    const r = await seedwire(['inspect', '--preset', 'mnist-sparse-38', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines.length).toBe(1);
    const j = JSON.parse(lines[0]);
    expect(j.density).toBe(34_048 / 88_928);
    expect(j.density.toFixed(3)).toBe('0.383');
    expect(j.clashFree).toBe(true);
  }, 60_000);

  it('mnist-sparse-3: density 2,688 / 88,928 = 3.02%, clash-free', async () => {
    const r = await seedwire(['inspect', '--preset', 'mnist-sparse-3', '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.density).toBe(2_688 / 88_928);
    expect(j.density.toFixed(4)).toBe('0.0302');
    expect(j.clashFree).toBe(true);
  }, 60_000);
});

describe.concurrent('seedwire inspect: bad input', () => {
  /** A config file in the temp folder. */
  const file = (name: string, text: string): string => {
    const f = join(tmp, name);
    writeFileSync(f, text);
    return f;
  };

  const cases: Array<{ name: string; args: () => string[]; paths: string[] }> = [
    {
      name: 'fan-in not an integer, and p not divisible by z (one line each)',
      args: () => ['--config', file('shape.json', JSON.stringify({ layers: [100, 30, 10], junctions: [{ fo: 7 }, { fo: 10, z: 7 }] }))],
      paths: ['config.junctions.0.fo', 'config.junctions.1.z'],
    },
    {
      name: 'widths out of bounds',
      args: () => ['--config', file('widths.json', JSON.stringify({ layers: [16, 8, 4], formats: { activation: { bits: 40, frac: 12 }, weight: { bits: 4, frac: 2 } } }))],
      paths: ['config.formats.activation.bits', 'config.formats.weight.bits'],
    },
    { name: 'an unknown preset', args: () => ['--preset', 'no-such-net'], paths: ['preset'] },
    { name: 'malformed JSON', args: () => ['--config', file('bad.json', '{"layers": [16, 8, 4],')], paths: ['config'] },
  ];

  for (const c of cases) {
    it(`${c.name}: exits non-zero, one line per problem naming its path, writes nothing`, async () => {
      const out = join(tmp, `export-${c.paths[0]}`);
      const r = await seedwire(['inspect', ...c.args(), '--json', '--export', out]);
      expect(r.code).not.toBe(0);
      expect(r.stdout).toBe('');
      const lines = r.stderr.trim().split('\n');
      expect(lines.length, r.stderr).toBe(c.paths.length);
      for (const p of c.paths) expect(lines.some((l) => l.startsWith(`${p}: `)), `a line for ${p} in:\n${r.stderr}`).toBe(true);
      expect(existsSync(out)).toBe(false);
    }, 60_000);
  }
});

describe.concurrent('seedwire inspect --export', () => {
  it('writes DIR/junction-N.mtx: Matrix Market coordinate, rows right, columns left, 1-based, initial weights as reals', async () => {
    const out = join(tmp, 'mtx');
    const r = await seedwire(['inspect', '--preset', 'tiny', '--json', '--export', out]);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    const net: NetworkDescriptor = report.resolved.network;
    expect(readdirSync(out).sort()).toEqual(net.junctions.map((_, i) => `junction-${i + 1}.mtx`));
    net.junctions.forEach((j, i) => {
      const text = readFileSync(join(out, `junction-${i + 1}.mtx`), 'utf8');
      const lines = text.trimEnd().split('\n');
      expect(lines[0]).toBe('%%MatrixMarket matrix coordinate real general');
      const body = lines.filter((l) => !l.startsWith('%'));
      const left = generateConnectivity(j, { kind: j.connectivity, startVectorMode: j.startVectorMode, seed: j.connectivitySeed, startVectors: j.startVectors });
      const w = initialWeights(left.length, net.formats.weight.bits, j.initShift, j.initSeed);
      expect(body[0].split(/\s+/).map(Number)).toEqual([j.n, j.p, left.length]);
      const want = new Map<string, number>();
      for (let k = 0; k < left.length; k++) want.set(`${Math.floor(k / j.fi) + 1} ${left[k] + 1}`, w[k] / 2 ** net.formats.weight.frac);
      const got = new Map<string, number>();
      for (const line of body.slice(1)) {
        const [row, col, value] = line.trim().split(/\s+/);
        got.set(`${row} ${col}`, Number(value));
      }
      expect(got.size).toBe(left.length);
      expect(got).toEqual(want);
    });
  }, 60_000);
});
