import { availableParallelism } from 'node:os';
import { expandSweep, loadSweepFile, parseSweep } from './expand.ts';
import { type PoolCallbacks, type RunFailure, runLocalPool } from './pool.ts';
import { readRunJson, writeOutDir, writeRunJson } from './results.ts';
import type { RunResult } from './run.ts';
import type { RunSpec } from './schema.ts';

export interface SweepOptions extends PoolCallbacks {
  /** a sweep file, or a sweep object with the directory its relative paths start from */
  file?: string;
  sweep?: unknown;
  dir?: string;
  /** local pool size (default: the number of cores) */
  workers?: number;
  /** write runs/KEY.json, results.csv and report.html here; finished runs found here are reused */
  out?: string;
  /** redis:// or rediss:// URL: run on BullMQ workers instead of the local pool */
  queue?: string;
  password?: string;
  /** bound on waiting for queued runs (ms; default 24 h) */
  timeoutMs?: number;
  onPlan?: (runs: RunSpec[], duplicates: number) => void;
  onReused?: (r: RunResult) => void;
  onIdle?: (kinds: string[]) => void;
}

export interface SweepReport {
  sweep: string;
  /** in the sweep file's order */
  runs: RunResult[];
  failures: RunFailure[];
  reused: number;
  seconds: number;
  files?: { csv: string; html: string };
}

/**
 * Expand a sweep and run it: on a local pool of processes, or through BullMQ workers. Finished runs
 * (in --out DIR, or completed jobs on the queue) are reused, not run again.
 */
export async function runSweep(o: SweepOptions): Promise<SweepReport> {
  const started = performance.now();
  const { sweep, dir } = o.file ? loadSweepFile(o.file) : { sweep: parseSweep(o.sweep), dir: o.dir ?? process.cwd() };
  const { runs: specs, duplicates } = expandSweep(sweep, dir);
  o.onPlan?.(specs, duplicates);
  const done = new Map<string, RunResult>();
  let reused = 0;
  if (o.out) {
    for (const s of specs) {
      const found = readRunJson(o.out, s);
      const r = found && { ...found, name: s.name, sweep: s.sweep, fields: s.fields };
      if (r) {
        done.set(s.key, r);
        reused++;
        o.onReused?.(r);
      }
    }
  }
  const todo = specs.filter((s) => !done.has(s.key));
  const onResult = (r: RunResult) => {
    done.set(r.key, r);
    if (o.out) writeRunJson(o.out, r);
    o.onResult?.(r);
  };
  let failures: RunFailure[] = [];
  if (todo.length && o.queue) {
    // BullMQ and ioredis load only for queued sweeps (a local sweep starts faster without them)
    const { runOnQueue } = await import('./queue.ts');
    const onReused = (r: RunResult) => {
      done.set(r.key, r);
      if (o.out) writeRunJson(o.out, r);
      o.onReused?.(r);
    };
    const q = await runOnQueue(todo, { url: o.queue, password: o.password, timeoutMs: o.timeoutMs ?? 24 * 3600_000, onProgress: o.onProgress, onResult, onFailure: o.onFailure, onReused, onIdle: o.onIdle });
    failures = q.failures;
    reused += q.reused;
  } else if (todo.length) {
    const other = todo.find((s) => s.options.device !== 'emu');
    if (other) throw Object.assign(new Error(`run '${other.name}' asks for a ${other.options.device} device: run the sweep with --queue and start a worker holding one (seedwire worker --queue URL --device ${other.options.device}:...)`), { code: 'needs_queue' });
    const workers = o.workers ?? availableParallelism();
    failures = (await runLocalPool(todo, workers, { onProgress: o.onProgress, onResult, onFailure: o.onFailure })).failures;
  }
  // a reused result may come from another sweep: it takes this sweep's names (the key is the same run)
  const runs = specs.flatMap((s) => {
    const r = done.get(s.key);
    return r ? [{ ...r, name: s.name, sweep: s.sweep, fields: s.fields }] : [];
  });
  const files = o.out ? writeOutDir(o.out, sweep.name, runs) : undefined;
  return { sweep: sweep.name, runs, failures, reused, seconds: (performance.now() - started) / 1000, ...(files ? { files } : {}) };
}
