import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The repository root, for running the CLI as a user would. */
export const REPO = fileURLToPath(new URL('../..', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run `seedwire ARGS` (through tsx) to completion. */
export function runCli(args: string[], opts: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): CliResult {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'host/cli/main.ts', ...args], {
    cwd: REPO,
    encoding: 'utf8',
    timeout: opts.timeoutMs ?? 120_000,
    env: { ...process.env, ...opts.env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Run the CLI asynchronously (so a test can do other work meanwhile). */
export function runCliAsync(args: string[], opts: { timeoutMs?: number } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'host/cli/main.ts', ...args], { cwd: REPO });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** The last line of stdout that parses as a JSON object. */
export function lastJson(stdout: string): Record<string, unknown> {
  const lines = stdout.trim().split('\n').filter((l) => l.trim().startsWith('{'));
  if (!lines.length) throw new Error(`no JSON line in output:\n${stdout.slice(0, 2000)}`);
  return JSON.parse(lines[lines.length - 1]);
}

/** Start `seedwire ARGS` in its own process group; SIGKILL the group once a checkpoint exists in `ck`. */
export function killAfterFirstCheckpoint(cliArgs: string[], ck: string): Promise<'killed' | 'finished'> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'host/cli/main.ts', ...cliArgs], { cwd: REPO, detached: true });
  return new Promise((resolve) => {
    const poll = setInterval(() => {
      if (existsSync(join(ck, 'checkpoint.json'))) {
        clearInterval(poll);
        process.kill(-child.pid!, 'SIGKILL');
        resolve('killed');
      }
    }, 5);
    child.on('close', () => {
      clearInterval(poll);
      resolve('finished');
    });
  });
}
