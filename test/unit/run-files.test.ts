import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, ftruncateSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel, ModelError } from '../../host/model/index.ts';
import { MAX_RUN_FILE_BYTES, seal } from '../../host/model/untrusted.ts';
import { train } from '../../host/train/index.ts';
import { CHECKPOINT_FILE, CheckpointError, readCheckpoint } from '../../host/train/checkpoint.ts';

/**
 * Checkpoints and saved models are untrusted input: every hostile variant is refused before use,
 * with a clear message and a stable code. One real run (tiny preset, 128 samples) makes the files.
 */
const tmp = mkdtempSync(join(tmpdir(), 'seedwire-run-files-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const modelDir = join(tmp, 'model');
const ckDir = join(tmp, 'ck');
beforeAll(async () => {
  await train({ preset: 'tiny', dataset: 'mnist-4x4', samples: 128, saveDir: modelDir, checkpointDir: ckDir, checkpointEvery: 64 });
});

type Edit = (o: Record<string, any>) => void;
interface Case {
  name: string;
  /** raw bytes to write instead of the file, or an edit of its JSON (re-sealed unless keepSeal) */
  text?: (original: string) => string;
  edit?: Edit;
  code: string;
  message: RegExp;
}

/** Edits that need a valid seal to get past the checksum: types, lengths, counts. */
function sealedEdit(original: string, edit: Edit): string {
  const o = JSON.parse(original);
  delete o.sha256;
  edit(o);
  return JSON.stringify(seal(o));
}

function cases(kind: 'model' | 'checkpoint'): Case[] {
  const c = (s: string) => `${kind}_${s}`;
  return [
    { name: 'truncated JSON', text: (t) => t.slice(0, Math.floor(t.length / 2)), code: c('corrupt'), message: /not valid JSON/ },
    { name: 'not an object', text: () => '[1, 2, 3]', code: c('corrupt'), message: /expected a JSON object/ },
    {
      name: 'one base64 character changed (bad checksum)',
      text: (t) => {
        const m = /[A-Za-z0-9+/]{40,}/.exec(t)!;
        const i = m.index + 20;
        return t.slice(0, i) + (t[i] === 'A' ? 'B' : 'A') + t.slice(i + 1);
      },
      code: c('checksum'),
      message: /does not match its sha256/,
    },
    { name: 'another format version', edit: (o) => (o.format = 99), code: c('format'), message: /format 99/ },
    { name: 'weights of the wrong type', edit: (o) => (o.weights = 5), code: c('corrupt'), message: /weights/ },
    { name: 'a weight list of the wrong length', edit: (o) => (o.weights[0] = o.weights[0].slice(8)), code: c('corrupt'), message: /junction 1's weights: \d+ base64 characters/ },
    { name: 'weights that are not base64', edit: (o) => (o.weights[1] = '!'.repeat(o.weights[1].length)), code: c('corrupt'), message: /junction 2's weights: not base64/ },
    { name: 'too many junctions of weights', edit: (o) => o.weights.push(o.weights[0]), code: c('corrupt'), message: /weights for 3 junctions/ },
    { name: 'a huge list of weights', edit: (o) => (o.weights = new Array(100_000).fill('')), code: c('corrupt'), message: /weights/ },
    { name: 'a huge layer in the config', edit: (o) => (o.config.layers[0] = 2 ** 30), code: c('corrupt'), message: /fits no device|weights/ },
    { name: 'an edited resolved config', edit: (o) => (o.resolved.network.lrShift = 1), code: c('corrupt'), message: /resolved config is not what/ },
    { name: 'an unknown field', edit: (o) => (o.extra = 1), code: c('corrupt'), message: /extra|Unrecognized/ },
    ...(kind === 'model'
      ? [
          { name: 'an accuracy above 1', edit: ((o) => (o.accuracy.test = 7)) as Edit, code: c('corrupt'), message: /accuracy\.test/ },
          { name: 'weights that do not match weightsSha256', edit: ((o) => (o.weightsSha256 = '0'.repeat(64))) as Edit, code: c('checksum'), message: /weightsSha256/ },
        ]
      : [
          { name: 'a huge epoch count', edit: ((o) => (o.epochs = 1e300)) as Edit, code: c('corrupt'), message: /epochs/ },
          { name: 'a cursor past the epoch', edit: ((o) => (o.cursor = o.samplesPerEpoch + 1)) as Edit, code: c('corrupt'), message: /cursor/ },
          { name: 'a negative total', edit: ((o) => (o.totals.trained = -1)) as Edit, code: c('corrupt'), message: /totals\.trained/ },
        ]),
  ];
}

const kinds = {
  model: { dir: modelDir, file: 'model.json', read: loadModel, Err: ModelError },
  checkpoint: { dir: ckDir, file: CHECKPOINT_FILE, read: readCheckpoint, Err: CheckpointError },
} as const;

for (const [kind, k] of Object.entries(kinds) as Array<[keyof typeof kinds, (typeof kinds)[keyof typeof kinds]]>) {
  describe(`hostile ${kind} files are refused with a stable code`, () => {
    it('the untouched file loads', () => {
      expect(() => k.read(k.dir)).not.toThrow();
    });
    for (const tc of cases(kind)) {
      it(tc.name, () => {
        const dir = join(tmp, `${kind}-${tc.name.replace(/\W+/g, '-')}`);
        cpSync(k.dir, dir, { recursive: true });
        const original = readFileSync(join(k.dir, k.file), 'utf8');
        writeFileSync(join(dir, k.file), tc.text ? tc.text(original) : sealedEdit(original, tc.edit!));
        let err: unknown;
        try {
          k.read(dir);
        } catch (e) {
          err = e;
        }
        expect(err).toBeInstanceOf(k.Err);
        expect((err as { code: string }).code).toBe(tc.code);
        expect((err as Error).message).toMatch(tc.message);
      });
    }
    it('a file larger than any run needs is refused before it is read', () => {
      const dir = join(tmp, `${kind}-huge`);
      mkdirSync(dir, { recursive: true });
      // a sparse file: its size is what counts, nothing is allocated
      const fd = openSync(join(dir, k.file), 'w');
      ftruncateSync(fd, MAX_RUN_FILE_BYTES + 1);
      closeSync(fd);
      expect(() => k.read(dir)).toThrow(expect.objectContaining({ code: `${kind}_corrupt`, message: expect.stringMatching(/bytes; no run of any device profile needs more/) }));
    });
    it('a missing file', () => {
      expect(() => k.read(join(tmp, `${kind}-nowhere`))).toThrow(expect.objectContaining({ code: `${kind}_missing` }));
    });
  });
}
