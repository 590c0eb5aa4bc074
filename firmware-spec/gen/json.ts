/**
 * Deterministic JSON for generated files: the same value always gives the same bytes.
 *
 * Layout: objects put one key per line (keys in insertion order, which the generators fix);
 * an array of scalars goes on one line; an array of arrays puts one inner array per line. Only
 * integers, strings, booleans and null are allowed as scalars, so no float formatting can differ
 * between machines or Node versions.
 */
export function stableJson(value: unknown): string {
  return `${fmt(value, '')}\n`;
}

function scalar(v: unknown): string {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return JSON.stringify(v);
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v)) throw new Error(`stableJson: ${v} is not a safe integer`);
    return Object.is(v, -0) ? '0' : String(v);
  }
  throw new Error(`stableJson: cannot write ${typeof v}`);
}

function isScalar(v: unknown): boolean {
  return v === null || typeof v !== 'object';
}

function fmt(v: unknown, indent: string): string {
  if (isScalar(v)) return scalar(v);
  if (ArrayBuffer.isView(v)) return fmt(Array.from(v as unknown as ArrayLike<number>), indent);
  const inner = `${indent}  `;
  if (Array.isArray(v)) {
    if (v.length === 0) return '[]';
    if (v.every(isScalar)) return `[${v.map(scalar).join(',')}]`;
    return `[\n${v.map((x) => inner + fmt(x, inner)).join(',\n')}\n${indent}]`;
  }
  const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined);
  if (entries.length === 0) return '{}';
  return `{\n${entries.map(([k, x]) => `${inner}${JSON.stringify(k)}: ${fmt(x, inner)}`).join(',\n')}\n${indent}}`;
}
