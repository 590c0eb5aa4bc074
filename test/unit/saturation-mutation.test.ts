/**
 * Mutation test: the saturation traces catch an emulator that does not saturate. formats.ts is mocked
 * so that every format's bounds are 2^20 times wider: nothing the emulator computes (FF pre-activations,
 * ReLU clip, BP deltas, output errors, weight updates) saturates any more. The saturation traces must
 * then fail; the older traces, which never saturate (their `events` say so), still pass, which is why
 * the saturation traces exist. The mutation is made in the plain TypeScript kernels (the emulator's
 * readable model); the WebAssembly kernels are held to them bit for bit by test/unit/kernels.test.ts.
 */
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { firstTraceMismatch, loadTrace } from '../helpers/emulator-trace.ts';

vi.mock('../../firmware-spec/formats.ts', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../firmware-spec/formats.ts')>();
  const WIDER = 2 ** 20;
  return {
    ...real,
    formatMax: (f: { bits: number; frac: number }) => real.formatMax(f) * WIDER,
    formatMin: (f: { bits: number; frac: number }) => real.formatMin(f) * WIDER,
  };
});

describe('the saturation traces catch an emulator without saturation', () => {
  beforeAll(() => {
    vi.stubEnv('SEEDWIRE_KERNELS', 'ts');
  });
  for (const name of ['trace-saturation-backprop.json', 'trace-saturation-dfa.json']) {
    it(`${name} fails on the mutated emulator`, () => {
      const t = loadTrace(name);
      expect(Number(t.events?.weightSaturations)).toBeGreaterThan(0);
      const why = firstTraceMismatch(t);
      expect(why, 'the mutant passed a saturation trace').toBeDefined();
    });
  }
  it('the older traces, which never saturate, do not notice the mutation', () => {
    for (const name of ['trace-tiny-backprop.json', 'trace-tiny-dfa.json']) {
      const t = loadTrace(name);
      expect(t.events?.weightSaturations).toBe(0);
      expect(firstTraceMismatch(t), name).toBeUndefined();
    }
  });
});
