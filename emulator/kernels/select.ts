import type { ActivationKind } from '../../firmware-spec/activation.ts';
import type { JunctionDescriptor, NetworkDescriptor } from '../../firmware-spec/network.ts';
import { JunctionDatapath, type JunctionKernels } from '../junction.ts';
import { WasmJunctionDatapath, wasmKernelModule } from './wasm-junction.ts';

/**
 * Which kernels run a junction: the one place that decides. The plain TypeScript model
 * (emulator/junction.ts) is the reference and runs everything; the WebAssembly SIMD kernels
 * (wasm-junction.ts) run what `wasmGap` does not rule out, with the same bits.
 *
 * Choice: `kernels` 'ts' or 'wasm', else the SEEDWIRE_KERNELS environment variable, else 'auto'
 * (wasm where it covers the network, plain elsewhere). 'wasm' refuses a network it does not cover.
 * A new update mode (or any new arithmetic) must add its case to `wasmGap` until the wasm kernels
 * implement it, so that it falls back to the plain model.
 */
export type KernelChoice = 'auto' | 'ts' | 'wasm';

export const KERNEL_CHOICES: readonly KernelChoice[] = ['auto', 'ts', 'wasm'];

/** The densest-to-sparsest ratio the wasm matrix layout accepts: p * n slots for at most this many per edge. */
const MAX_SLOTS_PER_EDGE = 8;
/** Largest weight matrix the wasm layout holds (i16 slots; two such matrices per junction). */
const MAX_MATRIX_SLOTS = 2 ** 25;

/** Descriptor fields the wasm kernels implement every value of (or that do not touch the junction datapath). */
const KNOWN_NETWORK_FIELDS = ['formats', 'lrShift', 'feedback', 'feedbackShift', 'feedbackSeed', 'rounding', 'roundingSeed', 'update', 'junctions'] as const satisfies ReadonlyArray<keyof NetworkDescriptor>;

/** Junction descriptor fields the wasm kernels implement (activation: relu and sigmoid; the rest is shape and seeds). */
const KNOWN_JUNCTION_FIELDS = ['p', 'n', 'fo', 'fi', 'z', 'connectivity', 'startVectorMode', 'startVectors', 'activation', 'initShift', 'connectivitySeed', 'initSeed'] as const satisfies ReadonlyArray<keyof JunctionDescriptor>;

/** Why the wasm kernels cannot run junction j of `net` bit-exactly, or undefined when they can. */
export function wasmGap(net: NetworkDescriptor, j: number, edges: number): string | undefined {
  const f = net.formats;
  for (const q of ['activation', 'weight', 'delta'] as const) if (f[q].bits > 16) return `${q} format has ${f[q].bits} bits (the SIMD lanes hold 16)`;
  if (net.rounding !== 'nearest') return `rounding '${net.rounding}' (the wasm update rounds half up only)`;
  // the ESSOP update (emulator/essop.ts) runs on the plain model's weights
  if (net.update !== undefined && net.update.mode !== 'exact') return `update mode '${net.update.mode}' (the wasm kernels have the exact update only)`;
  // a descriptor field this check has not been taught (a new update mode, say) may change the
  // arithmetic: run the plain model until the wasm kernels implement it and it is listed here
  const unknown = Object.keys(net).find((key) => !(KNOWN_NETWORK_FIELDS as readonly string[]).includes(key));
  if (unknown) return `descriptor field '${unknown}' is not known to the wasm kernels`;
  const shift = f.delta.frac + f.activation.frac - f.weight.frac + net.lrShift;
  if (shift < 0 || shift > 30) return `update shift ${shift} is outside 0..30 (an i32 lane holds the rounded product)`;
  const jd = net.junctions[j];
  const unknownJ = Object.keys(jd).find((key) => !(KNOWN_JUNCTION_FIELDS as readonly string[]).includes(key));
  if (unknownJ) return `junction field '${unknownJ}' is not known to the wasm kernels`;
  const slots = jd.p * ((jd.n + 7) & ~7);
  if (slots > MAX_MATRIX_SLOTS) return `${slots} matrix slots exceed ${MAX_MATRIX_SLOTS}`;
  if (slots > MAX_SLOTS_PER_EDGE * edges) return `too sparse for the matrix layout (${edges} edges in ${slots} slots)`;
  return undefined;
}

export function kernelChoice(requested?: KernelChoice): KernelChoice {
  const env = process.env.SEEDWIRE_KERNELS;
  const choice = requested ?? (env ? (env as KernelChoice) : 'auto');
  if (!KERNEL_CHOICES.includes(choice)) throw new Error(`SEEDWIRE_KERNELS must be one of ${KERNEL_CHOICES.join(', ')}, got '${env}'`);
  return choice;
}

/** Which kernels one junction runs on, and why not the wasm ones when it is the plain model. */
export interface KernelSelection {
  kernels: JunctionKernels;
  name: 'ts' | 'wasm';
  why?: string;
}

export function createJunctionKernels(
  choice: KernelChoice, net: NetworkDescriptor, j: number, leftOfWeight: Int32Array, fiOfRight: (k: number) => number, rightActivation: ActivationKind,
): KernelSelection {
  const jd = net.junctions[j];
  const plain = (why?: string): KernelSelection => ({ kernels: new JunctionDatapath(jd.p, jd.n, leftOfWeight, fiOfRight, net.formats, rightActivation), name: 'ts', why });
  if (choice === 'ts') return plain('kernels: ts requested');
  const gap = wasmGap(net, j, leftOfWeight.length);
  const { module, problem } = wasmKernelModule();
  const why = gap ?? problem;
  if (why) {
    if (choice === 'wasm') throw new Error(`the wasm kernels cannot run junction ${j + 1}: ${why}`);
    return plain(why);
  }
  return { kernels: new WasmJunctionDatapath(module!, jd.p, jd.n, leftOfWeight, fiOfRight, net.formats, rightActivation), name: 'wasm' };
}
