import { readdirSync, readFileSync } from 'node:fs';
import { dirname, extname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * Dependencies point down: firmware-spec (the contract) depends on nothing of the project, the
 * emulator only on firmware-spec, the RTL's build scripts not on the host; a type host and emulator
 * both need lives in firmware-spec. This test reads every source file's module references (import
 * and export ... from, import(), import('...') types, require(), and files located with
 * new URL('...', import.meta.url)) and fails on one that points up.
 */

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
type Area = 'firmware-spec' | 'emulator' | 'bitstreams-src' | 'host';
const AREAS: readonly Area[] = ['firmware-spec', 'emulator', 'bitstreams-src', 'host'];

/** What each area may not reference (anything else of the project, or a package, is fine). */
const FORBIDDEN: Record<Area, readonly Area[]> = {
  'firmware-spec': ['emulator', 'bitstreams-src', 'host'],
  emulator: ['bitstreams-src', 'host'],
  'bitstreams-src': ['host'],
  host: [],
};

// No exceptions. The list of known upward references could only shrink, and its last three are gone:
// SPEC.md's sample order is generated from firmware-spec/sample-order.ts, its presets table is
// supplied by `npm run gen`'s entry above the spec (host/gen/run.ts), and spawnServer, which starts
// the CLI, lives in host/cli/spawn-server.ts. A new upward reference fails: move the code instead.

const SOURCE_EXT = new Set(['.ts', '.mts', '.cts', '.tsx', '.js', '.mjs', '.cjs']);
const SKIP_DIRS = new Set(['node_modules', 'build', '.git']);

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.isDirectory()) {
      if (!SKIP_DIRS.has(e.name)) out.push(...sourceFiles(join(dir, e.name)));
    } else if (SOURCE_EXT.has(extname(e.name)) && !e.name.endsWith('.d.ts')) out.push(join(dir, e.name));
  }
  return out;
}

/** `import.meta.url` */
function isImportMetaUrl(n: ts.Node | undefined): boolean {
  return !!n && ts.isPropertyAccessExpression(n) && n.name.text === 'url' && ts.isMetaProperty(n.expression) && n.expression.keywordToken === ts.SyntaxKind.ImportKeyword;
}

/** Every module or file a source text references, as written (relative or bare specifiers). */
function moduleReferences(fileName: string, text: string): string[] {
  const sf = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true);
  const refs: string[] = [];
  const literal = (n: ts.Node | undefined) => (n && ts.isStringLiteralLike(n) ? refs.push(n.text) : undefined);
  const visit = (n: ts.Node): void => {
    if (ts.isImportDeclaration(n) || ts.isExportDeclaration(n)) literal(n.moduleSpecifier);
    else if (ts.isImportEqualsDeclaration(n) && ts.isExternalModuleReference(n.moduleReference)) literal(n.moduleReference.expression);
    else if (ts.isImportTypeNode(n) && ts.isLiteralTypeNode(n.argument)) literal(n.argument.literal);
    else if (ts.isCallExpression(n) && (n.expression.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(n.expression) && n.expression.text === 'require'))) literal(n.arguments[0]);
    else if (ts.isNewExpression(n) && ts.isIdentifier(n.expression) && n.expression.text === 'URL' && isImportMetaUrl(n.arguments?.[1])) literal(n.arguments?.[0]);
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return refs;
}

const PACKAGE = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { name: string; exports: Record<string, string> };

/** The repo-relative path a reference from `file` lands on; undefined for a package or node: module. */
function target(file: string, spec: string): string | undefined {
  // the package's own name resolves through its exports (the library API is the host's)
  if (spec === PACKAGE.name || spec.startsWith(`${PACKAGE.name}/`)) {
    const sub = `.${spec.slice(PACKAGE.name.length)}`;
    return relative(ROOT, resolve(ROOT, PACKAGE.exports[sub] ?? 'host')).split(sep).join('/');
  }
  if (!spec.startsWith('.') && !spec.startsWith('/')) return undefined;
  return relative(ROOT, resolve(dirname(file), spec)).split(sep).join('/');
}

function areaOf(rel: string): Area | undefined {
  return AREAS.find((a) => rel === a || rel.startsWith(`${a}/`));
}

interface Edge {
  from: string;
  to: string;
  spec: string;
}

/** References between areas that break the rule, given each file's (repo-relative) path and text. */
function upwardEdges(files: readonly { rel: string; text: string }[]): Edge[] {
  const bad: Edge[] = [];
  for (const f of files) {
    const fromArea = areaOf(f.rel);
    if (!fromArea) continue;
    for (const spec of moduleReferences(f.rel, f.text)) {
      const to = target(join(ROOT, f.rel), spec);
      const toArea = to === undefined ? undefined : areaOf(to);
      if (to !== undefined && toArea && FORBIDDEN[fromArea].includes(toArea)) bad.push({ from: f.rel, to, spec });
    }
  }
  return bad;
}

function projectFiles(): { rel: string; text: string }[] {
  return AREAS.flatMap((a) => sourceFiles(join(ROOT, a))).map((abs) => ({ rel: relative(ROOT, abs).split(sep).join('/'), text: readFileSync(abs, 'utf8') }));
}

describe('dependency direction (firmware-spec <- emulator, bitstreams-src <- host)', () => {
  it('finds every kind of module reference', () => {
    const text = [
      "import a from '../host/a.ts';",
      "import type { B } from '../host/b.ts';",
      "export { c } from '../host/c.ts';",
      "export * from '../host/d.ts';",
      "import '../host/e.ts';",
      "const f = await import('../host/f.ts');",
      "type G = import('../host/g.ts').G;",
      "const h = require('../host/h.cjs');",
      "const i = new URL('../host/i.ts', import.meta.url);",
      "import j = require('../host/j.cjs');",
      "const k = new URL('https://example.org/'); import { l } from 'zod';",
    ].join('\n');
    expect(moduleReferences('emulator/x.ts', text)).toEqual(['../host/a.ts', '../host/b.ts', '../host/c.ts', '../host/d.ts', '../host/e.ts', '../host/f.ts', '../host/g.ts', '../host/h.cjs', '../host/i.ts', '../host/j.cjs', 'zod']);
  });

  it('tells an upward reference from a downward one', () => {
    const files = [
      { rel: 'firmware-spec/x.ts', text: "import { y } from '../emulator/y.ts';\nimport { z } from './z.ts';" },
      { rel: 'emulator/a/b.ts', text: "import type { C } from '../../host/device/c.ts';\nimport { d } from '../../firmware-spec/d.ts';" },
      { rel: 'bitstreams-src/e.ts', text: "import { f } from 'seedwire';\nimport { g } from '../firmware-spec/g.ts';\nimport { h } from '../emulator/h.ts';" },
      { rel: 'host/i.ts', text: "import { j } from '../emulator/j.ts';\nimport { k } from '../bitstreams-src/k.ts';" },
    ];
    expect(upwardEdges(files).map((e) => `${e.from} -> ${e.to}`)).toEqual([
      'firmware-spec/x.ts -> emulator/y.ts',
      'emulator/a/b.ts -> host/device/c.ts',
      'bitstreams-src/e.ts -> host/index.ts',
    ]);
  });

  it('no source file references an area above its own', () => {
    const files = projectFiles();
    // the scan saw the tree: every area has sources, and the emulator's references to the spec
    for (const a of AREAS) expect(files.some((f) => areaOf(f.rel) === a), a).toBe(true);
    expect(files.find((f) => f.rel === 'emulator/device.ts')?.text).toBeDefined();
    expect(moduleReferences('emulator/device.ts', files.find((f) => f.rel === 'emulator/device.ts')!.text)).toContain('../firmware-spec/device-client.ts');

    expect(upwardEdges(files).map((e) => `${e.from} -> ${e.spec}`)).toEqual([]);
  });

  it("the device client's contract is firmware-spec's, and the emulator's direct client implements it", () => {
    const direct = readFileSync(join(ROOT, 'emulator/balance/direct-client.ts'), 'utf8');
    expect(moduleReferences('emulator/balance/direct-client.ts', direct)).toContain('../../firmware-spec/device-client.ts');
  });
});
