import type { Command } from 'commander';
import { evaluateModel, type EvaluateReport } from '../../model/index.ts';
import { action } from '../errors.ts';
import { table } from '../format.ts';

export function registerEvaluate(program: Command): void {
  program
    .command('evaluate')
    .description('load a saved model (train --save DIR) onto a device and measure its test accuracy')
    .argument('<dir>', 'the directory given to train --save')
    .option('--device <uri>', 'emu | emu?profile=up5k | serial:PATH?baud=N | pcie:PREFIX', 'emu')
    .option('--dataset <d>', "'mnist', 'mnist-4x4' or 'idx:DIR' (default: the data set the model was trained on)")
    .option('--json', 'print one JSON object as the last line of stdout')
    .action(
      action(async (dir: string, o: { device: string; dataset?: string; json?: boolean }) => {
        const r = await evaluateModel(dir, { device: o.device, dataset: o.dataset });
        if (o.json) process.stdout.write(`${JSON.stringify(r)}\n`);
        else process.stdout.write(summary(r));
      }),
    );
}

function summary(r: EvaluateReport): string {
  const same = r.dataset === r.savedOn.dataset;
  const lines = [
    `${r.network} on ${r.dataset} (test split, ${r.testSamples} samples), ${r.device}`,
    `test accuracy ${r.testAccuracy.toFixed(4)} (${r.correct}/${r.testSamples})` +
      (same ? `; train reported ${r.savedTestAccuracy.toFixed(4)} on ${r.savedOn.device}` : `; trained on ${r.savedOn.dataset}`),
    'confusion matrix (rows: true class, columns: predicted class)',
  ];
  const k = r.confusion.length;
  const head = ['', ...Array.from({ length: k }, (_, i) => String(i))];
  const rows = r.confusion.map((row, i) => [String(i), ...row.map(String)]);
  return `${lines.join('\n')}\n${table(head, rows)}`;
}
