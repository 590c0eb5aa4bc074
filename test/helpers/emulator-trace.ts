import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { EmulatedDevice } from '../../emulator/device.ts';
import type { NetworkDescriptor } from '../../firmware-spec/network.ts';

export const VECTORS_DIR = fileURLToPath(new URL('../../firmware-spec/vectors/', import.meta.url));

export interface TraceJson {
  network: NetworkDescriptor;
  samples: { labels: number[]; pixels: number[][] };
  initialWeights: number[][];
  cycles: number;
  weightsAfterCycle: number[][][];
  correct: number;
  events?: Record<string, number | string>;
}

export function loadTrace(name: string): TraceJson {
  return JSON.parse(readFileSync(VECTORS_DIR + name, 'utf8')) as TraceJson;
}

/**
 * Run a golden trace's TRAIN on a fresh emulator ('emu' profile) and compare every junction's weights
 * after every junction cycle and the correct count. Returns the first difference, or undefined.
 */
export function firstTraceMismatch(t: TraceJson): string | undefined {
  const net = t.network;
  const L = net.junctions.length;
  const dev = new EmulatedDevice('emu');
  dev.configure(net);
  dev.loadSeeds({ connectivity: net.junctions.map((j) => j.connectivitySeed), init: net.junctions.map((j) => j.initSeed), feedback: net.feedbackSeed, rounding: net.roundingSeed });
  for (let j = 0; j < L; j++) {
    if (Array.from(dev.readWeights(j)).join() !== t.initialWeights[j].join()) return `initial weights of junction ${j}`;
  }
  dev.streamSamples(Uint8Array.from(t.samples.pixels.flat()), Uint8Array.from(t.samples.labels));
  const perCycle: number[][][] = [];
  const res = dev.train(t.samples.labels.length, () => perCycle.push(Array.from({ length: L }, (_, j) => Array.from(dev.readWeights(j)))));
  for (let c = 0; c < t.weightsAfterCycle.length; c++) {
    for (let j = 0; j < L; j++) {
      const got = perCycle[c]?.[j];
      const want = t.weightsAfterCycle[c][j];
      const k = want.findIndex((w, i) => got?.[i] !== w);
      if (!got || k >= 0) return `junction ${j} after cycle ${c}: weight ${k} is ${got?.[k]}, the trace has ${want[k]}`;
    }
  }
  if (res.correct !== t.correct) return `correct ${res.correct}, the trace has ${t.correct}`;
  return undefined;
}
