import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lastJson, runCliAsync } from '../helpers/cli.ts';

/** `seedwire profile` as a user runs it: the acceptance command, then the outputs one by one. */
const tmp = mkdtempSync(join(tmpdir(), 'seedwire-profile-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface TraceEvent {
  name: string;
  ph: string;
  pid: number;
  tid?: number;
  ts?: number;
  dur?: number;
  args?: Record<string, unknown>;
}

let out: Record<string, unknown>;
let stdout = '';
beforeAll(async () => {
  const r = await runCliAsync(['profile', '--preset', 'mnist-sparse-38', '--samples', '200', '--device', 'emu', '--json', '--trace', join(tmp, 't.json'), '--report', join(tmp, 'r.html'), '--vcd', join(tmp, 'w.vcd')]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  stdout = r.stdout;
  out = lastJson(r.stdout);
});

describe('seedwire profile --json', () => {
  it('prints one JSON object as the last line of stdout', () => {
    expect(stdout.trim().split('\n').at(-1)!.startsWith('{')).toBe(true);
    expect(out.samplesTrained).toBe(200);
  });

  it('names the device profile and timing model it measured on', () => {
    expect(out.deviceProfile).toBe('emu');
    expect(out.timingModel).toBe('parallel');
    expect(out.deviceAssumed).toBe(false);
    expect(out.headline).toMatch(/^Figures for device profile emu, timing model parallel/);
  });

  it('energy components add up exactly to the total, and per junction and phase too', () => {
    const comps = out.energyComponentsPj as Record<string, number>;
    const sum = Object.values(comps).reduce((a, x) => a + x, 0);
    expect(sum).toBe(out.energyPj);
    expect(Object.values(comps).reverse().reduce((a, x) => a + x, 0)).toBe(out.energyPj);
    expect((out.deviceEnergyPj as number) + (out.wireEnergyPj as number)).toBe(out.energyPj);
    let phases = comps.lfsr + comps.wire;
    for (const j of out.junctions as Array<{ phases: Record<string, { energyPj: number; energyComponentsPj: Record<string, number> }> }>) {
      for (const p of Object.values(j.phases)) {
        expect(Object.values(p.energyComponentsPj).reduce((a, x) => a + x, 0)).toBe(p.energyPj);
        phases += p.energyPj;
      }
    }
    expect(phases).toBe(out.energyPj);
    const energyKeys: string[] = [];
    JSON.stringify(out, (k, v) => {
      if (/energy/i.test(k) && typeof v === 'number') energyKeys.push(k);
      return v;
    });
    expect(energyKeys.length).toBeGreaterThanOrEqual(3);
  });

  it('reports the pipelining speedup and the LFSR-against-CSR saving', () => {
    expect(typeof out.pipeliningSpeedup).toBe('number');
    expect(out.pipeliningSpeedup as number).toBeGreaterThan(1);
    const csr = out.lfsrVsCsr as Record<string, number>;
    expect(csr.lfsrVsCsrEnergySaving).toBeGreaterThan(0);
    expect(csr.lfsrVsCsrAreaSaving).toBeGreaterThan(0);
    expect(out.lfsrVsCsrEnergySaving).toBe(csr.lfsrVsCsrEnergySaving);
    const b = out.baselines as Record<string, { available: boolean; deviceTimeRatio?: number }>;
    for (const k of ['dense', 'csr', 'unpipelined', 'feedback', 'rounding']) expect(b[k].available, k).toBe(true);
    expect(b.unpipelined.deviceTimeRatio).toBeCloseTo(out.pipeliningSpeedup as number, 10);
    expect(['wire', 'compute', 'stalls']).toContain(out.bound);
    expect((out.schedule as { matchesCounters: boolean }).matchesCounters).toBe(true);
    expect((out.training as { curve: unknown[] }).curve.length).toBe(Math.ceil(200 / 32));
  });
});

describe('--trace', () => {
  let ev: TraceEvent[];
  beforeAll(() => {
    ev = JSON.parse(readFileSync(join(tmp, 't.json'), 'utf8')).traceEvents;
  });

  it('parses, with FF, BP and UP slices, counters and track names', () => {
    const names = new Set(ev.filter((e) => e.ph === 'X').map((e) => e.name));
    for (const n of ['FF', 'BP', 'UP']) expect(names.has(n), n).toBe(true);
    expect(ev.some((e) => e.ph === 'C' && e.name === 'wire bytes')).toBe(true);
    expect(ev.some((e) => e.ph === 'C' && e.name.startsWith('energy'))).toBe(true);
    const threads = ev.filter((e) => e.ph === 'M' && e.name === 'thread_name').map((e) => e.args!.name);
    for (const n of ['J1 FF', 'J1 UP', 'J2 FF', 'J2 BP', 'J2 UP', 'J1 lane 0']) expect(threads).toContain(n);
    expect(ev.some((e) => e.ph === 'M' && e.name === 'process_name')).toBe(true);
    // every X slice's track is named
    const named = new Set(ev.filter((e) => e.ph === 'M' && e.name === 'thread_name').map((e) => `${e.pid}/${e.tid}`));
    for (const e of ev.filter((x) => x.ph === 'X')) expect(named.has(`${e.pid}/${e.tid}`)).toBe(true);
  });

  it('slices nest strictly on every track', () => {
    const tracks = new Map<string, TraceEvent[]>();
    for (const e of ev.filter((x) => x.ph === 'X')) {
      expect(e.dur!).toBeGreaterThan(0);
      const k = `${e.pid}/${e.tid}`;
      if (!tracks.has(k)) tracks.set(k, []);
      tracks.get(k)!.push(e);
    }
    let nested = 0;
    for (const [k, list] of tracks) {
      list.sort((a, b) => a.ts! - b.ts! || b.dur! - a.dur!);
      const open: TraceEvent[] = [];
      for (const e of list) {
        while (open.length && open.at(-1)!.ts! + open.at(-1)!.dur! <= e.ts!) open.pop();
        const parent = open.at(-1);
        if (parent) {
          // inside its parent entirely, never straddling its end
          expect(e.ts! + e.dur!, `${k}: ${e.name} at ${e.ts} straddles ${parent.name}`).toBeLessThanOrEqual(parent.ts! + parent.dur!);
          nested++;
        }
        open.push(e);
      }
    }
    expect(nested).toBeGreaterThan(0); // cycles nest inside TRAIN chunks
  });

  it('is bounded and says so', () => {
    const phaseSlices = ev.filter((e) => e.ph === 'X' && ['FF', 'BP', 'UP'].includes(e.name));
    const cycles = new Set(phaseSlices.map((e) => e.args!.cycle));
    expect(cycles.size).toBe(64);
    const label = ev.find((e) => e.name === 'process_labels')!.args!.labels as string;
    expect(label).toMatch(/first 64 of 221 junction cycles/);
  });
});

describe('--vcd and --report', () => {
  it('writes a VCD that declares its signals and dumps values', () => {
    const v = readFileSync(join(tmp, 'w.vcd'), 'utf8');
    expect(v).toMatch(/\$timescale 1ps \$end/);
    expect(v).toMatch(/\$var wire 1 \S+ lane0_busy \$end/);
    expect(v).toMatch(/\$enddefinitions \$end/);
    expect(v).toMatch(/^#\d+$/m);
    const times = [...v.matchAll(/^#(\d+)$/gm)].map((m) => Number(m[1]));
    expect(times).toEqual([...times].sort((a, b) => a - b));
  });

  it('writes one self-contained HTML file', () => {
    const h = readFileSync(join(tmp, 'r.html'), 'utf8');
    expect(h).toMatch(/^<!DOCTYPE html>/);
    expect(h).not.toMatch(/<script[^>]+src=|<link[^>]+href=|https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
    expect((h.match(/<svg /g) ?? []).length).toBeGreaterThanOrEqual(8);
  });
});

describe('bad input: one clear error line, nothing written', () => {
  const bad = async (args: string[], dir: string) => {
    mkdirSync(dir, { recursive: true });
    const r = await runCliAsync(['profile', '--preset', 'tiny', '--samples', '10', '--json', '--trace', join(dir, 't.json'), '--report', join(dir, 'r.html'), ...args]);
    expect(r.code).not.toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    return r.stderr;
  };

  it('an energy table with a missing and a negative entry', async () => {
    const dir = join(tmp, 'bad-table');
    mkdirSync(dir);
    const table = JSON.parse(readFileSync(new URL('../../host/profile/energy-45nm.json', import.meta.url), 'utf8'));
    delete table.lfsrStep;
    table.multiply.points[1].pj = -3.1;
    const file = join(tmp, 'table.json');
    writeFileSync(file, JSON.stringify(table));
    const err = await bad(['--energy-table', file], dir);
    expect(err).toMatch(/bad_energy_table/);
    expect(err).toMatch(/lfsrStep/);
    expect(err).toMatch(/multiply\.points\.1\.pj/);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('an unwritable output path', async () => {
    const dir = join(tmp, 'ro');
    const err = await bad(['--vcd', join(tmp, 'no-such-dir', 'w.vcd')], dir);
    expect(err).toMatch(/unwritable_output.*--vcd/);
    expect(readdirSync(dir)).toEqual([]);
    if (process.getuid?.() !== 0) {
      const ro = join(tmp, 'readonly');
      mkdirSync(ro);
      chmodSync(ro, 0o500);
      const e2 = await bad(['--vcd', join(ro, 'w.vcd')], dir);
      expect(e2).toMatch(/unwritable_output/);
    }
  });

  it('zero samples, and a bad link rate', async () => {
    const dir = join(tmp, 'zero');
    expect(await bad(['--samples', '0'], dir)).toMatch(/--samples must be a positive integer/);
    expect(await bad(['--link-rate', 'uart:fast'], dir)).toMatch(/bad_link_rate/);
    expect(readdirSync(dir)).toEqual([]);
    expect(existsSync(join(dir, 't.json'))).toBe(false);
  });
});

describe('seedwire profile with no --device', () => {
  it('says in its first line which profile it assumed, and which energy entries are assumptions', async () => {
    const r = await runCliAsync(['profile', '--preset', 'mnist-sparse-38', '--samples', '64', '--no-baselines']);
    expect(r.code).toBe(0);
    const first = r.stdout.split('\n')[0];
    expect(first).toMatch(/device profile emu, timing model parallel/);
    expect(first).toMatch(/no --device given: assumed/);
    expect(first).toMatch(/ASSUMED entries: .*sram/);
    expect(r.stdout).toMatch(/are ASSUMPTIONS, not sourced figures/);
  });
});
