import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EmulatedDevice } from '../../emulator/device.ts';
import { EssopUpdater } from '../../emulator/essop.ts';
import { JunctionDatapath } from '../../emulator/junction.ts';
import { drawStreams, ESSOP, lfsrStepsPerUpdate } from '../../firmware-spec/essop.ts';
import { formatMax, formatMin, type NumberFormats } from '../../firmware-spec/formats.ts';
import { Lfsr, LFSR_WIDTH_MAIN } from '../../firmware-spec/lfsr.ts';
import type { JunctionDescriptor, NetworkDescriptor } from '../../firmware-spec/network.ts';
import { referenceNetwork, referenceTrain, updateJunctionEssop } from '../../firmware-spec/reference/train.ts';

/**
 * The emulator's ESSOP update (emulator/essop.ts: bit masks and popcounts) against the spec's plain
 * reference model (firmware-spec/reference: a loop over stream bits per weight), on random inputs.
 */

const streamLength = fc.integer({ min: Math.log2(ESSOP.streamLength.min), max: Math.log2(ESSOP.streamLength.max) }).map((k) => 2 ** k);
const formatArb = (minFrac: number, minBits: number) =>
  fc.integer({ min: minBits, max: 18 }).chain((bits) => fc.record({ bits: fc.constant(bits), frac: fc.integer({ min: minFrac, max: bits - 2 }) }));
const formatsArb = fc.record({ activation: formatArb(8, 10), weight: formatArb(0, 8), delta: formatArb(0, 8) });

function junction(p: number, n: number, seeds: number[]): JunctionDescriptor {
  return { p, n, fo: n, fi: p, z: 1, connectivity: 'dense', startVectorMode: 'shared', activation: 'relu', initShift: 2, connectivitySeed: seeds[0], initSeed: seeds[1] };
}

describe('ESSOP: emulator and reference model agree bit for bit', () => {
  it('one UP on random signed operands (including the formats extremes), random formats, stream lengths and lrShift', () => {
    const caseArb = fc
      .record({ p: fc.integer({ min: 1, max: 20 }), n: fc.integer({ min: 1, max: 12 }), formats: formatsArb, B: streamLength, lrShift: fc.integer({ min: 0, max: 12 }), seeds: fc.array(fc.integer({ min: 1, max: 0xffffffff }), { minLength: 3, maxLength: 3 }) })
      .chain((c) => {
        const f = c.formats as NumberFormats;
        const val = (q: 'activation' | 'delta') => fc.oneof(fc.integer({ min: formatMin(f[q]), max: formatMax(f[q]) }), fc.constantFrom(0, formatMin(f[q]), formatMax(f[q])), fc.integer({ min: -40, max: 40 }));
        return fc.record({ c: fc.constant(c), a: fc.array(val('activation'), { minLength: c.p, maxLength: c.p }), d: fc.array(val('delta'), { minLength: c.n, maxLength: c.n }) });
      });
    fc.assert(
      fc.property(caseArb, ({ c, a, d }) => {
        const net: NetworkDescriptor = { formats: c.formats, lrShift: c.lrShift, feedback: 'backprop', feedbackShift: 0, feedbackSeed: 1, rounding: 'nearest', roundingSeed: c.seeds[2], junctions: [junction(c.p, c.n, c.seeds)], update: { mode: 'essop', streamLength: c.B } };
        const rn = referenceNetwork(net);
        const aL = Int32Array.from(a);
        const dR = Int32Array.from(d);
        const want = new Int32Array(rn.weights[0].length);
        updateJunctionEssop(rn, 0, rn.weights[0], want, dR, aL, drawStreams(new Lfsr(LFSR_WIDTH_MAIN, c.seeds[2]), c.B));
        const dp = new JunctionDatapath(c.p, c.n, rn.leftOfWeight[0], (k) => Math.floor(k / c.p), c.formats, 'relu');
        dp.writeCanonical(0, rn.weights[0]);
        const lfsr = new Lfsr(LFSR_WIDTH_MAIN, c.seeds[2]);
        const steps = new EssopUpdater(c.B, c.formats, Math.max(c.p, c.n)).update(dp, dR, aL, c.lrShift, lfsr);
        expect(steps).toBe(lfsrStepsPerUpdate(c.B));
        expect(lfsr.steps).toBe(steps);
        expect(Array.from(dp.readCanonical())).toEqual(Array.from(want));
      }),
      { numRuns: 300 },
    );
  });

  it('whole TRAINs of random small networks, in two commands (the update LFSR lives across them)', () => {
    const caseArb = fc.record({
      sizes: fc.array(fc.integer({ min: 2, max: 10 }), { minLength: 3, maxLength: 3 }),
      formats: formatsArb,
      B: streamLength,
      lrShift: fc.integer({ min: 0, max: 10 }),
      seeds: fc.array(fc.integer({ min: 1, max: 0xffffffff }), { minLength: 6, maxLength: 6 }),
      samples: fc.integer({ min: 8, max: 24 }),
    });
    fc.assert(
      fc.property(caseArb, (c) => {
        const [p, h, o] = c.sizes;
        const net: NetworkDescriptor = {
          formats: c.formats,
          lrShift: c.lrShift,
          feedback: 'backprop',
          feedbackShift: 0,
          feedbackSeed: 1,
          rounding: 'nearest',
          roundingSeed: c.seeds[5],
          junctions: [junction(p, h, c.seeds), { ...junction(h, o, c.seeds.slice(2)), activation: 'sigmoid' }],
          update: { mode: 'essop', streamLength: c.B },
        };
        const lf = new Lfsr(32, c.seeds[4]);
        const pixels = Array.from({ length: c.samples }, () => Uint8Array.from({ length: p }, () => lf.draw(8)));
        const labels = Array.from({ length: c.samples }, () => lf.below(o));
        const dev = new EmulatedDevice('emu');
        dev.configure(net);
        dev.loadSeeds({ connectivity: net.junctions.map((j) => j.connectivitySeed), init: net.junctions.map((j) => j.initSeed), feedback: 1, rounding: net.roundingSeed });
        const cut = Math.floor(c.samples / 2);
        dev.streamSamples(Uint8Array.from(pixels.flatMap((x) => Array.from(x))), Uint8Array.from(labels));
        const r1 = dev.train(cut);
        // the update LFSR after the first TRAIN: 2BR steps per UP, one UP per sample per junction
        const after = new Lfsr(LFSR_WIDTH_MAIN, net.roundingSeed);
        for (let i = 0; i < cut * 2 * lfsrStepsPerUpdate(c.B); i++) after.bit();
        expect(dev.status().roundingState).toBe(after.state);
        const r2 = dev.train(c.samples - cut);
        const rn = referenceNetwork(net);
        const t1 = referenceTrain(rn, pixels.slice(0, cut), labels.slice(0, cut));
        rn.net = { ...net, roundingSeed: after.state };
        const t2 = referenceTrain(rn, pixels.slice(cut), labels.slice(cut));
        for (let j = 0; j < 2; j++) expect(Array.from(dev.readWeights(j)), `junction ${j + 1}`).toEqual(Array.from(rn.weights[j]));
        expect(r1.correct + r2.correct).toBe(t1.correct + t2.correct);
      }),
      { numRuns: 40 },
    );
  });
});
