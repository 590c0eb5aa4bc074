import { Command } from 'commander';
import { benchEmulatorVsTfjs } from './emulator-vs-tfjs.ts';

/**
 * `npm run bench -- [NAME] [--json]`: benchmarks, not tests. Each prints a JSON object (one line,
 * the last of stdout) with --json, or a short table without.
 *   (none)   the emulator against tfjs training, side by side
 *   balance  the on-device load balancer against the naive lane schedule
 *   link     bulk weight writes over a pty at a real UART rate (--faults SPEC: and through a lossy link)
 */
const program = new Command('bench')
  .argument('[name]', 'emulator (default), balance, link', 'emulator')
  .option('--json', 'print one JSON object')
  .option('--rounds <n>', 'measurement rounds', (v) => Number.parseInt(v, 10))
  .option('--faults <spec>', 'link: also run through these faults (drop=P,flip=P,dup=P,delay=MS) and report goodputFraction')
  .action(async (name: string, opts: { json?: boolean; rounds?: number; faults?: string }) => {
    let result: object;
    if (name === 'emulator') result = await benchEmulatorVsTfjs({ rounds: opts.rounds });
    else if (name === 'balance') result = await (await import('./balance.ts')).benchBalance();
    else if (name === 'link') result = await (await import('./link.ts')).benchLink({ faults: opts.faults });
    else throw new Error(`unknown benchmark '${name}' (have: emulator, balance, link)`);
    if (opts.json) process.stdout.write(`${JSON.stringify(result)}\n`);
    else for (const [k, v] of Object.entries(result)) process.stdout.write(`${k.padEnd(24)} ${typeof v === 'object' ? JSON.stringify(v) : v}\n`);
  });

await program.parseAsync(process.argv);
