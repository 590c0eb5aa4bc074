export interface JunctionConnectivity {
  p: number;
  n: number;
  fi: number;
  leftOfWeight: Int32Array;
  /** weights in canonical order, raw fixed-point integers */
  weights: Int32Array;
  weightFrac: number;
}

/**
 * A junction as a Matrix Market coordinate file: rows are right neurons, columns left neurons,
 * both 1-based, values the weights as reals (raw / 2^frac, exact in decimal).
 */
export function matrixMarket(c: JunctionConnectivity): string {
  const lines = ['%%MatrixMarket matrix coordinate real general', '% seedwire junction: rows = right neurons, columns = left neurons', `${c.n} ${c.p} ${c.leftOfWeight.length}`];
  const scale = 2 ** -c.weightFrac;
  for (let k = 0; k < c.leftOfWeight.length; k++) {
    lines.push(`${Math.floor(k / c.fi) + 1} ${c.leftOfWeight[k] + 1} ${c.weights[k] * scale}`);
  }
  return `${lines.join('\n')}\n`;
}
