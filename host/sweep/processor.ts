/**
 * The BullMQ sandboxed processor: BullMQ forks this file in a child process, so the CPU-bound
 * training never blocks the worker's event loop and its lock renewal (a starved lock would make a
 * healthy run look stalled). A job is data, never code: it is validated with the same zod schema the
 * sweep used, its key must be the hash of its contents, and its paths must lie inside the
 * directories the worker was started with.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SandboxedJob } from 'bullmq';
import { z } from 'zod';
import { parseDeviceUri } from '../device/uri.ts';
import { runKey } from './key.ts';
import { insideAny } from './paths.ts';
import { executeRun, type RunResult } from './run.ts';
import { runSpecSchema } from './schema.ts';

/** How the worker configured its sandbox (passed in the environment of the forked process). */
export const workerConfigSchema = z.strictObject({
  device: z.string(),
  dataDirs: z.array(z.string()),
  outDirs: z.array(z.string()),
  checkpointEvery: z.number().int().positive(),
});
export type WorkerConfig = z.infer<typeof workerConfigSchema>;
export const WORKER_CONFIG_ENV = 'SEEDWIRE_WORKER_CONFIG';

/** At most 64 MiB of checkpoint text in a job. */
const epochSchema = z.strictObject({ epoch: z.number().int().positive(), trainAccuracy: z.number(), testAccuracy: z.number().optional(), seconds: z.number() });
const jobDataSchema = z.strictObject({ spec: runSpecSchema, checkpoint: z.string().max(64 << 20).optional(), epochs: z.array(epochSchema).max(1000).optional() });

/** A job this worker will not run; BullMQ does not retry it (the name is BullMQ's marker). */
class JobRefused extends Error {
  readonly code = 'job_refused';
  constructor(message: string) {
    super(message);
    this.name = 'UnrecoverableError';
  }
}

export function checkJob(data: unknown, cfg: WorkerConfig) {
  const r = jobDataSchema.safeParse(data);
  if (!r.success) throw new JobRefused(`invalid job: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const { spec } = r.data;
  if (runKey(spec.network, spec.options) !== spec.key) throw new JobRefused(`invalid job: its key ${spec.key} is not the hash of its network and options`);
  const kind = parseDeviceUri(cfg.device).scheme;
  if (spec.options.device !== kind) throw new JobRefused(`run ${spec.key} asks for a ${spec.options.device} device; this worker holds ${cfg.device}`);
  if (spec.options.dataset.startsWith('idx:')) {
    const dir = spec.options.dataset.slice(4);
    if (!insideAny(dir, cfg.dataDirs)) throw new JobRefused(`run ${spec.key}: dataset ${dir} is outside this worker's data directories (${cfg.dataDirs.join(', ') || 'none given: start it with --data-dir DIR'})`);
  }
  if (spec.runDir && !insideAny(spec.runDir, cfg.outDirs)) throw new JobRefused(`run ${spec.key}: runDir ${spec.runDir} is outside this worker's output directories (${cfg.outDirs.join(', ') || 'none given: start it with --out-dir DIR'})`);
  return r.data;
}

export default async function process_(job: SandboxedJob): Promise<RunResult> {
  const cfg = workerConfigSchema.parse(JSON.parse(process.env[WORKER_CONFIG_ENV] ?? '{}'));
  const data = checkJob(job.data, cfg);
  const { spec } = data;
  // checkpoints go into the job itself, in order, so whichever worker takes the run next resumes it
  let uploads: Promise<unknown> = Promise.resolve();
  let last = 0;
  const result = await executeRun(spec, {
    device: cfg.device,
    resumeFrom: data.checkpoint,
    resumeEpochs: data.epochs,
    checkpointEvery: cfg.checkpointEvery,
    onCheckpoint: (text, epochs) => {
      uploads = uploads.then(() => job.updateData({ spec, checkpoint: text, epochs }));
    },
    onProgress: (done, total) => {
      const now = Date.now();
      if (now - last < 250 && done < total) return;
      last = now;
      uploads = uploads.then(() => job.updateProgress({ done, total }));
    },
  });
  await uploads;
  if (spec.runDir) {
    mkdirSync(spec.runDir, { recursive: true });
    writeFileSync(join(spec.runDir, `${spec.key}.json`), `${JSON.stringify(result, null, 1)}\n`);
  }
  return result;
}
