import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DeviceError } from '../../firmware-spec/errors.ts';
import { LinkError } from '../device/errors.ts';
import type { Capability, SampleEncoding } from '../../firmware-spec/capability.ts';
import { generateConnectivity } from '../../firmware-spec/connectivity.ts';
import { samplesInBuffer } from '../../firmware-spec/store.ts';
import { MaskSchedule, packMask, unpackMask } from '../../firmware-spec/masks.ts';
import { decodeWeights, encodeWeights, initialWeights } from '../../firmware-spec/network.ts';
import { ConfigError } from '../config/errors.ts';
import type { NetworkConfig } from '../config/schema.ts';
import { type Dataset, quantizeImages, bytesPerSample } from '../datasets/index.ts';
import type { BalanceReport, DeviceClient } from '../device/client-types.ts';
import { openDevice } from '../device/open.ts';
import { parseDeviceUri } from '../device/uri.ts';
import { plan, type Plan, type ResolvedConfig } from '../partition/partition.ts';
import { pinnedConfig } from '../model/format.ts';
import { saveModel } from '../model/model.ts';
import { cleanCheckpointDir, type Checkpoint, CheckpointError, CHECKPOINT_FILE, CHECKPOINT_FORMAT, describeCheckpoint, readCheckpoint, writeCheckpoint } from './checkpoint.ts';
import { networkFlag, runSettings, sameResolved } from './settings.ts';
import { epochOrder } from './order.ts';

export interface TrainOptions {
  preset?: string;
  config?: string;
  network?: NetworkConfig;
  /** a device URI (default 'emu') or an open client */
  device?: string | DeviceClient;
  epochs?: number;
  /** training samples per epoch (default: the whole training set) */
  samples?: number;
  /** 'mnist' (default) or 'idx:DIR' */
  dataset?: string;
  encoding?: SampleEncoding;
  /** run seed (overrides the config's) */
  seed?: number;
  /** directory for checkpoints */
  checkpointDir?: string;
  /** also checkpoint every N samples (rounded up to whole chunks) */
  checkpointEvery?: number;
  /**
   * continue from the checkpoint in checkpointDir; its settings (network, epochs, samples, data
   * set, encoding, seed) are the run's, and an option given here that contradicts one is refused
   */
  resume?: boolean;
  /** start a new run even though checkpointDir holds another run's checkpoint, or saveDir a model */
  force?: boolean;
  /** save the trained model here (model/model.ts saveModel); not when the run is interrupted */
  saveDir?: string;
  /** things a user should know that are not errors (e.g. --samples clamped to the training set) */
  onNote?: (message: string) => void;
  /** train the float reference beside the device */
  reference?: boolean;
  /** evaluate test accuracy after every epoch (default true); false: only after the last */
  evaluateEachEpoch?: boolean;
  onProgress?: (p: TrainProgress) => void;
  onEpoch?: (e: EpochReport) => void;
  /** abort (e.g. SIGINT): the trainer checkpoints at the next chunk boundary and stops */
  signal?: AbortSignal;
  /**
   * recoveries from a device reset allowed in one run (default 3): with checkpointDir, a device that
   * reboots mid-run gets the last checkpoint restored and the run carries on
   */
  retries?: number;
  /** one line per thing worth telling the user while the run goes on (recoveries); the CLI prints them on stderr */
  onNotice?: (line: string) => void;
}

export interface TrainProgress {
  epoch: number;
  epochs: number;
  done: number;
  total: number;
  runningAccuracy: number;
  samplesPerSec: number;
  linkSeconds: number;
  deviceSeconds: number;
}

export interface EpochReport {
  epoch: number;
  trainAccuracy: number;
  testAccuracy?: number;
  seconds: number;
}

export interface TrainReport {
  device: string;
  /** the device profile the figures come from (IDENTIFY's capability), and its timing model */
  deviceProfile: string;
  timingModel: string;
  preset: string;
  /** the data set spec trained on ('mnist' or 'idx:DIR') and its test-set size */
  dataset: string;
  testSamples: number;
  epochs: number;
  /** training samples per epoch */
  samples: number;
  samplesTrained: number;
  trainAccuracy: number;
  /**
   * INFER over the whole test split with the final weights (as `evaluate` measures it); NaN when
   * the run was interrupted mid-epoch (no figure for the weights it stopped with)
   */
  testAccuracy: number;
  /** where the model was saved (saveDir), if it was */
  savedTo?: string;
  referenceTestAccuracy?: number;
  referenceTrainAccuracy?: number;
  /** the float reference's tfjs backend, and a note on why that one (e.g. a fallback) */
  referenceBackend?: string;
  referenceBackendNote?: string;
  referenceSeconds?: number;
  /** training samples per second of wall time in this process (training only, not evaluation) */
  samplesPerSecond: number;
  weightsSha256: string;
  deviceCycles: number;
  deviceClocks: number;
  deviceSeconds: number;
  linkSeconds: number;
  /** protocol frame bytes (header, payload, CRC) both ways, retransmissions included: the same on every transport */
  wireBytes: number;
  encoding: SampleEncoding;
  bytesPerSample: number;
  seconds: number;
  resumed: boolean;
  /** device resets recovered from (the last checkpoint restored onto the rebooted device) */
  recoveries: number;
  interrupted: boolean;
  epochReports: EpochReport[];
  resolved: ResolvedConfig;
  /** the last on-device BALANCE report (runs with LFSR-pruned, magnitude or DropBack masks) */
  balance?: BalanceReport;
}

export class TrainError extends Error {
  readonly code: 'interrupted' | 'bad_option' | 'device_reset';
  constructor(code: TrainError['code'], message: string) {
    super(message);
    this.name = 'TrainError';
    this.code = code;
  }
}

/** sha256 of every junction's weights, canonical order and bytes (firmware-spec encodeWeights). */
export async function weightsSha256(dev: DeviceClient, resolved: ResolvedConfig): Promise<string> {
  return sha256Of(await readAllWeights(dev, resolved), resolved);
}

/** Every junction's weights as the device holds them, canonical order. */
async function readAllWeights(dev: DeviceClient, resolved: ResolvedConfig): Promise<Int32Array[]> {
  const out: Int32Array[] = [];
  for (const [i, j] of resolved.network.junctions.entries()) out.push(await dev.readWeights(i, 0, j.n * j.fi));
  return out;
}

function sha256Of(weights: Int32Array[], resolved: ResolvedConfig): string {
  const h = createHash('sha256');
  for (const w of weights) h.update(encodeWeights(w, resolved.network.formats.weight.bits));
  return h.digest('hex');
}

/** Recoveries from device resets allowed in one run when TrainOptions.retries is not given. */
export const DEFAULT_RESET_RETRIES = 3;

/** What one attempt learnt about its device, for the recovery logic. */
interface Session {
  uri?: string;
  profile?: string;
  bootCount?: number;
  /** the device was set up and training had begun (errors from here on may have lost work) */
  started: boolean;
}

/**
 * Train a network on a device: configure it, load seeds (connectivity and initial weights are made
 * on the device), stream samples double-buffered (chunk k+1 travels while the device trains chunk k),
 * TRAIN chunk by chunk (the pipeline fills and drains once per chunk, so results do not depend on
 * the link), evaluate with INFER, checkpoint at chunk boundaries, read the weights back.
 *
 * Failures of the device, in phases:
 * - a reset (the device lost the session, answers not_configured, or its bootCount changed): with a
 *   checkpoint directory and a device URI, the device is opened again, the last checkpoint (or, before
 *   the first, the start) is restored onto it and the run carries on, at most `retries` times;
 * - anything else (unplugged, hung, a reset without a checkpoint): the error, with what was kept.
 */
export async function train(opts: TrainOptions): Promise<TrainReport> {
  const started = performance.now();
  const retries = opts.retries ?? DEFAULT_RESET_RETRIES;
  if (!Number.isInteger(retries) || retries < 0) throw new TrainError('bad_option', `--retries must be a whole number, got ${opts.retries}`);
  const canRecover = typeof opts.device !== 'object' && !!opts.checkpointDir;
  let recoveries = 0;
  let resume = opts.resume;
  for (;;) {
    const session: Session = { started: false };
    try {
      const report = await trainOnce({ ...opts, resume }, session);
      report.resumed = !!opts.resume;
      report.recoveries = recoveries;
      report.seconds = (performance.now() - started) / 1000;
      return report;
    } catch (e) {
      if (!session.started || !(e instanceof LinkError || e instanceof DeviceError)) throw e;
      const reset = await wasReset(e, session, opts);
      if (reset && canRecover && recoveries < retries) {
        recoveries++;
        const dir = opts.checkpointDir!;
        const have = existsSync(join(dir, CHECKPOINT_FILE));
        opts.onNotice?.(`${session.uri}: the device was reset (${reset}); restoring ${have ? checkpointIn(dir) : 'the start of the run (no checkpoint yet)'} onto it and carrying on (recovery ${recoveries} of ${retries})`);
        resume = have;
        continue;
      }
      throw withKept(reset ? new TrainError('device_reset', `${session.uri}: the device was reset mid-run (${reset})${!opts.checkpointDir ? '; without --checkpoint DIR the run cannot be restored onto it' : typeof opts.device === 'object' ? '' : `; gave up after ${recoveries} recoveries (--retries ${retries})`}`) : e, opts);
    }
  }
}

/**
 * Whether a failed attempt's device was reset, and how that showed (undefined: it was not, as far as
 * can be told). A lost session or not_configured says so; after a timeout the device is asked once
 * (IDENTIFY within the handshake budget) whether its bootCount changed. A device that does not answer
 * that either is hung (or gone): the timeout's message says so.
 */
async function wasReset(e: LinkError | DeviceError, session: Session, opts: TrainOptions): Promise<string | undefined> {
  if (e instanceof DeviceError) return e.code === 'not_configured' || e.code === 'no_seeds' ? `it answered ${e.code}` : undefined;
  if (e.code === 'session_lost') return 'it lost the session';
  if (e.code !== 'timeout' && e.code !== 'crc') return undefined;
  if (typeof opts.device === 'object' || session.bootCount === undefined) return undefined;
  // an in-process emulator opened again is another device: there is nothing to ask
  if (parseDeviceUri(session.uri ?? opts.device ?? 'emu').scheme === 'emu') return undefined;
  let dev: Awaited<ReturnType<typeof openDevice>>;
  try {
    dev = await openDevice(session.uri ?? opts.device ?? 'emu');
  } catch (probe) {
    e.message += ` (asked again, the device did not answer IDENTIFY either: it is hung or gone${probe instanceof LinkError && probe.code !== 'timeout' ? `: ${probe.code}` : ''})`;
    return undefined;
  }
  try {
    const { bootCount } = await dev.identify();
    if (bootCount !== session.bootCount) return `boot count ${session.bootCount} -> ${bootCount}`;
    e.message += ' (asked again, the device answered IDENTIFY with the same boot count: the link, not the device, failed)';
    return undefined;
  } catch {
    return undefined;
  } finally {
    await dev.close();
  }
}

/** "the checkpoint in DIR (what run, where it stopped)", or just the directory when it cannot be read. */
function checkpointIn(dir: string): string {
  try {
    return `the checkpoint in ${dir} (${describeCheckpoint(readCheckpoint(dir))})`;
  } catch {
    return `the checkpoint in ${dir}`;
  }
}

/** Add to a failed run's error what it kept, so its one line tells the user what to do next. */
function withKept(e: Error, opts: TrainOptions): Error {
  let kept: string;
  if (!opts.checkpointDir) kept = 'nothing kept (no --checkpoint DIR)';
  else if (existsSync(join(opts.checkpointDir, CHECKPOINT_FILE))) kept = `kept ${checkpointIn(opts.checkpointDir)}: continue with --resume, on this or any device of the same profile`;
  else kept = `no checkpoint written yet in ${opts.checkpointDir}`;
  e.message = `${e.message}; ${kept}`;
  return e;
}

async function trainOnce(opts: TrainOptions, session: Session): Promise<TrainReport> {
  const started = performance.now();
  // everything that can fail on input is checked before the device or the checkpoint is touched
  const { ck, cfg, epochs, encoding, datasetName, data, samplesPerEpoch, contradict } = runSettings(opts);

  const ownsDevice = typeof opts.device !== 'object';
  const dev = typeof opts.device === 'object' ? opts.device : await openDevice(opts.device ?? 'emu');
  try {
    // openDevice's handshake already asked: no second IDENTIFY on the wire
    const { capability, bootCount } = dev.identity ?? (await dev.identify());
    session.uri = dev.uri;
    session.profile = capability.profile;
    session.bootCount = bootCount;
    // a resumed run keeps the checkpoint's lanes and seed: its network plans to the same bits here
    let p: Plan;
    try {
      p = plan(ck ? pinnedConfig(cfg, ck.resolved) : cfg, capability, dev.uri);
    } catch (e) {
      if (ck && e instanceof ConfigError) throw new CheckpointError('checkpoint_mismatch', `the run in ${opts.checkpointDir} does not fit ${dev.uri}: ${e.problems.map((q) => `${q.path}: ${q.message}`).join('; ')}`);
      throw e;
    }
    const resolved = p.resolved;
    if (ck && !sameResolved(resolved, ck.resolved)) {
      contradict(networkFlag(opts), `(${resolved.name}, ${resolved.layers.join('-')})`, `another network (${ck.resolved.name}, ${ck.resolved.layers.join('-')})`);
    }
    if (!capability.encodings.includes(encoding)) throw new TrainError('bad_option', `${dev.uri} cannot decode encoding '${encoding}' (it declares ${capability.encodings.join(', ')})`);
    // junctions whose mask changes during training (magnitude, DropBack): their masks go in checkpoints
    const dynamicMask = resolved.sparsity.map((sp) => sp.kind === 'magnitude' || sp.kind === 'dropback');
    const savedMasks = ck && dynamicMask.some(Boolean) ? checkpointMasks(ck, resolved, opts.checkpointDir!, dynamicMask) : undefined;
    if (opts.checkpointDir) cleanCheckpointDir(opts.checkpointDir);

    session.started = true;
    await dev.reset();
    await dev.configure(resolved.network);
    const net = resolved.network;
    await dev.loadSeeds({
      connectivity: net.junctions.map((j) => j.connectivitySeed),
      init: net.junctions.map((j) => j.initSeed),
      feedback: net.feedbackSeed,
      rounding: ck ? ck.roundingState : net.roundingSeed,
    });
    const totals = ck ? { ...ck.totals } : { correct: 0, trained: 0, deviceCycles: 0, deviceClocks: 0, wireBytes: 0, epochCorrect: 0, epochTrained: 0 };
    if (ck) {
      for (const [i, b64] of ck.weights.entries()) await dev.writeWeights(i, 0, decodeWeights(Buffer.from(b64, 'base64'), net.formats.weight.bits));
    }
    // dynamic masks (magnitude, DropBack) step on the device between TRAINs; BALANCE follows every
    // mask change, and runs once up front for any irregular pattern (firmware-spec/masks.ts, balance.ts)
    const sparseDev: DeviceClient = dev;
    const masks = new MaskSchedule(resolved.sparsity, net.junctions.map((j) => j.n * j.fi), epochs * samplesPerEpoch);
    if (masks.active && !sparseDev.maskStep) throw new TrainError('bad_option', `${dev.uri} cannot run magnitude or DropBack masks: its link has no MASK_STEP command`);
    if (masks.active && opts.checkpointDir && !sparseDev.readMask) throw new TrainError('bad_option', `${dev.uri} cannot checkpoint magnitude or DropBack masks: its link has no READ_MASK command`);
    if (savedMasks) {
      // resume: the masks go on after the weights (liveness depends on them); each leaves the device
      // as the MASK_STEP that made it did, then BALANCE below schedules the live edges as after a step
      if (!sparseDev.writeMask) throw new TrainError('bad_option', `${dev.uri} cannot resume magnitude or DropBack masks: its link has no WRITE_MASK command`);
      for (const [i, m] of savedMasks.entries()) if (m) await sparseDev.writeMask(i, 0, m);
      // the schedule's step counters as the interrupted run left them: every step up to here was taken
      // (steps run before a checkpoint is written) and is in the masks and weights
      masks.due(totals.trained);
    }
    const wantsBalance = capability.features.loadBalancer && resolved.balancing !== 'none' && resolved.sparsity.some((sp) => sp.kind !== 'clash-free' && sp.kind !== 'dense');
    let lastBalance: BalanceReport | undefined;
    const rebalance = async () => {
      if (wantsBalance && sparseDev.balance) lastBalance = await sparseDev.balance(resolved.balancing);
    };
    await rebalance();

    const trainSet: Dataset = { ...data.train, images: quantizeImages(data.train.images, encoding) };
    const testSet: Dataset = { ...data.test, images: quantizeImages(data.test.images, encoding) };
    const px = trainSet.pixels;
    const chunk = resolved.chunk;
    const clockHz = capability.clockHz;
    const linkAtStart = dev.linkStats();
    // wireBytes: protocol frame bytes both ways (LinkStats.frameBytes*), the same on every transport
    // for the same run; SLIP's END and escape bytes are the line's own and stay out
    const wireAtStart = linkAtStart.commandBytesIn + linkAtStart.commandBytesOut;
    let interrupted = false;
    /** stopped inside an epoch: no test figure belongs to the weights it stopped with */
    let stoppedMidEpoch = false;
    const epochReports: EpochReport[] = [];
    let lastCheckpointAt = totals.trained;

    const saveCheckpoint = async (epoch: number, cursor: number) => {
      if (!opts.checkpointDir) return;
      const st = await dev.status();
      // a device that rebooted since this session began holds nothing of the run: never checkpoint that
      if (st.bootCount !== bootCount) throw new LinkError('session_lost', dev.uri, `the device rebooted (boot count ${bootCount} -> ${st.bootCount})`);
      const weights: string[] = [];
      for (const [i, j] of net.junctions.entries()) weights.push(encodeWeights(await dev.readWeights(i, 0, j.n * j.fi), net.formats.weight.bits).toString('base64'));
      let savedMasks: Array<string | null> | undefined;
      if (masks.active) {
        savedMasks = [];
        for (const [i, j] of net.junctions.entries()) savedMasks.push(dynamicMask[i] ? Buffer.from(packMask(await sparseDev.readMask!(i, 0, j.n * j.fi))).toString('base64') : null);
      }
      const link = dev.linkStats();
      writeCheckpoint(opts.checkpointDir, {
        format: CHECKPOINT_FORMAT,
        config: pinnedConfig(cfg, resolved),
        resolved,
        dataset: datasetName,
        encoding,
        epochs,
        samplesPerEpoch,
        epoch,
        cursor,
        roundingState: st.roundingState,
        weights,
        ...(savedMasks ? { masks: savedMasks } : {}),
        totals: { ...totals, wireBytes: totals.wireBytes + link.commandBytesIn + link.commandBytesOut - wireAtStart },
      });
      lastCheckpointAt = totals.trained;
    };

    const streamChunk = (order: Int32Array, from: number, to: number) => {
      const n = to - from;
      // the chunk's images in epoch order as views into the data set: the client copies each once, into its frame
      const images: Uint8Array[] = new Array(n);
      const labels = new Uint8Array(n);
      for (let i = 0; i < n; i++) {
        const s = order[from + i];
        images[i] = trainSet.images.subarray(s * px, (s + 1) * px);
        labels[i] = trainSet.labels[s];
      }
      const sent = dev.streamSamples(encoding, images, labels);
      // the chunk is prefetched: if the run stops before awaiting it (the link died while the device
      // trained the previous chunk), its rejection is expected, not unhandled
      sent.catch(() => {});
      return sent;
    };

    const startEpoch = ck ? ck.epoch : 0;
    let cursor = ck ? ck.cursor : 0;
    // a checkpoint taken at an epoch's end has cursor == samplesPerEpoch: move to the next epoch
    let epoch = startEpoch;
    if (cursor >= samplesPerEpoch) {
      epoch++;
      cursor = 0;
    }
    const t0 = performance.now();
    let trainedThisRun = 0;
    let trainingMs = 0;
    /** time spent measuring test accuracy between epochs: not training, so not in samples/s */
    let evaluationMs = 0;
    for (; epoch < epochs && !interrupted; epoch++) {
      const epochStarted = performance.now();
      const order = epochOrder(trainSet.count, resolved.seed, epoch).subarray(0, samplesPerEpoch);
      if (cursor === 0) {
        totals.epochCorrect = 0;
        totals.epochTrained = 0;
      }
      let pending: Promise<unknown> | undefined = cursor < samplesPerEpoch ? streamChunk(order, cursor, Math.min(cursor + chunk, samplesPerEpoch)) : undefined;
      while (cursor < samplesPerEpoch) {
        const end = Math.min(cursor + chunk, samplesPerEpoch);
        await pending;
        const trained = dev.train(end - cursor);
        pending = end < samplesPerEpoch ? streamChunk(order, end, Math.min(end + chunk, samplesPerEpoch)) : undefined;
        const r = await trained;
        totals.correct += r.correct;
        totals.epochCorrect += r.correct;
        totals.trained += r.samples;
        totals.epochTrained += r.samples;
        totals.deviceCycles += r.junctionCycles;
        totals.deviceClocks += r.clocks;
        trainedThisRun += r.samples;
        trainingMs = performance.now() - t0 - evaluationMs;
        cursor = end;
        for (const step of masks.due(totals.trained)) {
          await sparseDev.maskStep!(step);
          await rebalance();
        }
        const link = dev.linkStats();
        opts.onProgress?.({
          epoch: epoch + 1,
          epochs,
          done: cursor,
          total: samplesPerEpoch,
          runningAccuracy: totals.epochCorrect / totals.epochTrained,
          samplesPerSec: trainedThisRun / ((performance.now() - t0) / 1000),
          linkSeconds: link.linkSeconds - linkAtStart.linkSeconds,
          deviceSeconds: totals.deviceClocks / clockHz,
        });
        const stop = opts.signal?.aborted ?? false;
        const due = opts.checkpointEvery !== undefined && totals.trained - lastCheckpointAt >= opts.checkpointEvery;
        if ((stop || due) && cursor < samplesPerEpoch) {
          // the next chunk may already sit in the device's buffer: the checkpoint records the
          // cursor of the next sample to TRAIN, and a resume streams from there
          await pending;
          await saveCheckpoint(epoch, cursor);
          if (stop) {
            interrupted = true;
            stoppedMidEpoch = true;
            break;
          }
        }
      }
      await pending;
      if (interrupted) break;
      const report: EpochReport = { epoch: epoch + 1, trainAccuracy: totals.epochCorrect / Math.max(1, totals.epochTrained), seconds: (performance.now() - epochStarted) / 1000 };
      const evalStarted = performance.now();
      if (opts.evaluateEachEpoch !== false || epoch === epochs - 1) report.testAccuracy = await evaluate(dev, testSet, evaluationChunk(resolved, capability), encoding);
      evaluationMs += performance.now() - evalStarted;
      epochReports.push(report);
      opts.onEpoch?.(report);
      cursor = samplesPerEpoch;
      await saveCheckpoint(epoch, cursor);
      cursor = 0;
      if (opts.signal?.aborted) interrupted = epoch < epochs - 1;
    }

    // the test figure is of the weights the run ends with: the last epoch's, measured on them, or a
    // fresh INFER pass when the last epoch report has none; none when stopped mid-epoch
    const lastReport = epochReports.at(-1);
    const testAccuracy = stoppedMidEpoch ? Number.NaN : (lastReport?.testAccuracy ?? (await evaluate(dev, testSet, evaluationChunk(resolved, capability), encoding)));
    const finalWeights = await readAllWeights(dev, resolved);
    const sha = sha256Of(finalWeights, resolved);
    let savedTo: string | undefined;
    if (opts.saveDir && !interrupted) {
      let finalMasks: Array<Uint8Array | null> | undefined;
      if (masks.active && sparseDev.readMask) {
        finalMasks = [];
        for (const [i, j] of net.junctions.entries()) finalMasks.push(dynamicMask[i] ? await sparseDev.readMask(i, 0, j.n * j.fi) : null);
      }
      saveModel(
        opts.saveDir,
        {
          config: cfg,
          resolved,
          dataset: datasetName,
          encoding,
          training: { device: dev.uri, epochs, samplesPerEpoch, samplesTrained: totals.trained },
          accuracy: { train: totals.epochCorrect / Math.max(1, totals.epochTrained), test: testAccuracy, testSamples: testSet.count },
          weights: finalWeights,
          ...(finalMasks ? { masks: finalMasks } : {}),
          weightsSha256: sha,
        },
        { force: opts.force },
      );
      savedTo = opts.saveDir;
    }
    const link = dev.linkStats();
    const report: TrainReport = {
      device: dev.uri,
      deviceProfile: capability.profile,
      timingModel: capability.timing,
      preset: resolved.name,
      dataset: datasetName,
      testSamples: testSet.count,
      samplesPerSecond: trainingMs > 0 ? trainedThisRun / (trainingMs / 1000) : 0,
      ...(savedTo ? { savedTo } : {}),
      epochs,
      samples: samplesPerEpoch,
      samplesTrained: totals.trained,
      trainAccuracy: totals.epochCorrect / Math.max(1, totals.epochTrained),
      testAccuracy,
      weightsSha256: sha,
      deviceCycles: totals.deviceCycles,
      deviceClocks: totals.deviceClocks,
      deviceSeconds: totals.deviceClocks / clockHz,
      linkSeconds: link.linkSeconds - linkAtStart.linkSeconds,
      wireBytes: totals.wireBytes + link.commandBytesIn + link.commandBytesOut - wireAtStart,
      encoding,
      bytesPerSample: bytesPerSample(encoding, px, trainSet.images.subarray(0, Math.min(trainSet.count, 500) * px)),
      seconds: 0,
      resumed: !!ck,
      recoveries: 0,
      interrupted,
      epochReports,
      resolved,
      ...(lastBalance ? { balance: lastBalance } : {}),
    };
    if (opts.reference && !interrupted) {
      const ref = await referenceRun(resolved, trainSet, testSet, epochs, samplesPerEpoch);
      report.referenceTestAccuracy = ref.testAccuracy;
      report.referenceTrainAccuracy = ref.trainAccuracy;
      report.referenceBackend = ref.backend;
      report.referenceBackendNote = ref.backendNote;
      report.referenceSeconds = ref.seconds;
    }
    report.seconds = (performance.now() - started) / 1000;
    return report;
  } finally {
    if (ownsDevice) await dev.close();
  }
}

/**
 * The masks a checkpoint of a run with changing masks holds, unpacked (undefined for a junction whose
 * mask never changes). A checkpoint without them (written before masks were saved) is refused.
 */
function checkpointMasks(ck: Checkpoint, resolved: ResolvedConfig, dir: string, dynamic: boolean[]): Array<Uint8Array | undefined> {
  const junctions = resolved.network.junctions;
  if (!ck.masks) throw new CheckpointError('checkpoint_mismatch', `the checkpoint in ${dir} holds no masks (written by an older seedwire); a run with magnitude or DropBack masks cannot resume from it: start it again without --resume`);
  if (ck.masks.length !== junctions.length) throw new CheckpointError('checkpoint_corrupt', `the checkpoint in ${dir} holds ${ck.masks.length} masks for ${junctions.length} junctions`);
  return junctions.map((j, i) => {
    const b64 = ck.masks![i];
    if (!dynamic[i]) {
      if (b64 !== null) throw new CheckpointError('checkpoint_corrupt', `the checkpoint in ${dir} holds a mask for junction ${i + 1}, whose mask never changes`);
      return undefined;
    }
    if (b64 === null) throw new CheckpointError('checkpoint_corrupt', `the checkpoint in ${dir} holds no mask for junction ${i + 1}`);
    try {
      return unpackMask(Buffer.from(b64, 'base64'), j.n * j.fi);
    } catch (e) {
      throw new CheckpointError('checkpoint_corrupt', `the checkpoint in ${dir}: junction ${i + 1}'s mask: ${(e as Error).message}`);
    }
  });
}

/** Samples per INFER when measuring test accuracy (train and `seedwire evaluate` use the same). */
export function evaluationChunk(resolved: ResolvedConfig, capability: Capability): number {
  // evaluation streams and infers one batch at a time: up to 4 chunks, as many as the buffer holds
  return Math.max(1, Math.min(resolved.chunk * 4, samplesInBuffer(capability.sampleBufferBytes, resolved.layers[0])));
}

/** Test accuracy with inference-only runs on the device, streamed in chunks. */
export async function evaluate(dev: DeviceClient, test: Dataset, chunk: number, encoding: SampleEncoding): Promise<number> {
  return (await inferAll(dev, test, chunk, encoding)).accuracy;
}

/**
 * INFER over a whole data set on the device, streamed in chunks: the device's prediction for every
 * sample and the accuracy (correct / count). The one path every test figure comes from.
 */
export async function inferAll(dev: DeviceClient, test: Dataset, chunk: number, encoding: SampleEncoding): Promise<{ accuracy: number; correct: number; predictions: Uint8Array }> {
  let correct = 0;
  const px = test.pixels;
  const predictions = new Uint8Array(test.count);
  for (let from = 0; from < test.count; from += chunk) {
    const to = Math.min(from + chunk, test.count);
    await dev.streamSamples(encoding, test.images.subarray(from * px, to * px), test.labels.subarray(from, to));
    const r = await dev.infer(to - from);
    correct += r.correct;
    predictions.set(r.predictions.subarray(0, to - from), from);
  }
  return { accuracy: correct / test.count, correct, predictions };
}

/** The float reference on the same masks, initial weights, sample order and learning rate. */
async function referenceRun(resolved: ResolvedConfig, trainSet: Dataset, testSet: Dataset, epochs: number, samplesPerEpoch: number) {
  const { trainFloatReference } = await import('../reference/index.ts');
  const net = resolved.network;
  const scale = 2 ** -net.formats.weight.frac;
  const junctions = net.junctions.map((j) => {
    const left = generateConnectivity(j, { kind: j.connectivity, startVectorMode: j.startVectorMode, seed: j.connectivitySeed, startVectors: j.startVectors });
    const w0 = initialWeights(left.length, net.formats.weight.bits, j.initShift, j.initSeed);
    return { p: j.p, n: j.n, fi: j.fi, leftOfWeight: left, initialWeights: Float32Array.from(w0, (v) => v * scale) };
  });
  const order = Array.from({ length: epochs }, (_, e) => epochOrder(trainSet.count, resolved.seed, e).slice(0, samplesPerEpoch));
  return trainFloatReference({ layers: resolved.layers, junctions, lr: 2 ** -net.lrShift, epochs, train: trainSet, test: testSet, order });
}
