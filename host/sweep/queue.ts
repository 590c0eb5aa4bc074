import { Job, Queue, QueueEvents } from 'bullmq';
import { connectionOf, QueueError, queueName, redactUrl, whenReady, within } from './connection.ts';
import type { PoolCallbacks, RunFailure } from './pool.ts';
import type { RunResult } from './run.ts';
import { type DeviceKind, type RunSpec } from './schema.ts';

/** What a queued job carries: the run, and the last checkpoint a worker saved (data, never code). */
export interface JobData {
  spec: RunSpec;
  /** the trainer's checkpoint.json text, so a killed worker's run resumes elsewhere */
  checkpoint?: string;
  /** the epochs finished before that checkpoint */
  epochs?: Array<{ epoch: number; trainAccuracy: number; testAccuracy?: number; seconds: number }>;
}

export interface QueueSweepOptions extends PoolCallbacks {
  url: string;
  password?: string;
  /** give up waiting for results after this long (ms) */
  timeoutMs: number;
  /** called when some run has waited this long with no worker taking it */
  onIdle?: (kinds: DeviceKind[]) => void;
  /** a finished run found on the queue instead of run again */
  onReused?: (r: RunResult) => void;
}

/** Attempts per run: a run that throws (say a board unplugged) is retried on another worker. */
const ATTEMPTS = 3;

/**
 * Enqueue runs on BullMQ, one queue per device kind, each as a job whose id is the run's key (so a
 * re-submitted sweep finds the runs that already finished and reuses their results, and a run that
 * is queued or running is not queued twice), then wait for every result.
 */
export async function runOnQueue(specs: RunSpec[], o: QueueSweepOptions): Promise<{ results: RunResult[]; failures: RunFailure[]; reused: number }> {
  const connection = connectionOf(o.url, o.password);
  const kinds = [...new Set(specs.map((s) => s.options.device))];
  const queues = new Map<DeviceKind, Queue<JobData>>();
  const events = new Map<DeviceKind, QueueEvents>();
  const pending = new Map(specs.map((s) => [s.key, s]));
  const results: RunResult[] = [];
  const failures: RunFailure[] = [];
  let reused = 0;
  let wake: () => void = () => {};
  const finish = (key: string, r: RunResult | undefined, failed?: string, wasDone = false) => {
    const spec = pending.get(key);
    if (!spec) return;
    pending.delete(key);
    if (r) {
      results.push(r);
      if (wasDone) o.onReused?.(r);
      else o.onResult?.(r);
    } else {
      const f: RunFailure = { key, name: spec.name, message: failed ?? 'failed', code: 'run_failed' };
      failures.push(f);
      o.onFailure?.(f);
    }
    wake();
  };
  try {
    for (const k of kinds) {
      const q = new Queue<JobData>(queueName(k), { connection });
      queues.set(k, q);
      q.on('error', () => {}); // reported through whenReady and the bounded waits below
      const qe = new QueueEvents(queueName(k), { connection });
      qe.on('error', () => {});
      events.set(k, qe);
      await Promise.all([whenReady(q, o.url), whenReady(qe, o.url)]);
      qe.on('completed', ({ jobId, returnvalue }) => finish(jobId, (typeof returnvalue === 'string' ? JSON.parse(returnvalue) : returnvalue) as RunResult));
      qe.on('failed', async ({ jobId, failedReason }) => {
        // a failed attempt that will be retried is not the end of the run
        const job = await Job.fromId(q, jobId).catch(() => undefined);
        if (job && (await job.getState().catch(() => 'failed')) !== 'failed') return;
        finish(jobId, undefined, failedReason);
      });
      qe.on('progress', ({ jobId, data }) => {
        const p = data as { done?: number; total?: number };
        if (pending.has(jobId) && typeof p?.done === 'number' && typeof p.total === 'number') o.onProgress?.(jobId, p.done, p.total);
      });
    }
    // submit: a finished job is reused, a failed one retried, a waiting or active one joined
    for (const spec of specs) {
      const q = queues.get(spec.options.device)!;
      const existing = await within(q.getJob(spec.key), 15_000, `Redis at ${redactUrl(o.url)}`);
      if (existing) {
        const state = await existing.getState();
        if (state === 'completed') {
          reused++;
          finish(spec.key, { ...(existing.returnvalue as RunResult), name: spec.name, sweep: spec.sweep, fields: spec.fields }, undefined, true);
          continue;
        }
        if (state === 'failed') await existing.retry('failed');
        continue;
      }
      await q.add('run', { spec }, { jobId: spec.key, attempts: ATTEMPTS, backoff: { type: 'fixed', delay: 1000 }, removeOnComplete: false, removeOnFail: false });
    }
    // wait: events finish runs; a slow poll catches any event missed while subscribing
    const deadline = Date.now() + o.timeoutMs;
    let idleSince = Date.now();
    while (pending.size) {
      if (Date.now() > deadline) throw new QueueError('queue_timeout', `${pending.size} of ${specs.length} runs did not finish in ${(o.timeoutMs / 1000).toFixed(0)} s (are workers running? seedwire worker --queue ${redactUrl(o.url)})`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, 2000);
        wake = () => {
          clearTimeout(t);
          r();
        };
      });
      let anyActive = false;
      for (const [key, spec] of [...pending]) {
        const job = await Job.fromId<JobData>(queues.get(spec.options.device)!, key);
        if (!job) {
          finish(key, undefined, 'the job vanished from the queue (removed by someone?)');
          continue;
        }
        const state = await job.getState();
        if (state === 'completed') finish(key, job.returnvalue as unknown as RunResult);
        else if (state === 'failed') finish(key, undefined, job.failedReason);
        else if (state === 'active') anyActive = true;
      }
      if (anyActive || !pending.size) idleSince = Date.now();
      else if (Date.now() - idleSince > 30_000) {
        o.onIdle?.([...new Set([...pending.values()].map((s) => s.options.device))]);
        idleSince = Date.now();
      }
    }
  } finally {
    // bounded: closing a connection that never came up can wait forever
    const all = [...events.values(), ...queues.values()];
    await within(Promise.all(all.map((c) => c.close().catch(() => {}))), 2000, 'closing the queue connections').catch(() => {});
    for (const c of all) void c.disconnect().catch(() => {});
  }
  return { results, failures, reused };
}
