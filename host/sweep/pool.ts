import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { FromChild, ToChild } from './pool-child.ts';
import type { RunResult } from './run.ts';
import type { RunSpec } from './schema.ts';
import { tsxExecArgv } from './tsx.ts';

export interface RunFailure {
  key: string;
  name: string;
  message: string;
  code?: string;
}

export interface PoolCallbacks {
  onProgress?: (key: string, done: number, total: number) => void;
  onResult?: (r: RunResult) => void;
  onFailure?: (f: RunFailure) => void;
}

/**
 * Run specs on a pool of `workers` child processes, each with its own in-process emulator (so runs
 * use every core: one process trains on one core). A run goes to the next idle process; a process
 * that dies fails the run it held and is replaced.
 */
export async function runLocalPool(specs: RunSpec[], workers: number, cb: PoolCallbacks = {}, device = 'emu'): Promise<{ results: RunResult[]; failures: RunFailure[] }> {
  const queue = [...specs];
  const results: RunResult[] = [];
  const failures: RunFailure[] = [];
  const childFile = fileURLToPath(new URL('./pool-child.ts', import.meta.url));
  const children = new Set<ChildProcess>();

  const lane = () =>
    new Promise<void>((resolveLane) => {
      let child: ChildProcess | undefined;
      let current: RunSpec | undefined;
      const next = () => {
        current = queue.shift();
        if (!current) {
          if (child) {
            children.delete(child);
            child.disconnect();
          }
          resolveLane();
          return;
        }
        if (!child) start();
        child!.send({ type: 'run', spec: current, device } satisfies ToChild);
      };
      const start = () => {
        // a child's stdout goes to stderr: the parent's stdout carries only its report (--json)
        const c = fork(childFile, [], { execArgv: tsxExecArgv(), stdio: ['ignore', 2, 2, 'ipc'] });
        child = c;
        children.add(c);
        c.on('message', (m: FromChild) => {
          if (!current || m.key !== current.key) return;
          if (m.type === 'progress') cb.onProgress?.(m.key, m.done, m.total);
          else if (m.type === 'result') {
            const r = m.result as RunResult;
            results.push(r);
            cb.onResult?.(r);
            next();
          } else {
            const f: RunFailure = { key: current.key, name: current.name, message: m.message, ...(m.code ? { code: m.code } : {}) };
            failures.push(f);
            cb.onFailure?.(f);
            next();
          }
        });
        c.on('exit', (code, signal) => {
          children.delete(c);
          if (child !== c || !current) return;
          // died holding a run: that run fails, a fresh process takes the rest
          const f: RunFailure = { key: current.key, name: current.name, message: `worker process exited (${signal ?? `code ${code}`}) during the run`, code: 'worker_died' };
          failures.push(f);
          cb.onFailure?.(f);
          child = undefined;
          next();
        });
      };
      next();
    });

  try {
    await Promise.all(Array.from({ length: Math.max(1, Math.min(workers, specs.length)) }, lane));
  } finally {
    for (const c of children) c.kill();
  }
  return { results, failures };
}
