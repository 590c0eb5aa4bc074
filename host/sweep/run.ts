import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHECKPOINT_FILE, CheckpointError } from '../train/checkpoint.ts';
import { train, type EpochReport, type TrainReport } from '../train/index.ts';
import type { RunSpec } from './schema.ts';

/** What a finished run reports: its identity, its result, and what it measured. */
export interface RunResult {
  key: string;
  name: string;
  sweep: string;
  weightsSha256: string;
  testAccuracy: number;
  trainAccuracy: number;
  /** wall seconds of this run's training and evaluation (a resumed run: of its last part) */
  seconds: number;
  samplesPerSec: number;
  samplesTrained: number;
  epochs: number;
  samples: number;
  /** overall density: edges over the sum of p*n */
  density: number;
  /** fan-out of each junction, as resolved on the device */
  fanouts: number[];
  feedback: string;
  sparsity: string[];
  /** the device URI it ran on, and its profile (figures name where they were measured) */
  device: string;
  /** host:pid of the process that finished it */
  worker: string;
  /** resumed from a checkpoint another worker left */
  resumed: boolean;
  deviceCycles: number;
  deviceSeconds: number;
  epochReports: EpochReport[];
  fields: Record<string, unknown>;
  network: RunSpec['network'];
  options: RunSpec['options'];
}

export interface ExecuteOptions {
  /** device URI (default 'emu') */
  device?: string;
  /** a checkpoint (the trainer's checkpoint.json text) a killed worker left: resume from it */
  resumeFrom?: string;
  /** the epochs the killed worker finished before that checkpoint (the result reports every epoch) */
  resumeEpochs?: EpochReport[];
  /** checkpoint every N samples and hand each checkpoint over (e.g. to the queue), with the epochs done */
  checkpointEvery?: number;
  onCheckpoint?: (text: string, epochs: EpochReport[]) => void;
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
}

/** A run as the trainer takes it: one resolved network and its options. */
export async function executeRun(spec: RunSpec, opts: ExecuteOptions = {}): Promise<RunResult> {
  const wantsCheckpoints = opts.onCheckpoint !== undefined || opts.resumeFrom !== undefined;
  const dir = wantsCheckpoints ? mkdtempSync(join(tmpdir(), 'seedwire-run-')) : undefined;
  try {
    let resume = false;
    if (dir && opts.resumeFrom) {
      writeFileSync(join(dir, CHECKPOINT_FILE), opts.resumeFrom);
      resume = true;
    }
    const file = dir ? join(dir, CHECKPOINT_FILE) : '';
    const epochs: EpochReport[] = resume ? [...(opts.resumeEpochs ?? [])] : [];
    let seen = resume ? statSync(file).mtimeMs : 0;
    // the trainer writes checkpoints atomically (rename) at chunk boundaries; the next progress
    // callback finds the new file and hands it over
    const handOver = () => {
      if (!dir || !opts.onCheckpoint) return;
      let m: number;
      try {
        m = statSync(file).mtimeMs;
      } catch {
        return;
      }
      if (m === seen) return;
      seen = m;
      opts.onCheckpoint(readFileSync(file, 'utf8'), [...epochs]);
    };
    const base = {
      network: structuredClone(spec.network),
      device: opts.device ?? 'emu',
      epochs: spec.options.epochs,
      samples: spec.options.samples,
      dataset: spec.options.dataset,
      encoding: spec.options.encoding,
      checkpointDir: dir,
      checkpointEvery: dir ? (opts.checkpointEvery ?? 1000) : undefined,
      signal: opts.signal,
      onEpoch: (e: EpochReport) => epochs.push(e),
      onProgress: (p: { epoch: number; done: number; total: number }) => {
        handOver();
        opts.onProgress?.((p.epoch - 1) * p.total + p.done, spec.options.epochs * p.total);
      },
    };
    let report: TrainReport;
    try {
      report = await train({ ...base, resume });
    } catch (e) {
      // a checkpoint that is not this run's, or is damaged, is dropped: the run starts over
      if (!(resume && e instanceof CheckpointError)) throw e;
      epochs.length = 0;
      report = await train({ ...base, network: structuredClone(spec.network), resume: false });
    }
    // a resumed run reports the epochs finished before the checkpoint too
    return resultOf(spec, { ...report, epochReports: epochs });
  } finally {
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}

export function resultOf(spec: RunSpec, r: TrainReport): RunResult {
  const js = r.resolved.network.junctions;
  const edges = js.reduce((a, j) => a + j.n * j.fi, 0);
  const full = js.reduce((a, j) => a + j.p * j.n, 0);
  return {
    key: spec.key,
    name: spec.name,
    sweep: spec.sweep,
    weightsSha256: r.weightsSha256,
    testAccuracy: r.testAccuracy,
    trainAccuracy: r.trainAccuracy,
    seconds: r.seconds,
    samplesPerSec: r.seconds > 0 ? r.samplesTrained / r.seconds : 0,
    samplesTrained: r.samplesTrained,
    epochs: r.epochs,
    samples: r.samples,
    density: edges / full,
    fanouts: js.map((j) => j.fo),
    feedback: r.resolved.network.feedback,
    sparsity: r.resolved.sparsity.map((s) => s.kind),
    device: r.device,
    worker: `${hostname()}:${process.pid}`,
    resumed: r.resumed,
    deviceCycles: r.deviceCycles,
    deviceSeconds: r.deviceSeconds,
    epochReports: r.epochReports,
    fields: spec.fields,
    network: spec.network,
    options: spec.options,
  };
}
