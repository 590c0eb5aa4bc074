import { mkdtempSync, mkdirSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../host/config/errors.ts';
import { checkJob } from '../../host/sweep/processor.ts';
import { connectionOf, expandSweep, parseSweep, resultsCsv, runKey } from '../../host/sweep/index.ts';
import type { RunResult } from '../../host/sweep/run.ts';

const problems = (f: () => unknown): string[] => {
  try {
    f();
  } catch (e) {
    if (e instanceof ConfigError) return e.problems.map((p) => `${p.path}: ${p.message}`);
    throw e;
  }
  throw new Error('expected a ConfigError');
};

describe('sweep files', () => {
  it('expands the grid into named, keyed runs; the issue example gives 6 runs', () => {
    const sweep = parseSweep({ name: 'lr', base: { preset: 'mnist-sparse-38', samples: 1000, epochs: 1 }, grid: { seed: [1, 2, 3], lrShift: [4, 5] } });
    const { runs } = expandSweep(sweep, tmpdir());
    expect(runs).toHaveLength(6);
    expect(runs.map((r) => r.name)).toEqual(['seed=1 lrShift=4', 'seed=1 lrShift=5', 'seed=2 lrShift=4', 'seed=2 lrShift=5', 'seed=3 lrShift=4', 'seed=3 lrShift=5']);
    expect(new Set(runs.map((r) => r.key)).size).toBe(6);
    expect(runs[1].network).toMatchObject({ layers: [784, 112, 10], seed: 1, lrShift: 5 });
    expect(runs[1].options).toEqual({ epochs: 1, samples: 1000, dataset: 'mnist', encoding: 'u8', device: 'emu' });
  });

  it('list entries times grid points; fan-outs, density and presets resolve into configs', () => {
    const sweep = parseSweep({
      name: 'd',
      base: { preset: 'mnist-sparse-38' },
      list: [{ fanouts: [2, 10] }, { density: [0.25, 1] }, { label: 'dense', preset: 'mnist-fc' }],
      grid: { feedback: ['backprop', 'dfa'] },
    });
    const { runs } = expandSweep(sweep, tmpdir());
    expect(runs).toHaveLength(6);
    expect(runs[0].network.junctions).toEqual([{ fo: 2 }, { fo: 10 }]);
    expect(runs[2].network.junctions).toEqual([{ density: 0.25 }, { density: 1 }]);
    expect(runs.map((r) => r.name)).toEqual(['fanouts=(2,10) feedback=backprop', 'fanouts=(2,10) feedback=dfa', 'density=(0.25,1) feedback=backprop', 'density=(0.25,1) feedback=dfa', 'dense feedback=backprop', 'dense feedback=dfa']);
    expect(runs[5].network.sparsity).toEqual({ kind: 'dense' });
  });

  it('a key is the hash of network and options, not of names', () => {
    const a = expandSweep(parseSweep({ name: 'a', base: { preset: 'mnist-sparse-38', seed: 3 } }), tmpdir()).runs[0];
    const b = expandSweep(parseSweep({ name: 'b', list: [{ label: 'other', preset: 'mnist-sparse-38', seed: 3 }] }), tmpdir()).runs[0];
    expect(a.key).toBe(b.key);
    expect(a.key).toBe(runKey(a.network, a.options));
    expect(runKey(a.network, { ...a.options, samples: 10 })).not.toBe(a.key);
    expect(runKey({ ...a.network, seed: 4 }, a.options)).not.toBe(a.key);
  });

  it('reports every problem with its path', () => {
    expect(problems(() => parseSweep({ name: 'x y', grid: { lrShift: [4, 'five'], nope: [1] }, list: [{ seed: 0 }] }))).toEqual(
      expect.arrayContaining([expect.stringMatching(/^sweep\.name: /), expect.stringMatching(/^sweep\.grid\.lrShift\.1: /), expect.stringMatching(/^sweep\.grid: .*nope/), expect.stringMatching(/^sweep\.list\.0\.seed: /)]),
    );
    const bad = parseSweep({ name: 'x', base: { preset: 'mnist-sparse-38' }, list: [{ fanouts: [42] }, { fanouts: [200, 10] }, { preset: 'nope' }] });
    expect(problems(() => expandSweep(bad, tmpdir()))).toEqual([
      expect.stringMatching(/^sweep\.list\.0\.fanouts: 784-112-10 has 2 junctions; got 1 values/),
      expect.stringMatching(/^sweep\.list\.1\.config\.junctions\.0\.fo: fan-out 200 exceeds/),
      expect.stringMatching(/^sweep\.list\.2\.preset: unknown preset 'nope'/),
    ]);
  });
});

describe('a worker checks each job before running it', () => {
  const spec = expandSweep(parseSweep({ name: 'j', base: { preset: 'mnist-sparse-38', samples: 100 } }), tmpdir()).runs[0];
  const root = mkdtempSync(join(tmpdir(), 'seedwire-jobs-'));
  const data = join(root, 'data');
  const out = join(root, 'out');
  mkdirSync(data);
  mkdirSync(out);
  symlinkSync('/', join(out, 'escape'));
  const cfg = { device: 'emu', dataDirs: [data], outDirs: [out], checkpointEvery: 100 };

  it('takes a valid job', () => {
    expect(checkJob({ spec }, cfg).spec.key).toBe(spec.key);
    const options = { ...spec.options, dataset: `idx:${data}/fashion` };
    const inside = checkJob({ spec: { ...spec, options, key: runKey(spec.network, options), runDir: join(out, 'r') } }, cfg).spec;
    expect(inside.options.dataset).toBe(`idx:${data}/fashion`);
    expect(inside.runDir).toBe(join(out, 'r'));
    expect(inside.key).toBe(runKey(spec.network, options));
  });

  it('refuses malformed jobs, forged keys, other device kinds and paths outside its directories', () => {
    expect(() => checkJob({ spec: { ...spec, network: { layers: 'x' } } }, cfg)).toThrow(/invalid job: spec\.network\.layers/);
    // a job is data: a field the schema does not know is refused by name
    expect(() => checkJob({ spec, script: 'anything' }, cfg)).toThrow(/invalid job: .*script/);
    expect(() => checkJob({ spec: { ...spec, network: { ...spec.network, lrShift: 9 } } }, cfg)).toThrow(/is not the hash/);
    expect(() => checkJob({ spec }, { ...cfg, device: 'serial:/dev/ttyUSB1' })).toThrow(/asks for a emu device; this worker holds serial/);
    const withDataset = (dataset: string) => {
      const options = { ...spec.options, dataset };
      return { spec: { ...spec, options, key: runKey(spec.network, options) } };
    };
    expect(() => checkJob(withDataset(`idx:${data}/../../etc`), cfg)).toThrow(/outside this worker's data directories/);
    expect(() => checkJob(withDataset('idx:relative/dir'), cfg)).toThrow(/outside/);
    expect(() => checkJob({ spec: { ...spec, runDir: join(out, 'escape', 'etc') } }, cfg)).toThrow(/outside this worker's output directories/);
    expect(() => checkJob({ spec: { ...spec, runDir: join(out, 'r') } }, { ...cfg, outDirs: [] })).toThrow(/none given/);
    expect(() => checkJob({ spec: { ...spec, runDir: join(out, 'r') } }, cfg)).not.toThrow();
  });
});

describe('queue URLs', () => {
  it('take redis:// and rediss:// (TLS) with a password and a database', () => {
    expect(connectionOf('redis://127.0.0.1:6390')).toMatchObject({ host: '127.0.0.1', port: 6390 });
    const tls = connectionOf('rediss://worker:s%40cret@redis.lab.example:6380/2');
    expect(tls).toMatchObject({ host: 'redis.lab.example', port: 6380, username: 'worker', password: 's@cret', db: 2, tls: { servername: 'redis.lab.example' } });
    expect(connectionOf('redis://h', 'fromenv')).toMatchObject({ port: 6379, password: 'fromenv' });
    expect(() => connectionOf('http://h:1')).toThrow(/redis:\/\/ or rediss:\/\//);
    expect(() => connectionOf('redis://h/x')).toThrow(/database number/);
  });
});

describe('results.csv', () => {
  it('quotes cells with commas and quotes, one column per sweep field', () => {
    const r = { key: 'k', name: 'a, "b"', weightsSha256: 'w', testAccuracy: 0.5, trainAccuracy: 0.4, density: 0.1, fanouts: [2, 10], feedback: 'backprop', sparsity: ['clash-free'], epochs: 1, samples: 10, samplesTrained: 10, seconds: 1, samplesPerSec: 10, device: 'emu', worker: 'h:1', resumed: false, fields: { lrShift: 4, fanouts: [2, 10] } } as unknown as RunResult;
    const [head, line] = resultsCsv([r]).trim().split('\n');
    expect(head.endsWith(',field.fanouts,field.lrShift')).toBe(true);
    expect(line.startsWith('k,"a, ""b""",w,0.5,')).toBe(true);
    expect(line.endsWith(',"[2,10]",4')).toBe(true);
  });
});
