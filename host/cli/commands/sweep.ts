import { MultiBar, Presets } from 'cli-progress';
import type { Command } from 'commander';
import type { RunResult } from '../../sweep/run.ts';
import { runSweep } from '../../sweep/sweep.ts';
import { exitWhenDone } from '../exit.ts';
import { table } from '../format.ts';
import { intOption } from '../options.ts';

interface SweepCliOptions {
  workers?: number;
  out?: string;
  json?: boolean;
  queue?: string;
  timeout: number;
}

export function registerSweep(program: Command): void {
  program
    .command('sweep')
    .argument('<file>', 'a sweep file (JSON): name, base, grid and/or list over config fields and run options')
    .description('run many training runs: on a local pool of processes, or on BullMQ workers (--queue)')
    .option('--workers <n>', 'local worker processes, each with its own emulator (default: the number of cores)', intOption)
    .option('--out <dir>', 'write runs/KEY.json, results.csv and report.html; finished runs found here are reused')
    .option('--json', 'print { "runs": [...] } as the last line of stdout')
    .option('--queue <url>', 'redis://[:PASSWORD@]HOST:PORT or rediss://... (TLS): enqueue on BullMQ; password also from SEEDWIRE_REDIS_PASSWORD')
    .option('--timeout <s>', 'with --queue: give up waiting for results after S seconds', intOption, 86_400)
    .action(
      exitWhenDone(async (file: string, o: SweepCliOptions) => {
        if (o.workers === 0) throw Object.assign(new Error('--workers must be at least 1'), { code: 'bad_option' });
        const tty = process.stderr.isTTY && !o.json;
        const bars = tty ? new MultiBar({ format: '{label} [{bar}] {value}/{total} {note}', hideCursor: true, clearOnComplete: false }, Presets.shades_classic) : undefined;
        const overall = bars?.create(1, 0, { label: 'runs', note: '' });
        const running = new Map<string, ReturnType<MultiBar['create']>>();
        let total = 0;
        let finished = 0;
        const names = new Map<string, string>();
        const line = (s: string) => {
          if (bars) bars.log(`${s}\n`);
          else process.stderr.write(`${s}\n`);
        };
        const done = (r: RunResult, how: string) => {
          finished++;
          running.get(r.key)?.stop();
          if (running.has(r.key)) bars?.remove(running.get(r.key)!);
          running.delete(r.key);
          overall?.update(finished, { note: '' });
          line(`[${finished}/${total}] ${r.name}: test accuracy ${r.testAccuracy.toFixed(4)}, ${r.seconds.toFixed(1)} s${r.resumed ? ', resumed from a checkpoint' : ''} (${how})`);
        };
        try {
          const report = await runSweep({
            file,
            workers: o.workers,
            out: o.out,
            queue: o.queue,
            password: process.env.SEEDWIRE_REDIS_PASSWORD || undefined,
            timeoutMs: o.timeout * 1000,
            onPlan: (runs, dup) => {
              total = runs.length;
              for (const r of runs) names.set(r.key, r.name);
              overall?.setTotal(total);
              line(`sweep: ${runs.length} runs${dup ? ` (${dup} repeated runs left out)` : ''}${o.queue ? ' on the queue' : ''}`);
            },
            onReused: (r) => done(r, 'reused'),
            onResult: (r) => done(r, r.worker),
            onFailure: (f) => {
              finished++;
              overall?.update(finished);
              line(`run ${f.name} (${f.key}) failed: ${f.message}`);
            },
            onProgress: (key, d, t) => {
              if (!bars) return;
              let b = running.get(key);
              if (!b) {
                b = bars.create(t, d, { label: (names.get(key) ?? key).slice(0, 24).padEnd(24), note: 'samples' });
                running.set(key, b);
              }
              b.update(d);
            },
            onIdle: (kinds) => line(`waiting: no worker is running ${kinds.join('/')} runs (start one: seedwire worker --queue URL)`),
          });
          bars?.stop();
          if (o.json) process.stdout.write(`${JSON.stringify({ sweep: report.sweep, seconds: report.seconds, reused: report.reused, runs: report.runs, failures: report.failures })}\n`);
          else {
            process.stdout.write(table(['run', 'key', 'density', 'test acc.', 'seconds', 'weights sha256'], report.runs.map((r) => [r.name, r.key, `${(r.density * 100).toFixed(1)}%`, r.testAccuracy.toFixed(4), r.seconds.toFixed(1), r.weightsSha256.slice(0, 16)])));
            process.stdout.write(`${report.runs.length} runs (${report.reused} reused) in ${report.seconds.toFixed(1)} s${report.files ? `; wrote ${report.files.csv} and ${report.files.html}` : ''}\n`);
          }
          if (report.failures.length) throw Object.assign(new Error(`${report.failures.length} of ${total} runs failed: ${report.failures.map((f) => f.name).join(', ')}`), { code: 'run_failed' });
        } finally {
          bars?.stop();
        }
      }),
    );
}
