import { roundShift, requantize, saturate } from './arith.ts';
import { type FixedFormat, formatMax } from './formats.ts';
import { SIGMOID_LUT_IN_FRAC, SIGMOID_LUT_OUT_FRAC, SIGMOID_LUT_SIZE } from './gen/sigmoid.ts';
import lutJson from './sigmoid-lut.json' with { type: 'json' };

export type ActivationKind = 'relu' | 'sigmoid';

/** The committed table (see gen/sigmoid.ts); index by sigmoidIndex. */
export const SIGMOID_LUT: readonly number[] = lutJson.entries;
export { SIGMOID_LUT_IN_FRAC, SIGMOID_LUT_OUT_FRAC, SIGMOID_LUT_SIZE };

/** Clipped ReLU: the pre-activation (already in activation format) clamped to [0, max]. */
export function relu(x: number, f: FixedFormat): number {
  const hi = formatMax(f);
  return x <= 0 ? 0 : x > hi ? hi : x;
}

/** ReLU derivative as a gate: 1 inside (0, max), else 0 (the clip has slope 0). */
export function reluGate(a: number, f: FixedFormat): boolean {
  return a > 0 && a < formatMax(f);
}

/** LUT index of a pre-activation x with `frac` fractional bits (floor into bins, clamp to the table). */
export function sigmoidIndex(x: number, frac: number): number {
  const i = Math.floor(x / 2 ** (frac - SIGMOID_LUT_IN_FRAC)) + SIGMOID_LUT_SIZE / 2;
  return i < 0 ? 0 : i >= SIGMOID_LUT_SIZE ? SIGMOID_LUT_SIZE - 1 : i;
}

/** Sigmoid of a pre-activation in activation format, in activation format. */
export function sigmoid(x: number, f: FixedFormat): number {
  return saturate(roundShift(SIGMOID_LUT[sigmoidIndex(x, f.frac)], SIGMOID_LUT_OUT_FRAC - f.frac), f);
}

/**
 * Activation of a right neuron from its exact fan-in sum `acc` (fractional bits accFrac):
 * one rounding into the activation format, then the nonlinearity.
 */
export function activate(kind: ActivationKind, acc: number, accFrac: number, f: FixedFormat): number {
  const x = requantize(acc, accFrac, f);
  return kind === 'relu' ? relu(x, f) : sigmoid(x, f);
}

/** Output error a - y for the target y (1.0 for the label's neuron, else 0), in delta format. */
export function outputError(a: number, isTarget: boolean, act: FixedFormat, delta: FixedFormat): number {
  return requantize(a - (isTarget ? 2 ** act.frac : 0), act.frac, delta);
}
