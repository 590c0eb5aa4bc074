/** Sweeps: many training runs from one file, on a local process pool or on BullMQ workers. */
export { runSweep, type SweepOptions, type SweepReport } from './sweep.ts';
export { expandSweep, loadSweepFile, parseSweep } from './expand.ts';
export { startWorker, type WorkerOptions } from './worker.ts';
export { executeRun, type RunResult } from './run.ts';
export { runKey } from './key.ts';
export { QueueError, queueName, connectionOf } from './connection.ts';
export { buildSweepHtml, densitySeries } from './report-html.ts';
export { resultsCsv, writeOutDir } from './results.ts';
export { sweepFileSchema, runSpecSchema, runFieldsSchema, DEVICE_KINDS, type RunSpec, type SweepFile, type RunFields, type DeviceKind } from './schema.ts';
