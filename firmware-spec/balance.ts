import { JUNCTION_PIPELINE_CLOCKS } from './schedule.ts';

/**
 * The on-device load balancer (SPEC.md section 9a): which live edge each lane handles in each
 * clock of a junction pass. Pure functions: the emulator runs them as they are, the RTL runs the
 * same steps. Balancing changes only timing: the datapath's sums are order-independent, so the
 * weights are bit-identical under every policy.
 *
 * ## Bank model (what clashes)
 * A junction pass issues edges in *groups*, at most z per group, one per lane. Every edge
 * e = (left l, right r, canonical weight k) touches, in every phase, three memories:
 *   - left bank   l mod z: FF and UP read the left activation, BP accumulates the left delta;
 *   - right bank  r mod z: FF accumulates the right sum, BP and UP read the right delta. Lanes of a
 *     group that share one right neuron are summed by the reduction tree first (the tree of the
 *     clash-free design, with per-lane row tags) and make ONE access to that neuron's bank;
 *   - weight bank: the bank of the lane that processes the edge. The clash-free layout (and the
 *     naive schedule) keeps weight k in bank k mod z, row k div z. A balanced schedule stores the
 *     weight of the edge it puts in (group g, lane q) at bank q, row g: the balancer defines the
 *     placement, and moving the weights there costs clocks (relayoutClocks).
 * All banks are single-port. A group needing some bank m times takes m clocks (m - 1 stall
 * clocks); a clash-free group takes 1. Every lane of the group stalls with it.
 * The balanced policies put an edge on lane (left bank): lane q always reads activation bank q, as
 * in the clash-free design, so no crossbar sits between activation banks and lanes; the balancer's
 * freedom is which of bank q's edges lane q takes in each clock, and where weights are stored.
 * One schedule serves FF, BP and UP: each phase touches the same (left, right, weight) banks per edge.
 *
 * ## Lower bound
 * Any schedule needs, per pass,
 *   LB = max( ceil(W / z),
 *             max over left banks b of (live edges with left bank b),
 *             max over right banks b of sum over rows r in b of m_r )
 * where m_r is the largest number of row r's edges that share one left bank (those edges need
 * distinct clocks, and each is an access to r's bank). A pass takes LB + JUNCTION_PIPELINE_CLOCKS
 * clocks at best. `utilization = (LB + fill) / (clocks + fill)`.
 *
 * ## Policies
 *   'none'     canonical order, z live edges per group, lane = position, weights where they are
 *              (bank k mod z); stalls on every clash.
 *   'greedy'   (default, the winner in `npm run bench -- balance`): one queue of edges per left
 *              bank, canonical order. Each clock, banks in order of remaining edges (most first,
 *              ties by bank index); each bank takes the first edge in its queue (scanning at most
 *              GREEDY_SCAN_DEPTH entries) whose right bank is free this clock or already holds the
 *              same row; the taken edge swaps with the queue head. Lane = left bank. Never clashes.
 *   'coloring' bank-aware edge colouring: the bipartite multigraph left banks x right banks,
 *              coloured with Delta colours (Konig) by alternating-path flips, edges in canonical
 *              order, lowest free colour first. A colour is a clock; lane = left bank. Never clashes,
 *              but cannot merge lanes of one row, so a right bank with few, wide rows bounds it.
 *   'row-lpt'  longest-processing-time-first over rows: rows by live degree (most first, ties by
 *              row), each to the least-loaded lane (ties: lowest lane); a lane runs its rows' edges
 *              in order; group g = every lane's g-th edge. Balances lane work but not banks: stalls.
 *
 * ## What balancing costs (DeviceCounters.balancerClocks)
 * The balancer unit is sequential: one operation per clock. 'greedy': z per clock built (ordering
 * the banks) plus one per queue entry examined; 'coloring': one per colour probed, per path edge
 * flipped and per edge coloured; 'row-lpt': z per row plus one per edge laid out. Then the weights
 * move to the new placement (relayoutClocks). A balanced order is no longer the order the seed
 * generates, so a balanced junction keeps the (left, right) index of each edge beside its weight,
 * in the placement's order: ceil(log2 p) + ceil(log2 n) bits per live edge of index memory.
 */
export const BALANCE_POLICIES = ['none', 'greedy', 'coloring', 'row-lpt'] as const;
export type BalancePolicy = (typeof BALANCE_POLICIES)[number];
export const DEFAULT_BALANCE_POLICY: BalancePolicy = 'greedy';

/** Queue entries 'greedy' examines per bank per clock before the bank sits out the clock. */
export const GREEDY_SCAN_DEPTH = 128;

export function isBalancePolicy(s: string): s is BalancePolicy {
  return (BALANCE_POLICIES as readonly string[]).includes(s);
}

/** The live edges of a junction, in canonical order (ascending k). */
export interface BalanceInput {
  z: number;
  /** canonical weight index of each live edge */
  canon: Int32Array;
  /** left neuron of each live edge */
  left: Int32Array;
  /** right neuron of each live edge */
  right: Int32Array;
}

/**
 * A pass as issue groups. Group g holds edges `edge[start[g] .. start[g+1])` (indices into the
 * input arrays) on lanes `lane[...]`, and takes `span[g]` clocks (1 when it clashes nowhere).
 */
export interface EdgeSchedule {
  z: number;
  policy: BalancePolicy;
  groups: number;
  start: Int32Array;
  edge: Int32Array;
  lane: Int32Array;
  span: Int32Array;
  /** weight bank of each scheduled position: k mod z ('none') or the lane (balanced placement) */
  weightBank: Int32Array;
  /** balancer work: one examined edge, colour or lane choice per clock of the balancer unit */
  ops: number;
}

/** Build the input from a connectivity (canonical leftOfWeight), fan-in and an optional live mask. */
export function balanceInput(leftOfWeight: Int32Array, fi: number, z: number, live?: Uint8Array): BalanceInput {
  const W = leftOfWeight.length;
  let count = W;
  if (live) {
    count = 0;
    for (let k = 0; k < W; k++) if (live[k]) count++;
  }
  const canon = new Int32Array(count);
  const left = new Int32Array(count);
  const right = new Int32Array(count);
  let i = 0;
  for (let k = 0; k < W; k++) {
    if (live && !live[k]) continue;
    canon[i] = k;
    left[i] = leftOfWeight[k];
    right[i] = Math.floor(k / fi);
    i++;
  }
  return { z, canon, left, right };
}

/** LB as defined above (without the pipeline fill). */
export function lowerBound(inp: BalanceInput): number {
  const { z, left, right } = inp;
  const W = left.length;
  if (W === 0) return 0;
  const lb = new Int32Array(z);
  for (let i = 0; i < W; i++) lb[left[i] % z]++;
  let best = Math.ceil(W / z);
  for (let b = 0; b < z; b++) best = Math.max(best, lb[b]);
  // m_r: rows are contiguous runs in canonical order
  const rb = new Float64Array(z);
  const per = new Int32Array(z);
  let i = 0;
  while (i < W) {
    const r = right[i];
    per.fill(0);
    let m = 0;
    for (; i < W && right[i] === r; i++) {
      const c = ++per[left[i] % z];
      if (c > m) m = c;
    }
    rb[r % z] += m;
  }
  for (let b = 0; b < z; b++) best = Math.max(best, rb[b]);
  return best;
}

/** Clocks a group takes: its worst bank multiplicity (left, right by distinct rows, weight). */
function groupSpan(inp: BalanceInput, edge: Int32Array, wbank: Int32Array, from: number, to: number, useL: Int32Array, useR: Int32Array, useW: Int32Array): number {
  const { z, left, right } = inp;
  let worst = 1;
  for (let i = from; i < to; i++) {
    const e = edge[i];
    const a = ++useL[left[e] % z];
    const w = ++useW[wbank[i]];
    const r = right[e];
    const rbk = r % z;
    // a row counts once per group: the reduction tree merges its lanes
    let seen = false;
    for (let j = from; j < i; j++) if (right[edge[j]] === r) seen = true;
    const c = seen ? useR[rbk] : ++useR[rbk];
    worst = Math.max(worst, a, w, c);
  }
  for (let i = from; i < to; i++) {
    const e = edge[i];
    useL[left[e] % z] = 0;
    useR[right[e] % z] = 0;
    useW[wbank[i]] = 0;
  }
  return worst;
}

function finishSpans(inp: BalanceInput, s: Omit<EdgeSchedule, 'span'>): EdgeSchedule {
  const z = inp.z;
  const span = new Int32Array(s.groups);
  const useL = new Int32Array(z);
  const useR = new Int32Array(z);
  const useW = new Int32Array(z);
  for (let g = 0; g < s.groups; g++) span[g] = groupSpan(inp, s.edge, s.weightBank, s.start[g], s.start[g + 1], useL, useR, useW);
  return { ...s, span };
}

/** 'none': canonical order, z per group, weights left in bank k mod z. */
export function naiveEdgeSchedule(inp: BalanceInput): EdgeSchedule {
  const { z, canon } = inp;
  const W = canon.length;
  const groups = Math.ceil(W / z);
  const start = new Int32Array(groups + 1);
  const edge = new Int32Array(W);
  const lane = new Int32Array(W);
  const weightBank = new Int32Array(W);
  for (let i = 0; i < W; i++) {
    edge[i] = i;
    lane[i] = i % z;
    weightBank[i] = canon[i] % z;
  }
  for (let g = 0; g <= groups; g++) start[g] = Math.min(W, g * z);
  return finishSpans(inp, { z, policy: 'none', groups, start, edge, lane, weightBank, ops: 0 });
}

/** 'greedy': heaviest left bank first, right-bank aware, rows merged. */
export function greedyEdgeSchedule(inp: BalanceInput): EdgeSchedule {
  const { z, left, right } = inp;
  const W = left.length;
  // queues per left bank, canonical order
  const qStart = new Int32Array(z + 1);
  for (let i = 0; i < W; i++) qStart[(left[i] % z) + 1]++;
  for (let b = 0; b < z; b++) qStart[b + 1] += qStart[b];
  const q = new Int32Array(W);
  const fill = qStart.slice(0, z);
  for (let i = 0; i < W; i++) q[fill[left[i] % z]++] = i;
  const head = qStart.slice(0, z);
  const order = new Int32Array(z);
  const rowAt = new Int32Array(z);
  const edge = new Int32Array(W);
  const lane = new Int32Array(W);
  const starts: number[] = [0];
  let placed = 0;
  let ops = 0;
  while (placed < W) {
    // banks by remaining edges, most first, ties by index (insertion sort: z is small)
    for (let b = 0; b < z; b++) {
      let j = b;
      const rem = qStart[b + 1] - head[b];
      while (j > 0 && qStart[order[j - 1] + 1] - head[order[j - 1]] < rem) {
        order[j] = order[j - 1];
        j--;
      }
      order[j] = b;
    }
    ops += z;
    rowAt.fill(-1);
    const before = placed;
    for (let oi = 0; oi < z; oi++) {
      const b = order[oi];
      const end = qStart[b + 1];
      const h = head[b];
      if (h >= end) break; // sorted: every later bank is empty too
      const lim = Math.min(end, h + GREEDY_SCAN_DEPTH);
      for (let pos = h; pos < lim; pos++) {
        ops++;
        const e = q[pos];
        const r = right[e];
        const rbk = r % z;
        if (rowAt[rbk] === -1 || rowAt[rbk] === r) {
          rowAt[rbk] = r;
          q[pos] = q[h];
          q[h] = e;
          head[b] = h + 1;
          edge[placed] = e;
          lane[placed] = b;
          placed++;
          break;
        }
      }
    }
    if (placed === before) throw new Error('greedy balancer made no progress'); // cannot happen: the first bank always fits
    starts.push(placed);
  }
  const groups = starts.length - 1;
  return finishSpans(inp, { z, policy: 'greedy', groups, start: Int32Array.from(starts), edge, lane, weightBank: lane, ops });
}

/** 'coloring': Konig edge colouring of left banks x right banks, Delta colours. */
export function coloringEdgeSchedule(inp: BalanceInput): EdgeSchedule {
  const { z, left, right } = inp;
  const W = left.length;
  const degL = new Int32Array(z);
  const degR = new Int32Array(z);
  for (let i = 0; i < W; i++) {
    degL[left[i] % z]++;
    degR[right[i] % z]++;
  }
  let delta = 0;
  for (let b = 0; b < z; b++) delta = Math.max(delta, degL[b], degR[b]);
  // at[v * delta + c]: the edge of colour c at vertex v (v < z: left bank, v >= z: right bank), or -1
  const at = new Int32Array(2 * z * delta).fill(-1);
  const color = new Int32Array(W).fill(-1);
  const lowFree = new Int32Array(2 * z);
  let ops = 0;
  const freeAt = (v: number): number => {
    let c = lowFree[v];
    while (at[v * delta + c] !== -1) {
      c++;
      ops++;
    }
    lowFree[v] = c;
    return c;
  };
  for (let i = 0; i < W; i++) {
    const u = left[i] % z;
    const v = z + (right[i] % z);
    const a = freeAt(u);
    const b = freeAt(v);
    if (at[v * delta + a] !== -1) {
      // a is busy at v: flip the a/b alternating path from v (it cannot reach u), freeing a at v
      const path: number[] = [];
      let x = v;
      let c = a;
      for (;;) {
        const e = at[x * delta + c];
        if (e === -1) break;
        path.push(e);
        ops++;
        x = x < z ? z + (right[e] % z) : left[e] % z;
        c = c === a ? b : a;
      }
      for (const e of path) {
        const c0 = color[e];
        at[(left[e] % z) * delta + c0] = -1;
        at[(z + (right[e] % z)) * delta + c0] = -1;
      }
      for (const e of path) {
        const c1 = color[e] === a ? b : a;
        color[e] = c1;
        const lu = left[e] % z;
        const rv = z + (right[e] % z);
        at[lu * delta + c1] = e;
        at[rv * delta + c1] = e;
      }
      // only colours a and b changed, on the path's vertices: one of them may now be free lower down
      const lo = Math.min(a, b);
      for (const e of path) {
        const lu = left[e] % z;
        const rv = z + (right[e] % z);
        if (lowFree[lu] > lo) lowFree[lu] = lo;
        if (lowFree[rv] > lo) lowFree[rv] = lo;
      }
      if (lowFree[v] > lo) lowFree[v] = lo;
    }
    color[i] = a;
    at[u * delta + a] = i;
    at[v * delta + a] = i;
    ops++;
  }
  // colours in use, in colour order; a colour is a group
  const count = new Int32Array(delta + 1);
  for (let i = 0; i < W; i++) count[color[i] + 1]++;
  const used: number[] = [];
  for (let c = 0; c < delta; c++) if (count[c + 1] > 0) used.push(c);
  const start = new Int32Array(used.length + 1);
  const slotOf = new Int32Array(delta);
  used.forEach((c, g) => {
    slotOf[c] = g;
    start[g + 1] = start[g] + count[c + 1];
  });
  const fillAt = start.slice(0, used.length);
  const edge = new Int32Array(W);
  const lane = new Int32Array(W);
  for (let i = 0; i < W; i++) {
    const pos = fillAt[slotOf[color[i]]]++;
    edge[pos] = i;
    lane[pos] = left[i] % z;
  }
  return finishSpans(inp, { z, policy: 'coloring', groups: used.length, start, edge, lane, weightBank: lane, ops });
}

/** 'row-lpt': rows to lanes, longest first; banks ignored. */
export function rowLptEdgeSchedule(inp: BalanceInput): EdgeSchedule {
  const { z, right } = inp;
  const W = right.length;
  // rows: contiguous runs of the canonical order
  const rowFirst: number[] = [];
  for (let i = 0; i < W; i++) if (i === 0 || right[i] !== right[i - 1]) rowFirst.push(i);
  rowFirst.push(W);
  const rows = rowFirst.length - 1;
  const idx = Array.from({ length: rows }, (_, i) => i);
  idx.sort((a, b) => rowFirst[b + 1] - rowFirst[b] - (rowFirst[a + 1] - rowFirst[a]) || right[rowFirst[a]] - right[rowFirst[b]]);
  const load = new Array<number>(z).fill(0);
  const laneRows: number[][] = Array.from({ length: z }, () => []);
  let ops = 0;
  for (const r of idx) {
    let best = 0;
    for (let q = 1; q < z; q++) if (load[q] < load[best]) best = q;
    ops += z;
    laneRows[best].push(r);
    load[best] += rowFirst[r + 1] - rowFirst[r];
  }
  const laneEdges = laneRows.map((rs) => {
    rs.sort((a, b) => a - b);
    const out: number[] = [];
    for (const r of rs) for (let i = rowFirst[r]; i < rowFirst[r + 1]; i++) out.push(i);
    return out;
  });
  const groups = Math.max(0, ...load);
  const start = new Int32Array(groups + 1);
  const edge = new Int32Array(W);
  const lane = new Int32Array(W);
  let pos = 0;
  for (let g = 0; g < groups; g++) {
    for (let q = 0; q < z; q++) {
      if (g < laneEdges[q].length) {
        edge[pos] = laneEdges[q][g];
        lane[pos] = q;
        pos++;
        ops++;
      }
    }
    start[g + 1] = pos;
  }
  return finishSpans(inp, { z, policy: 'row-lpt', groups, start, edge, lane, weightBank: lane, ops });
}

export function edgeSchedule(inp: BalanceInput, policy: BalancePolicy): EdgeSchedule {
  switch (policy) {
    case 'none':
      return naiveEdgeSchedule(inp);
    case 'greedy':
      return greedyEdgeSchedule(inp);
    case 'coloring':
      return coloringEdgeSchedule(inp);
    case 'row-lpt':
      return rowLptEdgeSchedule(inp);
  }
}

/** Timing of one pass, per lane, fill and drain included (the emulator's LaneSchedule). */
export interface PassTiming {
  z: number;
  clocks: number;
  stalls: number;
  busy: number[];
  stall: number[];
  idle: number[];
  policy: string;
}

export function passTiming(s: EdgeSchedule): PassTiming {
  const { z } = s;
  const busy = new Array<number>(z).fill(0);
  const stall = new Array<number>(z).fill(0);
  const idle = new Array<number>(z).fill(0);
  const inGroup = new Uint8Array(z);
  let clocks = 0;
  let stalls = 0;
  for (let g = 0; g < s.groups; g++) {
    const sp = s.span[g];
    clocks += sp;
    stalls += sp - 1;
    for (let i = s.start[g]; i < s.start[g + 1]; i++) inGroup[s.lane[i]] = 1;
    for (let q = 0; q < z; q++) {
      if (inGroup[q]) {
        busy[q] += 1;
        stall[q] += sp - 1;
      } else idle[q] += sp;
      inGroup[q] = 0;
    }
  }
  for (let q = 0; q < z; q++) idle[q] += JUNCTION_PIPELINE_CLOCKS;
  return { z, clocks: clocks + JUNCTION_PIPELINE_CLOCKS, stalls, busy, stall, idle, policy: s.policy };
}

/** Weights per weight bank under a schedule's placement. */
export function bankCounts(s: EdgeSchedule): Int32Array {
  const c = new Int32Array(s.z);
  for (let i = 0; i < s.weightBank.length; i++) c[s.weightBank[i]]++;
  return c;
}

/** Weights per bank in the canonical layout (weight k in bank k mod z), of W weights. */
export function canonicalBankCounts(W: number, z: number): Int32Array {
  const c = new Int32Array(z);
  for (let b = 0; b < z; b++) c[b] = Math.floor(W / z) + (b < W % z ? 1 : 0);
  return c;
}

/**
 * Clocks to move the weights from one placement to another: every bank streams its words out
 * (one per clock, all banks at once) into the junction's other weight buffer, then in at their new
 * bank and row. max reads + max writes; 0 when the placement does not change.
 */
export function relayoutClocks(from: Int32Array, to: Int32Array, samePlacement: boolean): number {
  if (samePlacement) return 0;
  let r = 0;
  let w = 0;
  for (let b = 0; b < from.length; b++) r = Math.max(r, from[b]);
  for (let b = 0; b < to.length; b++) w = Math.max(w, to[b]);
  return r + w;
}

/**
 * Problems with a schedule, empty when valid: every live edge exactly once; lanes distinct in a
 * group; and for a group of span 1, no left, weight or right bank used twice (right: two distinct rows).
 */
export function checkSchedule(inp: BalanceInput, s: EdgeSchedule): string[] {
  const { z, left, right } = inp;
  const W = left.length;
  const out: string[] = [];
  const seen = new Uint8Array(W);
  if (s.start[0] !== 0 || s.start[s.groups] !== W) out.push(`groups cover [${s.start[0]}, ${s.start[s.groups]}), want [0, ${W})`);
  for (let i = 0; i < s.edge.length; i++) {
    const e = s.edge[i];
    if (e < 0 || e >= W) out.push(`position ${i}: edge ${e} out of range`);
    else if (seen[e]++) out.push(`edge ${e} scheduled twice`);
  }
  for (let e = 0; e < W; e++) if (!seen[e]) out.push(`edge ${e} never scheduled`);
  for (let g = 0; g < s.groups && out.length < 20; g++) {
    const lanes = new Set<number>();
    const lb = new Set<number>();
    const wb = new Set<number>();
    const rowOfBank = new Map<number, number>();
    const n = s.start[g + 1] - s.start[g];
    if (n > z) out.push(`group ${g}: ${n} edges for ${z} lanes`);
    for (let i = s.start[g]; i < s.start[g + 1]; i++) {
      const e = s.edge[i];
      if (lanes.has(s.lane[i])) out.push(`group ${g}: lane ${s.lane[i]} used twice`);
      lanes.add(s.lane[i]);
      if (s.span[g] !== 1) continue;
      if (lb.has(left[e] % z)) out.push(`group ${g}: left bank ${left[e] % z} read twice in one clock`);
      lb.add(left[e] % z);
      if (wb.has(s.weightBank[i])) out.push(`group ${g}: weight bank ${s.weightBank[i]} read twice in one clock`);
      wb.add(s.weightBank[i]);
      const r = right[e];
      const prev = rowOfBank.get(r % z);
      if (prev !== undefined && prev !== r) out.push(`group ${g}: right bank ${r % z} holds rows ${prev} and ${r} in one clock`);
      rowOfBank.set(r % z, r);
    }
  }
  return out;
}

/** What the balancer reports for a junction (BALANCE's response, per junction). */
export interface JunctionBalance {
  policy: BalancePolicy;
  liveEdges: number;
  /** LB + fill: the best a pass can take */
  lowerBoundClocks: number;
  /** the canonical-order pass over the same live edges */
  naiveClocks: number;
  /** the pass under `policy` */
  clocks: number;
  stalls: number;
  /** the balancer's own clocks: its ops plus the weight re-layout */
  balancerClocks: number;
  relayoutClocks: number;
}

/** One junction's balance: schedule, timing and cost, from its live edges and current placement. */
export function balanceJunction(inp: BalanceInput, policy: BalancePolicy, placement: Int32Array, placementIsCanonical: boolean): { report: JunctionBalance; schedule: EdgeSchedule; timing: PassTiming; placement: Int32Array } {
  const naive = naiveEdgeSchedule(inp);
  const naiveT = passTiming(naive);
  const s = policy === 'none' ? naive : edgeSchedule(inp, policy);
  const t = policy === 'none' ? naiveT : passTiming(s);
  const to = bankCounts(s);
  const relayout = relayoutClocks(placement, to, policy === 'none' && placementIsCanonical);
  return {
    report: {
      policy,
      liveEdges: inp.canon.length,
      lowerBoundClocks: lowerBound(inp) + JUNCTION_PIPELINE_CLOCKS,
      naiveClocks: naiveT.clocks,
      clocks: t.clocks,
      stalls: t.stalls,
      balancerClocks: s.ops + relayout,
      relayoutClocks: relayout,
    },
    schedule: s,
    timing: t,
    placement: to,
  };
}
