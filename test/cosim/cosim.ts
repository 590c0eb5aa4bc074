import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { REPO } from '../helpers/cli.ts';

/** Why the co-simulation cannot run here, or undefined when it can (Debian `verilator` installed). */
export function cosimUnavailable(): string | undefined {
  const r = spawnSync('verilator', ['--version'], { encoding: 'utf8', timeout: 30_000 });
  return r.status === 0 ? undefined : 'verilator is not installed (Debian: apt-get install verilator)';
}

export interface RunningCosim {
  /** the pty the harness made (/dev/pts/N) */
  path: string;
  /** SIGTERM, then the harness's statistics line (JSON) */
  stop(): Promise<{ clocks: number; clocksPerSecond: number } | undefined>;
}

/** Why the soft-CPU top cannot be co-simulated here (its firmware needs the RISC-V compiler), or undefined. */
export function cpuCosimUnavailable(): string | undefined {
  const r = spawnSync('riscv64-unknown-elf-gcc', ['--version'], { encoding: 'utf8', timeout: 30_000 });
  return cosimUnavailable() ?? (r.status === 0 ? undefined : 'riscv64-unknown-elf-gcc is not installed (Debian: apt-get install gcc-riscv64-unknown-elf)');
}

/**
 * `seedwire cosim --pty`, started in its own process group; resolves once it printed its pty.
 * `rtlEndpoint`: the top with the protocol endpoint in RTL (`--rtl-endpoint`) instead of the board's.
 */
export function startCosim(timeoutMs = 240_000, rtlEndpoint = false): Promise<RunningCosim> {
  const variant = rtlEndpoint ? ['--rtl-endpoint'] : [];
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'host/cli/main.ts', 'cosim', '--pty', ...variant], { cwd: REPO, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(-child.pid!, 'SIGTERM');
      } catch {
        /* already gone */
      }
      const t = setTimeout(() => child.exitCode === null && process.kill(-child.pid!, 'SIGKILL'), 10_000);
      await exited;
      clearTimeout(t);
    }
    const line = err.split('\n').find((l) => l.startsWith('{"cosim"'));
    return line ? (JSON.parse(line).cosim as { clocks: number; clocksPerSecond: number }) : undefined;
  };
  child.stderr!.on('data', (d) => (err += d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`seedwire cosim --pty printed no pty within ${timeoutMs} ms: ${err.slice(-500)}`));
    }, timeoutMs);
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /^(\/dev\/pts\/\d+)\n/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ path: m[1], stop });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`seedwire cosim --pty exited with ${code}: ${err.slice(-1000)}`));
    });
  });
}
