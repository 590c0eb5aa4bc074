import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { inspect, type InspectReport } from '../../inspect/inspect.ts';
import { matrixMarket } from '../../inspect/export.ts';
import { action } from '../errors.ts';
import { table } from '../format.ts';

export function registerInspect(program: Command): void {
  program
    .command('inspect')
    .description('show how a network maps onto a device: lanes, clocks, memory, density, clash-freedom')
    .option('--preset <name>', 'a built-in network (mnist-fc, mnist-sparse-38, mnist-sparse-3, ...)')
    .option('--config <file>', 'a network config (JSON)')
    .option('--device <uri>', 'device to plan for', 'emu')
    .option('--json', 'print one JSON object')
    .option('--export <dir>', 'write each junction (initial weights) as a Matrix Market file DIR/junction-N.mtx; trained weights: seedwire export MODEL --format mtx')
    .action(
      action(async (opts: { preset?: string; config?: string; device: string; json?: boolean; export?: string }) => {
        const report = await inspect({ preset: opts.preset, config: opts.config, device: opts.device });
        if (opts.export) {
          mkdirSync(opts.export, { recursive: true });
          report.connectivity.forEach((c, i) => writeFileSync(join(opts.export!, `junction-${i + 1}.mtx`), matrixMarket(c)));
        }
        if (opts.json) process.stdout.write(`${JSON.stringify(summary(report))}\n`);
        else printReport(report);
      }),
    );
}

function summary(r: InspectReport) {
  const { connectivity: _c, ...rest } = r;
  return rest;
}

function printReport(r: InspectReport): void {
  const out = process.stdout;
  out.write(`${r.name} on ${r.device}: layers ${r.layers.join('-')}\n`);
  out.write(
    table(
      ['junction', 'p', 'n', 'fo', 'fi', 'W', 'density', 'z', 'clocks/cycle', 'weight words', 'clash-free'],
      r.junctions.map((j) => [j.index, j.p, j.n, j.fo, j.fi, j.edges, `${(100 * j.density).toFixed(2)}%`, j.z, j.clocksPerCycle, j.weightWords, j.clashFree ? 'yes' : `no (${j.stalls} stalls)`]),
    ),
  );
  out.write(`overall density ${(100 * r.density).toFixed(2)}%, ${(100 * r.parameterReduction).toFixed(1)}% fewer parameters than fully connected\n`);
  out.write(`lanes ${r.lanes}, junction cycle ${r.cycleClocks} clocks, weights ${r.weightWords} words, activations ${r.activationWords} words\n`);
  out.write(`clash-free: ${r.clashFree ? 'yes' : 'no'}\n`);
  const u = r.resolved.network.update;
  out.write(`update: ${u?.mode === 'essop' ? `essop (stochastic outer product, ${u.streamLength}-bit streams)` : `exact (${r.resolved.network.rounding} rounding)`}\n`);
}
