import { isDeepStrictEqual } from 'node:util';
import type { SampleEncoding } from '../../firmware-spec/capability.ts';
import { loadConfigChoice } from '../config/load.ts';
import type { NetworkConfig } from '../config/schema.ts';
import { checkShape, type Dataset, loadDatasetSpec } from '../datasets/index.ts';
import { ModelError } from '../model/errors.ts';
import { checkStoredConfig, pinnedConfig } from '../model/format.ts';
import { hasModel } from '../model/model.ts';
import type { ResolvedConfig } from '../partition/partition.ts';
import { type Checkpoint, CheckpointError, describeCheckpoint, hasCheckpoint, readCheckpoint } from './checkpoint.ts';
// TrainError is only used when a function here runs, after both modules have loaded
import { TrainError, type TrainOptions } from './trainer.ts';

/** A run's settings, from the options or, with --resume, from its checkpoint; data loaded and checked. */
export interface RunSettings {
  ck?: Checkpoint;
  cfg: NetworkConfig;
  epochs: number;
  encoding: SampleEncoding;
  datasetName: string;
  data: { train: Dataset; test: Dataset };
  samplesPerEpoch: number;
  /** refuse an option that contradicts the checkpoint, naming it and both values */
  contradict: (flag: string, given: unknown, theirs: unknown) => never;
}

/** Two resolved configs fix the same bits (compared as the JSON they are stored as). */
export function sameResolved(a: ResolvedConfig, b: ResolvedConfig): boolean {
  return isDeepStrictEqual(JSON.parse(JSON.stringify(a)), JSON.parse(JSON.stringify(b)));
}

/** The option a user gave for the network, as they typed it. */
export function networkFlag(opts: TrainOptions): string {
  return opts.preset ? `--preset ${opts.preset}` : opts.config ? `--config ${opts.config}` : 'the network';
}

/**
 * Refuse, before anything is read or written, a new run into a directory holding another run's
 * checkpoint, or a save over a saved model (unless force).
 */
function refuseOverwrites(opts: TrainOptions): void {
  const dir = opts.checkpointDir;
  if (dir && !opts.resume && !opts.force && hasCheckpoint(dir)) {
    let what: string;
    let resumable = false;
    try {
      const ck = readCheckpoint(dir);
      what = describeCheckpoint(ck);
      resumable = !(ck.epoch === ck.epochs - 1 && ck.cursor >= ck.samplesPerEpoch);
    } catch (e) {
      what = `a checkpoint that cannot be resumed (${(e as Error).message})`;
    }
    const how = resumable ? `Resume it with: seedwire train --checkpoint ${dir} --resume; or pass --force` : 'Pass --force';
    throw new CheckpointError('checkpoint_exists', `${dir} holds the checkpoint of another run: ${what}. ${how} to start a new run over it, or choose another directory`);
  }
  if (opts.saveDir && !opts.force && hasModel(opts.saveDir)) throw new ModelError('model_exists', `${opts.saveDir} already holds a saved model; choose another --save directory or pass --force to replace it`);
}

/**
 * The settings of a run, checked before a device or a checkpoint is touched. A new run into a
 * directory holding another run's checkpoint is refused; a resumed run takes its settings from its
 * checkpoint, and an option that contradicts one is refused.
 */
export function runSettings(opts: TrainOptions): RunSettings {
  refuseOverwrites(opts);
  let ck: Checkpoint | undefined;
  if (opts.resume) {
    if (!opts.checkpointDir) throw new TrainError('bad_option', '--resume needs --checkpoint DIR');
    ck = readCheckpoint(opts.checkpointDir);
  }
  // a resumed run takes its settings from the checkpoint; an option that contradicts one is refused
  const contradict = (flag: string, given: unknown, theirs: unknown): never => {
    throw new CheckpointError('checkpoint_mismatch', `${flag} ${given} contradicts the checkpoint in ${opts.checkpointDir}, whose run has ${theirs}; leave ${flag.split(' ')[0]} out to resume with the checkpoint's setting, or start a new run with --force`);
  };
  if (ck) {
    if (opts.epochs !== undefined && opts.epochs !== ck.epochs) contradict('--epochs', opts.epochs, ck.epochs);
    if (opts.dataset !== undefined && opts.dataset !== ck.dataset) contradict('--dataset', opts.dataset, ck.dataset);
    if (opts.encoding !== undefined && opts.encoding !== ck.encoding) contradict('--encoding', opts.encoding, ck.encoding);
    if (opts.seed !== undefined && opts.seed !== ck.resolved.seed) contradict('--seed', opts.seed, ck.resolved.seed);
  }
  const given = opts.network ?? (opts.preset || opts.config || !ck ? loadConfigChoice(opts) : undefined);
  const cfg = given ?? structuredClone(ck!.config);
  if (opts.seed !== undefined) cfg.seed = opts.seed;
  if (ck && given && cfg.seed !== undefined && cfg.seed !== ck.resolved.seed) contradict(`${networkFlag(opts)} (seed)`, cfg.seed, ck.resolved.seed);
  // a network given with --resume must be the checkpoint's: compared on the roomiest profile, before
  // the data set is loaded (the device's own plan is checked once it answers)
  if (ck && given) {
    // with the checkpoint's lanes and seed pinned, the given network must plan to the checkpoint's
    const other = () => contradict(networkFlag(opts), `(${cfg.name ?? 'custom'}, ${cfg.layers.join('-')})`, `another network (${ck.resolved.name}, ${ck.resolved.layers.join('-')})`);
    checkStoredConfig(pinnedConfig(cfg, ck.resolved), JSON.parse(JSON.stringify(ck.resolved)), other);
  }
  const epochs = opts.epochs ?? ck?.epochs ?? 1;
  if (!Number.isInteger(epochs) || epochs < 1) throw new TrainError('bad_option', `--epochs must be a positive integer, got ${opts.epochs}`);
  const encoding: SampleEncoding = opts.encoding ?? (ck?.encoding as SampleEncoding | undefined) ?? 'u8';
  const datasetName = opts.dataset ?? ck?.dataset ?? 'mnist';
  const data = loadDatasetSpec(datasetName);
  try {
    checkShape(data.train, cfg.layers[0]);
    checkShape(data.test, cfg.layers[0]);
  } catch (e) {
    // the one built-in data set of 16 inputs: name it for the small networks that fit it
    if (e instanceof Error && cfg.layers[0] === 16) e.message += '; --dataset mnist-4x4 has 16 pixels per image';
    throw e;
  }
  const outputs = cfg.layers[cfg.layers.length - 1];
  if (data.train.classes > outputs) throw new TrainError('bad_option', `dataset ${datasetName} has ${data.train.classes} classes; the network has ${outputs} outputs`);
  const samplesPerEpoch = Math.min(opts.samples ?? ck?.samplesPerEpoch ?? data.train.count, data.train.count);
  if (!Number.isInteger(samplesPerEpoch) || samplesPerEpoch < 1) throw new TrainError('bad_option', `--samples must be a positive integer, got ${opts.samples}`);
  if (ck && samplesPerEpoch !== ck.samplesPerEpoch) contradict('--samples', opts.samples, ck.samplesPerEpoch);
  if (opts.samples !== undefined && opts.samples > data.train.count) opts.onNote?.(`--samples ${opts.samples} is more than the ${data.train.count} training samples of ${datasetName}: using ${data.train.count} per epoch`);

  return { ck, cfg, epochs, encoding, datasetName, data, samplesPerEpoch, contradict };
}
