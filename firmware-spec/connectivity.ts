import { Lfsr, LFSR_WIDTH_MAIN } from './lfsr.ts';

/**
 * Connectivity of a junction: which left neuron each weight reads.
 *
 * Weights live in the right side's natural order: right neuron r owns weights r*fi .. r*fi+fi-1
 * (for 'lfsr' masks, fi per right neuron as well). Weight k sits in bank k mod z at row k div z.
 * `leftOfWeight[k]` is the left neuron of weight k: the whole pattern.
 */
export type ConnectivityKind = 'clash-free' | 'lfsr' | 'dense';

/** Where a generator adds the LFSR steps it took (for the device's lfsrSteps counter). */
export interface LfsrStats {
  lfsrSteps: number;
}

/**
 * How the clash-free interleaver gets its start vectors:
 * - 'shared' (type 3): one start vector drawn from the seed, reused in every sweep. Never makes a
 *   duplicate edge: a right neuron's fi <= p consecutive weights visit fi distinct positions of
 *   the same sweep order.
 * - 'per-sweep' (type 2): a fresh start vector per sweep. Can make duplicate edges when fi does not
 *   divide p; the generator refuses such seeds (ConnectivityError 'duplicate_edge').
 * - 'explicit': the config gives the start vector(s), to reproduce a published pattern.
 */
export type StartVectorMode = 'shared' | 'per-sweep' | 'explicit';

export interface JunctionShape {
  /** left neurons */
  readonly p: number;
  /** right neurons */
  readonly n: number;
  /** fan-out of each left neuron (clash-free, dense); for 'lfsr' the mean */
  readonly fo: number;
  /** fan-in of each right neuron */
  readonly fi: number;
  /** lanes: edges processed per clock */
  readonly z: number;
}

export class ConnectivityError extends Error {
  readonly code: 'bad_shape' | 'duplicate_edge';
  readonly path: string;
  constructor(code: 'bad_shape' | 'duplicate_edge', path: string, message: string) {
    super(message);
    this.name = 'ConnectivityError';
    this.code = code;
    this.path = path;
  }
}

/** Edges W = p*fo = n*fi. */
export function edgeCount(s: JunctionShape): number {
  return s.n * s.fi;
}

/** Problems with a clash-free or dense shape, as [field, message]; empty when valid. */
export function checkShape(s: JunctionShape, kind: ConnectivityKind): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const posInt = (v: number) => Number.isInteger(v) && v > 0;
  for (const f of ['p', 'n', 'fo', 'z'] as const) if (!posInt(s[f])) out.push([f, `must be a positive integer, got ${s[f]}`]);
  if (out.length) return out;
  if (kind === 'lfsr') {
    if (!posInt(s.fi) || s.fi > s.p) out.push(['fi', `must be an integer in 1..p (${s.p}), got ${s.fi}`]);
  } else {
    if (s.fo > s.n) out.push(['fo', `fan-out ${s.fo} exceeds the right layer's ${s.n} neurons`]);
    const fi = (s.p * s.fo) / s.n;
    if (!Number.isInteger(fi)) out.push(['fo', `fan-in p*fo/n = ${s.p}*${s.fo}/${s.n} = ${fi.toFixed(3)} is not an integer`]);
    if (s.p % s.z !== 0) out.push(['z', `left layer p = ${s.p} is not divisible by z = ${s.z}`]);
  }
  return out;
}

/** Draw a start vector: z values in [0, p/z), from the LFSR (rejection sampling, see Lfsr.below). */
export function drawStartVector(lfsr: Lfsr, p: number, z: number): Int32Array {
  const m = p / z;
  const sv = new Int32Array(z);
  for (let k = 0; k < z; k++) sv[k] = lfsr.below(m);
  return sv;
}

export interface ClashFreeParams {
  mode: StartVectorMode;
  /** seed of the 32-bit LFSR the device draws start vectors from (modes shared, per-sweep) */
  seed?: number;
  /** explicit start vectors: one (reused) or fo of them, each z values in [0, p/z) */
  startVectors?: readonly (readonly number[])[];
}

/** Start vectors, one per sweep (fo of them), as the device derives them. */
export function clashFreeStartVectors(s: JunctionShape, prm: ClashFreeParams, stats?: LfsrStats): Int32Array[] {
  const m = s.p / s.z;
  if (prm.mode === 'explicit') {
    const given = prm.startVectors ?? [];
    if (given.length !== 1 && given.length !== s.fo) {
      throw new ConnectivityError('bad_shape', 'startVectors', `need 1 or fo = ${s.fo} start vectors, got ${given.length}`);
    }
    return Array.from({ length: s.fo }, (_, sw) => {
      const v = given.length === 1 ? given[0] : given[sw];
      if (v.length !== s.z || v.some((x) => !Number.isInteger(x) || x < 0 || x >= m)) {
        throw new ConnectivityError('bad_shape', `startVectors.${given.length === 1 ? 0 : sw}`, `a start vector needs z = ${s.z} integers in [0, ${m})`);
      }
      return Int32Array.from(v);
    });
  }
  const lfsr = new Lfsr(LFSR_WIDTH_MAIN, prm.seed ?? 1);
  let out: Int32Array[];
  if (prm.mode === 'shared') {
    const sv = drawStartVector(lfsr, s.p, s.z);
    out = Array.from({ length: s.fo }, () => sv);
  } else out = Array.from({ length: s.fo }, () => drawStartVector(lfsr, s.p, s.z));
  if (stats) stats.lfsrSteps += lfsr.steps;
  return out;
}

/**
 * The clash-free interleaver. Weight k = s*p + c*z + lane (sweep s, clock c within the sweep):
 *   left(k) = ((S[s][lane] + c) mod (p/z)) * z + lane
 * so lane `lane` always reads left bank `lane`: no two lanes touch one bank in a clock.
 */
export function clashFreeLeftOfWeight(s: JunctionShape, startVectors: readonly Int32Array[]): Int32Array {
  const { p, z, fo } = s;
  const m = p / z;
  const left = new Int32Array(p * fo);
  let k = 0;
  for (let sw = 0; sw < fo; sw++) {
    const sv = startVectors[sw];
    for (let c = 0; c < m; c++) {
      for (let lane = 0; lane < z; lane++) {
        left[k++] = ((sv[lane] + c) % m) * z + lane;
      }
    }
  }
  return left;
}

/**
 * LFSR-pruned (unstructured) connectivity, seed 000: right neuron r takes the next fi distinct
 * values in [0, p) from the LFSR stream (out-of-range and repeated values skipped), sorted ascending.
 * Not clash-free: lanes get unequal work, which is what the load balancer is for.
 */
export function lfsrLeftOfWeight(s: JunctionShape, seed: number, stats?: LfsrStats): Int32Array {
  const { p, n, fi } = s;
  const lfsr = new Lfsr(LFSR_WIDTH_MAIN, seed);
  const left = new Int32Array(n * fi);
  const seen = new Uint8Array(p);
  const b = Math.max(1, Math.ceil(Math.log2(p)));
  const row = new Int32Array(fi);
  for (let r = 0; r < n; r++) {
    let got = 0;
    while (got < fi) {
      const v = lfsr.draw(b);
      if (v >= p || seen[v]) continue;
      seen[v] = 1;
      row[got++] = v;
    }
    row.sort();
    for (let i = 0; i < fi; i++) {
      left[r * fi + i] = row[i];
      seen[row[i]] = 0;
    }
  }
  if (stats) stats.lfsrSteps += lfsr.steps;
  return left;
}

/** Dense: right neuron r reads every left neuron in order (fo = n, fi = p). */
export function denseLeftOfWeight(s: JunctionShape): Int32Array {
  const left = new Int32Array(s.n * s.p);
  for (let r = 0; r < s.n; r++) for (let l = 0; l < s.p; l++) left[r * s.p + l] = l;
  return left;
}

/** Number of (right, left) pairs that appear more than once. */
export function duplicateEdges(leftOfWeight: Int32Array, n: number, fi: number, p: number): number {
  const seen = new Int32Array(p).fill(-1);
  let dups = 0;
  for (let r = 0; r < n; r++) {
    for (let i = 0; i < fi; i++) {
      const l = leftOfWeight[r * fi + i];
      if (seen[l] === r) dups++;
      else seen[l] = r;
    }
  }
  return dups;
}

export interface ConnectivitySpec {
  kind: ConnectivityKind;
  startVectorMode?: StartVectorMode;
  seed?: number;
  startVectors?: readonly (readonly number[])[];
}

/** The pattern for a junction, as the device generates it from its descriptor and seed. */
export function generateConnectivity(s: JunctionShape, c: ConnectivitySpec, stats?: LfsrStats): Int32Array {
  if (c.kind === 'dense') return denseLeftOfWeight(s);
  if (c.kind === 'lfsr') return lfsrLeftOfWeight(s, c.seed ?? 1, stats);
  const svs = clashFreeStartVectors(s, { mode: c.startVectorMode ?? 'shared', seed: c.seed, startVectors: c.startVectors }, stats);
  const left = clashFreeLeftOfWeight(s, svs);
  const dups = duplicateEdges(left, s.n, s.fi, s.p);
  if (dups > 0) {
    throw new ConnectivityError('duplicate_edge', 'connectivity', `start vectors give ${dups} duplicate edges for ${s.p}-${s.n}, fo=${s.fo}, z=${s.z}; use startVectorMode 'shared' or another seed`);
  }
  return left;
}
