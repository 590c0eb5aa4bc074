import type { Command } from 'commander';
import { SAMPLE_ENCODINGS, type SampleEncoding } from '../../../firmware-spec/capability.ts';
import { buildReportHtml, buildTrace, buildVcd, checkProfileOptions, checkWritable, ProfileError, profileJson, profileTable, runProfile, writeOutput } from '../../profile/index.ts';
import { action } from '../errors.ts';
import { intOption } from '../options.ts';

interface ProfileCliOptions {
  preset?: string;
  config?: string;
  device?: string;
  samples: number;
  epochs: number;
  encoding: string;
  energyTable?: string;
  linkRate?: string;
  json?: boolean;
  trace?: string;
  traceCycles: number;
  report?: string;
  vcd?: string;
  vcdCycles: number;
  baselines: boolean;
}

/**
 * `seedwire profile`: train N samples on a device with cleared counters, then say where the time and
 * the energy went (per junction and phase, per sample and per epoch), what bounds the run, and what
 * each idea buys against its baseline. Everything that can be refused is checked before training.
 */
export function registerProfile(program: Command): void {
  program
    .command('profile')
    .description('latency and energy profile of a training session, against dense, CSR, unpipelined, backprop/DFA and rounding baselines')
    .option('--preset <name>', 'a built-in network, e.g. mnist-sparse-38')
    .option('--config <file>', 'a network config (JSON)')
    .option('--device <uri>', 'emu | emu?profile=up5k | serial:PATH?baud=N | pcie:PREFIX (default: emu, and the first line says so)')
    .option('--samples <n>', 'training samples per epoch', intOption, 1000)
    .option('--epochs <n>', 'passes over the samples', intOption, 1)
    .option('--encoding <e>', `sample encoding on the wire: ${SAMPLE_ENCODINGS.join(', ')}`, 'u8')
    .option('--energy-table <file>', 'energy per operation (JSON; default: the device profile table, host/profile/energy-45nm.json for emu (Horowitz ISSCC 2014, 45 nm), energy-up5k.json for up5k (iCE40UP5K measurements))')
    .option('--link-rate <rate>', 'uart:BAUD (10 bits per byte) or pcie:BYTES_PER_S, e.g. uart:3000000, pcie:4e9 (default: from --device)')
    .option('--json', 'print one JSON object as the last line of stdout')
    .option('--trace <file>', 'write a Chrome/Perfetto trace (trace-event JSON)')
    .option('--trace-cycles <n>', 'junction cycles traced in detail', intOption, 64)
    .option('--report <file>', 'write a self-contained HTML report')
    .option('--vcd <file>', 'write a VCD waveform of lane activity (GTKWave)')
    .option('--vcd-cycles <n>', 'junction cycles in the VCD', intOption, 3)
    .option('--no-baselines', 'skip the baselines (dense, DFA/backprop and rounding runs)')
    .action(
      action(async (o: ProfileCliOptions) => {
        if (!(SAMPLE_ENCODINGS as readonly string[]).includes(o.encoding)) throw new ProfileError('bad_option', `--encoding must be one of ${SAMPLE_ENCODINGS.join(', ')}, got '${o.encoding}'`);
        const opts = { preset: o.preset, config: o.config, device: o.device, samples: o.samples, epochs: o.epochs, energyTable: o.energyTable, linkRate: o.linkRate, encoding: o.encoding as SampleEncoding, traceCycles: Math.max(1, o.traceCycles), baselines: o.baselines };
        // refuse bad input before any training or writing
        checkProfileOptions(opts);
        checkWritable('--trace', o.trace);
        checkWritable('--report', o.report);
        checkWritable('--vcd', o.vcd);
        const run = await runProfile(opts);
        if (o.trace) writeOutput('--trace', o.trace, JSON.stringify(buildTrace(run)));
        if (o.report) writeOutput('--report', o.report, buildReportHtml(run));
        if (o.vcd) writeOutput('--vcd', o.vcd, buildVcd(run, Math.max(1, o.vcdCycles)));
        if (o.json) process.stdout.write(`${JSON.stringify(profileJson(run, { trace: o.trace, report: o.report, vcd: o.vcd }))}\n`);
        else {
          process.stdout.write(profileTable(run));
          for (const [k, f] of [['trace', o.trace], ['report', o.report], ['vcd', o.vcd]] as const) if (f) process.stdout.write(`${k}: ${f}\n`);
        }
      }),
    );
}
