/**
 * Deterministic JSON for generated files: the same value always gives the same bytes.
 *
 * Layout: objects put one key per line (keys in insertion order, which the generators fix), except
 * small objects of scalars, which stay on one line;
 * an array of scalars goes on one line; an array of arrays puts one inner array per line. Only
 * integers, strings, booleans and null are allowed as scalars, so no float formatting can differ
 * between machines or Node versions.
 */
export function stableJson(value: unknown): string {
  return `${fmt(value, '')}\n`;
}

/** A small object of scalars (a format, a shape) stays on one line up to this many characters. */
const INLINE_OBJECT_MAX = 100;

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
  if (entries.every(([, x]) => isScalar(x))) {
    const line = `{${entries.map(([k, x]) => `${JSON.stringify(k)}: ${scalar(x)}`).join(', ')}}`;
    if (line.length <= INLINE_OBJECT_MAX) return line;
  }
  return `{\n${entries.map(([k, x]) => `${inner}${JSON.stringify(k)}: ${fmt(x, inner)}`).join(',\n')}\n${indent}}`;
}
