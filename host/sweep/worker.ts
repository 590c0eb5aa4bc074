import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'bullmq';
import { parseDeviceUri } from '../device/uri.ts';
import { connectionOf, queueName, whenReady, within } from './connection.ts';
import { WORKER_CONFIG_ENV, type WorkerConfig } from './processor.ts';
import type { RunResult } from './run.ts';
import type { DeviceKind } from './schema.ts';
import { tsxExecArgv } from './tsx.ts';

export interface WorkerOptions {
  url: string;
  password?: string;
  /** device URI (default 'emu'): the worker takes only runs asking for its kind */
  device?: string;
  dataDirs?: string[];
  outDirs?: string[];
  /** samples between checkpoints pushed to the queue */
  checkpointEvery?: number;
  /** how long a run's lock lasts without renewal (ms); a killed worker's run is retaken after it */
  lockMs?: number;
  onEvent?: (e: { type: 'active' | 'completed' | 'failed'; key: string; name?: string; message?: string; result?: RunResult }) => void;
}

/**
 * A BullMQ worker: it takes runs for its device kind, one at a time, and trains each in a sandboxed
 * child process (BullMQ forks processor.ts). Runs held by a worker that died are moved back by the
 * stalled-job check of any live worker once their lock lapses, and resume from their checkpoint.
 */
export async function startWorker(o: WorkerOptions): Promise<Worker> {
  const device = o.device ?? 'emu';
  const kind = parseDeviceUri(device).scheme as DeviceKind;
  const cfg: WorkerConfig = {
    device,
    dataDirs: (o.dataDirs ?? []).map((d) => resolve(d)),
    outDirs: (o.outDirs ?? []).map((d) => resolve(d)),
    checkpointEvery: o.checkpointEvery ?? 500,
  };
  const lockMs = o.lockMs ?? 15_000;
  const processor = fileURLToPath(new URL('./processor.ts', import.meta.url));
  const worker = new Worker(queueName(kind), processor, {
    connection: connectionOf(o.url, o.password),
    name: `${hostname()}:${process.pid}`,
    concurrency: 1,
    // the lock is renewed every lockMs/2 by this process, never starved (training runs in the child)
    lockDuration: lockMs,
    stalledInterval: Math.max(1000, Math.round(lockMs / 3)),
    // a run may outlive several killed workers before it counts as failed
    maxStalledCount: 10,
    useWorkerThreads: false,
    workerForkOptions: { execArgv: tsxExecArgv(), env: { ...process.env, [WORKER_CONFIG_ENV]: JSON.stringify(cfg) } },
  });
  // a lost connection repeats its error many times a second: say each once per 30 s
  const said = new Map<string, number>();
  worker.on('error', (e) => {
    const now = Date.now();
    if (now - (said.get(e.message) ?? 0) < 30_000) return;
    said.set(e.message, now);
    o.onEvent?.({ type: 'failed', key: '-', message: `queue: ${e.message}` });
  });
  worker.on('active', (job) => o.onEvent?.({ type: 'active', key: job.id ?? '?', name: job.data?.spec?.name }));
  worker.on('completed', (job, result: RunResult) => o.onEvent?.({ type: 'completed', key: job.id ?? '?', name: job.data?.spec?.name, result }));
  worker.on('failed', (job, e) => o.onEvent?.({ type: 'failed', key: job?.id ?? '?', name: job?.data?.spec?.name, message: e.message }));
  try {
    await whenReady(worker, o.url);
  } catch (e) {
    await within(worker.close(true), 2000, 'closing the worker').catch(() => {});
    throw e;
  }
  return worker;
}
