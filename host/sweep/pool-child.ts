/**
 * One process of the local pool: it takes runs from its parent over IPC, one at a time, trains each
 * on its own in-process emulator, and sends back progress and the result.
 */
import { executeRun } from './run.ts';
import { runSpecSchema } from './schema.ts';

export type ToChild = { type: 'run'; spec: unknown; device: string };
export type FromChild = { type: 'progress'; key: string; done: number; total: number } | { type: 'result'; key: string; result: unknown } | { type: 'error'; key: string; message: string; code?: string };

const send = (m: FromChild) => process.send!(m);

process.on('message', async (m: ToChild) => {
  if (m.type !== 'run') return;
  const spec = runSpecSchema.parse(m.spec);
  try {
    let last = 0;
    const result = await executeRun(spec, {
      device: m.device,
      onProgress: (done, total) => {
        // at most ~20 progress messages a second
        const now = Date.now();
        if (now - last < 50 && done < total) return;
        last = now;
        send({ type: 'progress', key: spec.key, done, total });
      },
    });
    send({ type: 'result', key: spec.key, result });
  } catch (e) {
    const err = e as Error & { code?: string };
    send({ type: 'error', key: spec.key, message: err.message, ...(err.code ? { code: err.code } : {}) });
  }
});
process.on('disconnect', () => process.exit(0));
