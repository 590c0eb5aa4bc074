import { Worker } from 'node:worker_threads';

/**
 * A heartbeat for long silent steps (yosys, nextpnr: minutes without output): every `everyMs` it
 * prints the current step and the time elapsed on it, to stderr. It runs in a worker thread and
 * writes with fs.writeSync on fd 2, so it keeps beating while the main thread is blocked (the
 * WebAssembly tools run synchronously on it).
 */
export interface Heartbeat {
  /** a new step starts: the next beats name it and count from now */
  step(label: string): void;
  stop(): Promise<void>;
}

const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { writeSync } = require('node:fs');
let label = '', since = Date.now();
const clock = (ms) => { const s = Math.round(ms / 1000); return s >= 60 ? Math.floor(s / 60) + ' min ' + (s % 60) + ' s' : s + ' s'; };
parentPort.on('message', (m) => { label = m.label; since = m.at; });
setInterval(() => { if (label) writeSync(2, '  ... ' + label + ': still running, ' + clock(Date.now() - since) + ' elapsed\\n'); }, workerData.everyMs);
`;

export function startHeartbeat(everyMs = 15_000): Heartbeat {
  // no inherited flags (e.g. --input-type=module): the worker's code is CommonJS
  const worker = new Worker(WORKER, { eval: true, execArgv: [], workerData: { everyMs } });
  worker.unref();
  return {
    step(label: string) {
      worker.postMessage({ label, at: Date.now() });
    },
    async stop() {
      await worker.terminate();
    },
  };
}
