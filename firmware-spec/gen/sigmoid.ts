/**
 * Generator of the sigmoid lookup table (committed output: firmware-spec/sigmoid-lut.json).
 * Entry i covers pre-activations x in [(i - SIZE/2) / 2^IN_FRAC, (i - SIZE/2 + 1) / 2^IN_FRAC) and
 * holds sigmoid at the middle of that bin, rounded to OUT_FRAC fractional bits (unsigned).
 */
export const SIGMOID_LUT_IN_FRAC = 5; // bins of 1/32
export const SIGMOID_LUT_SIZE = 512; // covers [-8, 8)
export const SIGMOID_LUT_OUT_FRAC = 15; // entries are unsigned 16-bit, 1.0 = 32768 (never reached)

export function makeSigmoidLut(): number[] {
  const out: number[] = [];
  for (let i = 0; i < SIGMOID_LUT_SIZE; i++) {
    const x = (i - SIGMOID_LUT_SIZE / 2 + 0.5) / 2 ** SIGMOID_LUT_IN_FRAC;
    out.push(Math.round((1 / (1 + Math.exp(-x))) * 2 ** SIGMOID_LUT_OUT_FRAC));
  }
  return out;
}

/** The committed file firmware-spec/sigmoid-lut.json, byte for byte. */
export function sigmoidLutJson(): string {
  return `${JSON.stringify({ generatedBy: 'firmware-spec/gen/sigmoid.ts', entries: makeSigmoidLut() })}\n`;
}
