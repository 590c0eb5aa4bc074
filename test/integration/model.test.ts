import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { evaluateModel, exportModel, loadDatasetSpec, loadModel, saveModel } from '../../host/index.ts';
import { train } from '../../host/train/index.ts';
import { lastJson, runCli } from '../helpers/cli.ts';

const tmp = mkdtempSync(join(tmpdir(), 'seedwire-model-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Classify a data set's test split with a tfjs export, loaded as a user of tfjs would (fromMemory). */
async function tfjsAccuracy(dir: string, dataset: string): Promise<number> {
  const mj = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
  const specs = mj.weightsManifest.flatMap((g: { weights: unknown[] }) => g.weights);
  const all = Buffer.concat(mj.weightsManifest.flatMap((g: { paths: string[] }) => g.paths.map((p) => readFileSync(join(dir, p)))));
  const model = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: mj.modelTopology, weightSpecs: specs, weightData: all.buffer.slice(all.byteOffset, all.byteOffset + all.length) }));
  const { test } = loadDatasetSpec(dataset);
  const x = tf.tensor2d(Float32Array.from(test.images, (v) => v / 255), [test.count, test.pixels]);
  const pred = (model.predict(x) as tf.Tensor).argMax(-1).dataSync();
  let ok = 0;
  for (let i = 0; i < test.count; i++) if (pred[i] === test.labels[i]) ok++;
  return ok / test.count;
}

describe('a trained model is kept, evaluated again and taken elsewhere', () => {
  const dir = join(tmp, 'm');
  it('train --save, then evaluate gives the same test accuracy to the last digit, with a confusion matrix', () => {
    const tr = runCli(['train', '--preset', 'mnist-sparse-38', '--samples', '600', '--save', dir, '--json']);
    expect(tr.code, tr.stderr).toBe(0);
    const t = lastJson(tr.stdout);
    expect(t.savedTo).toBe(dir);
    const ev = runCli(['evaluate', dir, '--json']);
    expect(ev.code, ev.stderr).toBe(0);
    const e = lastJson(ev.stdout);
    expect(e.testAccuracy).toBe(t.testAccuracy);
    expect(e.weightsSha256).toBe(t.weightsSha256);
    const confusion = e.confusion as number[][];
    expect(confusion).toHaveLength(10);
    expect(confusion.flat().reduce((a, b) => a + b, 0)).toBe(e.testSamples);
    expect(confusion.reduce((a, row, i) => a + row[i], 0)).toBe(e.correct);
    // the human summary: the accuracy and the matrix
    const human = runCli(['evaluate', dir]);
    expect(human.stdout).toMatch(new RegExp(`test accuracy ${(t.testAccuracy as number).toFixed(4)}`));
    expect(human.stdout).toMatch(/confusion matrix/);
  });

  it('the saved model holds config, resolved config, weights, data set, figures and a format version', () => {
    const m = loadModel(dir);
    expect(m.dataset).toBe('mnist');
    expect(m.resolved.name).toBe('mnist-sparse-38');
    expect(m.weights.map((w) => w.length)).toEqual(m.resolved.network.junctions.map((j) => j.n * j.fi));
    const raw = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
    expect(raw.format).toBe(1);
    expect(raw.weightsSha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('the library saves and loads the same model (saveModel / loadModel from the package entry)', () => {
    const m = loadModel(dir);
    const copy = join(tmp, 'copy');
    saveModel(copy, m);
    expect(loadModel(copy)).toEqual(m);
    expect(() => saveModel(copy, m)).toThrow(expect.objectContaining({ code: 'model_exists' }));
  });

  it('export --format tfjs loads in tfjs and classifies within 0.01 of the device', async () => {
    const out = join(tmp, 'tfjs');
    const r = runCli(['export', dir, '--format', 'tfjs', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['model.json', 'weights.bin']);
    const device = loadModel(dir).accuracy.test;
    const acc = await tfjsAccuracy(out, 'mnist');
    expect(Math.abs(acc - device)).toBeLessThanOrEqual(0.01);
  });

  it('export --format mtx writes the trained weights, one Matrix Market file per junction', () => {
    const out = join(tmp, 'mtx');
    const r = runCli(['export', dir, '--format', 'mtx', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    const m = loadModel(dir);
    for (const [i, j] of m.resolved.network.junctions.entries()) {
      const lines = readFileSync(join(out, `junction-${i + 1}.mtx`), 'utf8').trim().split('\n');
      expect(lines[2]).toBe(`${j.n} ${j.p} ${j.n * j.fi}`);
      // the first entry is the first trained weight, not the initial one
      expect(Number(lines[3].split(' ')[2])).toBe(m.weights[i][0] * 2 ** -m.resolved.network.formats.weight.frac);
    }
  });

  it('an unknown export format is one clear error', () => {
    const r = runCli(['export', dir, '--format', 'onnx', '--out', join(tmp, 'x')]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/--format must be one of tfjs, mtx/);
  });

  it('--save into a directory holding a model is refused without --force, and replaced with it', () => {
    const again = runCli(['train', '--preset', 'tiny', '--dataset', 'mnist-4x4', '--samples', '64', '--save', dir, '--json']);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toMatch(/model_exists.*--force/);
    expect(loadModel(dir).resolved.name).toBe('mnist-sparse-38');
    const forced = runCli(['train', '--preset', 'tiny', '--dataset', 'mnist-4x4', '--samples', '64', '--save', dir, '--force', '--json']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(loadModel(dir).resolved.name).toBe('tiny');
  });

  it('evaluate on a device the model does not fit is a clear model_mismatch', () => {
    const big = join(tmp, 'big');
    expect(runCli(['train', '--preset', 'mnist-sparse-38', '--samples', '64', '--save', big]).code).toBe(0);
    const r = runCli(['evaluate', big, '--device', 'emu?profile=up5k']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/model_mismatch.*does not fit emu\?profile=up5k/);
  });

  it('a DropBack model saves its masks, and evaluates to the same accuracy through the library', async () => {
    const d = join(tmp, 'dropback');
    const r = await train({ network: { name: 'db', layers: [16, 8, 4], junctions: [{ fo: 8 }, { fo: 4 }], sparsity: { kind: 'dropback', keep: 0.3, every: 64 }, chunk: 8 }, dataset: 'mnist-4x4', samples: 400, saveDir: d });
    const m = loadModel(d);
    expect(m.masks?.map((k) => k !== null)).toEqual([true, true]);
    expect(m.masks![0]!.reduce((a, b) => a + b, 0)).toBeLessThan(m.masks![0]!.length);
    const e = await evaluateModel(d);
    expect(e.testAccuracy).toBe(r.testAccuracy);
    const ex = await exportModel(d, 'mtx', join(tmp, 'db-mtx'));
    expect(ex.files).toEqual(['junction-1.mtx', 'junction-2.mtx']);
    expect(existsSync(join(tmp, 'db-mtx', 'junction-2.mtx'))).toBe(true);
  });
});
