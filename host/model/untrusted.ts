import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { PROFILES } from '../../firmware-spec/capability.ts';

/**
 * Checkpoints and saved models are files a user may have copied, edited or truncated: untrusted
 * input. These helpers read them with bounds and check their seal before any of it is used.
 */

/** The most weight words any device profile holds: no saved run can have more. */
export const MAX_WEIGHT_WORDS = Math.max(...Object.values(PROFILES).map((p) => p.weightWords));

/**
 * Largest checkpoint or model file accepted, in bytes: every weight as a 4-byte word in base64
 * (4/3 bytes per byte), the masks (1 bit per weight, base64) and 1 MiB for the config and figures.
 */
export const MAX_RUN_FILE_BYTES = Math.ceil((MAX_WEIGHT_WORDS * 4 * 4) / 3) + Math.ceil((MAX_WEIGHT_WORDS / 8) * 4 / 3) + (1 << 20);

export type ReadProblem = 'missing' | 'too_large' | 'not_json';

/** Read and parse a JSON file no larger than maxBytes; `fail` turns each problem into the caller's error. */
export function readBoundedJson(file: string, maxBytes: number, fail: (problem: ReadProblem, message: string) => Error): unknown {
  let size: number;
  try {
    size = statSync(file).size;
  } catch (e) {
    throw fail('missing', `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  if (size > maxBytes) throw fail('too_large', `${file} is ${size} bytes; no run of any device profile needs more than ${maxBytes}`);
  const text = readFileSync(file, 'utf8');
  try {
    return JSON.parse(text);
  } catch (e) {
    throw fail('not_json', `${file} is not valid JSON (truncated or edited?): ${(e as Error).message}`);
  }
}

/** sha256 (hex) of the JSON text of `content`. */
export function contentSha256(content: unknown): string {
  return createHash('sha256').update(JSON.stringify(content)).digest('hex');
}

/**
 * `content` with a `sha256` field last: the hash of the JSON text of everything before it. JSON.parse
 * keeps key order, so a reader re-serialises what it read without the field and compares.
 */
export function seal<T extends object>(content: T): T & { sha256: string } {
  return { ...content, sha256: contentSha256(content) };
}

/** Whether a parsed object's `sha256` matches the rest of it (see seal). */
export function sealHolds(raw: unknown): boolean {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return false;
  const { sha256, ...rest } = raw as Record<string, unknown>;
  return typeof sha256 === 'string' && sha256 === contentSha256(rest);
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Decode base64 that must hold exactly `bytes` bytes. The length is checked on the text before
 * anything is allocated; returns a message instead of a buffer when it is wrong.
 */
export function decodeExactBase64(b64: string, bytes: number): Buffer | string {
  const want = 4 * Math.ceil(bytes / 3);
  if (b64.length !== want) return `${b64.length} base64 characters; ${bytes} bytes take ${want}`;
  if (!BASE64.test(b64)) return 'not base64';
  const buf = Buffer.from(b64, 'base64');
  if (buf.length !== bytes) return `decodes to ${buf.length} bytes, expected ${bytes}`;
  return buf;
}
