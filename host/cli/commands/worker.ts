import type { Command } from 'commander';
import { parseDeviceUri } from '../../device/uri.ts';
import type { DeviceKind } from '../../sweep/schema.ts';
import { exitWhenDone } from '../exit.ts';
import { intOption } from '../options.ts';

interface WorkerCliOptions {
  queue: string;
  device: string;
  dataDir: string[];
  outDir: string[];
  checkpointEvery: number;
  lockSeconds: number;
}

const collect = (v: string, all: string[]) => [...all, v];

export function registerWorker(program: Command): void {
  program
    .command('worker')
    .description('take sweep runs from a BullMQ queue and train them (runs asking for this device kind only)')
    .requiredOption('--queue <url>', 'redis://[:PASSWORD@]HOST:PORT or rediss://... (TLS); password also from SEEDWIRE_REDIS_PASSWORD')
    .option('--device <uri>', 'emu | serial:PATH?baud=N | pcie:PREFIX (a board takes only runs asking for its kind)', 'emu')
    .option('--data-dir <dir>', 'a directory idx: datasets may come from (repeatable; default none)', collect, [])
    .option('--out-dir <dir>', "a directory a run's runDir may lie in (repeatable; default none)", collect, [])
    .option('--checkpoint-every <n>', 'samples between checkpoints saved in the job (a killed run resumes from the last)', intOption, 500)
    .option('--lock-seconds <s>', "a run's lock; a killed worker's run is taken over within about 1.3 times this", intOption, 15)
    .action(
      exitWhenDone(async (o: WorkerCliOptions) => {
        const kind = parseDeviceUri(o.device).scheme as DeviceKind;
        // BullMQ loads only when this command runs (every other command starts without it)
        const { startWorker } = await import('../../sweep/worker.ts');
        const { queueName } = await import('../../sweep/connection.ts');
        const log = (s: string) => process.stdout.write(`${new Date().toISOString()} ${s}\n`);
        const worker = await startWorker({
          url: o.queue,
          password: process.env.SEEDWIRE_REDIS_PASSWORD || undefined,
          device: o.device,
          dataDirs: o.dataDir,
          outDirs: o.outDir,
          checkpointEvery: Math.max(1, o.checkpointEvery),
          lockMs: Math.max(2, o.lockSeconds) * 1000,
          onEvent: (e) => {
            if (e.type === 'active') log(`run ${e.key} ${e.name ?? ''}: started`);
            else if (e.type === 'completed') log(`run ${e.key} ${e.name ?? ''}: done, test accuracy ${e.result?.testAccuracy.toFixed(4)}, ${e.result?.seconds.toFixed(1)} s${e.result?.resumed ? ' (resumed)' : ''}`);
            else log(`run ${e.key} ${e.name ?? ''}: ${e.message}`);
          },
        });
        log(`worker ${worker.opts.name} takes runs from queue ${queueName(kind)} on device ${o.device}`);
        // first signal: finish the current run, then stop; second: stop now (the run is retaken elsewhere)
        await new Promise<void>((resolve) => {
          let stopping = false;
          const stop = () => {
            if (stopping) process.exit(130);
            stopping = true;
            log('stopping after the current run (signal again to stop now)');
            worker.close().then(resolve, resolve);
          };
          process.on('SIGINT', stop);
          process.on('SIGTERM', stop);
        });
      }),
    );
}
