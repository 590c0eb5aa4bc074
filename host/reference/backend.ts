/**
 * Picks the TensorFlow.js backend for the float reference, fastest first:
 *   1. `@tensorflow/tfjs-node` (native TensorFlow) when its optional install succeeded; its
 *      installer downloads a shared library, so it is absent on offline machines;
 *   2. `@tensorflow/tfjs` with `@tensorflow/tfjs-backend-wasm` (XNNPACK in WebAssembly, ships in npm);
 *   3. tfjs's pure-JS 'cpu' backend if WebAssembly cannot start.
 * The choice is made once per process (tfjs backends are process-global) and cached.
 */
export type Tf = typeof import('@tensorflow/tfjs');
export type TfBackendName = 'tfjs-node' | 'wasm' | 'cpu';
export type TfBackend = { tf: Tf; backend: TfBackendName; note: string };

let selected: Promise<TfBackend> | undefined;

export function selectTfBackend(): Promise<TfBackend> {
  selected ??= select();
  return selected;
}

function reason(e: unknown): string {
  const err = e as { code?: string; message?: string };
  const msg = (err?.message ?? String(e)).split('\n')[0];
  return err?.code ? `${err.code}: ${msg}` : msg;
}

async function select(): Promise<TfBackend> {
  // A non-literal specifier: the package is optional, so TypeScript must not insist on its types.
  const nodePkg: string = '@tensorflow/tfjs-node';
  let nodeWhy: string;
  try {
    const tf = (await import(nodePkg)) as Tf;
    await tf.ready();
    return { tf, backend: 'tfjs-node', note: `tfjs-node loaded (backend ${tf.getBackend()})` };
  } catch (e) {
    nodeWhy = `tfjs-node unavailable (${reason(e)})`;
  }

  const tf = await import('@tensorflow/tfjs');
  let wasmWhy: string;
  try {
    await import('@tensorflow/tfjs-backend-wasm');
    if (await tf.setBackend('wasm')) {
      await tf.ready();
      const simd = await flag(tf, 'WASM_HAS_SIMD_SUPPORT');
      const threads = await flag(tf, 'WASM_HAS_MULTITHREAD_SUPPORT');
      return { tf, backend: 'wasm', note: `${nodeWhy}; using tfjs wasm backend (simd ${simd}, threads ${threads})` };
    }
    wasmWhy = 'tf.setBackend("wasm") returned false';
  } catch (e) {
    wasmWhy = reason(e);
  }
  await tf.setBackend('cpu');
  await tf.ready();
  return { tf, backend: 'cpu', note: `${nodeWhy}; wasm backend failed (${wasmWhy}); using tfjs cpu backend (slow)` };
}

async function flag(tf: Tf, name: string): Promise<string> {
  try {
    return String(await tf.env().getAsync(name));
  } catch {
    return 'unknown';
  }
}
