import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * Start `seedwire emulator serve ARGS` as a child process in its own process group (tests, benchmarks)
 * and wait for the first line of its stdout: the path a host opens. stop() sends SIGTERM to the group,
 * waits for the exit (SIGKILL after `killAfterMs`), and returns the server's closing statistics line.
 */
export interface SpawnedServer {
  readonly path: string;
  readonly child: ChildProcess;
  /** stderr so far */
  stderr(): string;
  stop(): Promise<{ stats?: Record<string, unknown>; code: number | null; signal: NodeJS.Signals | null }>;
}

// this CLI's entry, started by its file path
const CLI = fileURLToPath(new URL('./main.ts', import.meta.url));

export async function spawnServer(args: string[], opts: { startMs?: number; killAfterMs?: number } = {}): Promise<SpawnedServer> {
  // node --import tsx: the same as `npx tsx`, without npx's start-up
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'emulator', 'serve', ...args], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  let out = '';
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (err += s));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const path = await new Promise<string>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`emulator serve ${args.join(' ')}: no path on stdout within ${opts.startMs ?? 30_000} ms; stderr: ${err}`)), opts.startMs ?? 30_000);
    child.stdout!.setEncoding('utf8').on('data', (s: string) => {
      out += s;
      const nl = out.indexOf('\n');
      if (nl >= 0) {
        clearTimeout(t);
        resolve(out.slice(0, nl).trim());
      }
    });
    void exited.then(({ code }) => {
      clearTimeout(t);
      reject(new Error(`emulator serve ${args.join(' ')} exited (${code}) before printing a path; stderr: ${err}`));
    });
  });
  const killGroup = (sig: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, sig);
    } catch {
      // the group is gone
    }
  };
  return {
    path,
    child,
    stderr: () => err,
    stop: async () => {
      killGroup('SIGTERM');
      const t = setTimeout(() => killGroup('SIGKILL'), opts.killAfterMs ?? 5_000);
      const r = await exited;
      clearTimeout(t);
      const line = err.split('\n').find((l) => l.startsWith('{"stats"'));
      return { ...r, stats: line ? (JSON.parse(line).stats as Record<string, unknown>) : undefined };
    },
  };
}
