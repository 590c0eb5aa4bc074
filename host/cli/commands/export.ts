import type { Command } from 'commander';
import { EXPORT_FORMATS, type ExportFormat, exportModel, loadModel } from '../../model/index.ts';
import { action } from '../errors.ts';

export function registerExport(program: Command): void {
  program
    .command('export')
    .description('write a saved model for other tools: a tfjs LayersModel or Matrix Market files')
    .argument('<dir>', 'the directory given to train --save')
    .requiredOption('--format <f>', `${EXPORT_FORMATS.join(' | ')}`)
    .requiredOption('--out <dir>', 'directory to write into')
    .action(
      action(async (dir: string, o: { format: string; out: string }) => {
        if (!(EXPORT_FORMATS as readonly string[]).includes(o.format)) throw Object.assign(new Error(`--format must be one of ${EXPORT_FORMATS.join(', ')}, got '${o.format}'`), { code: 'bad_option' });
        const model = loadModel(dir);
        const r = await exportModel(model, o.format as ExportFormat, o.out);
        process.stdout.write(`wrote ${r.files.join(', ')} in ${o.out}\n`);
        if (o.format === 'tfjs') process.stdout.write('input: pixels as float32 byte / 255, flattened row-major\n');
        // the device saw quantized pixels in other encodings; the tfjs model takes full bytes
        if (o.format === 'tfjs' && model.encoding !== 'u8') process.stderr.write(`note: the model was trained on pixels sent as ${model.encoding}; quantize inputs the same way for the device's accuracy\n`);
      }),
    );
}
