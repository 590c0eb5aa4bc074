/**
 * The up5k build and the emulator's up5k capability agree: the lanes, memories and clock the RTL is
 * built with (spec.vh, generated from PROFILES.up5k, and the synthesised netlist when a build exists)
 * are the ones capabilityFor('up5k') reports.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { capabilityFor } from '../../firmware-spec/capability.ts';
import { DEVICE_ERRORS } from '../../firmware-spec/errors.ts';
import { ICEBREAKER_OSC_HZ, SPEC_VH_PATH } from '../../firmware-spec/gen/verilog.ts';
import { specHash } from '../../firmware-spec/hash.ts';
import { NAK, OPCODES, RESPONSE_FLAG } from '../../firmware-spec/protocol.ts';
import { REPO } from './harness.ts';
import { BOARD_DEFINES } from '../../bitstreams-src/build.ts';

const cap = capabilityFor('up5k', 'n/a');
const vh = readFileSync(join(REPO, SPEC_VH_PATH), 'utf8');
const def = (name: string) => {
  const m = new RegExp(`^\`define ${name} (\\S+)`, 'm').exec(vh);
  if (!m) throw new Error(`spec.vh has no ${name}`);
  return Number(m[1]);
};

describe('up5k build vs the up5k capability', () => {
  it('spec.vh states the capability\'s lanes, memories and clock', () => {
    expect(def('SW_LANES')).toBe(cap.maxLanesPerJunction);
    // the engine's lanes serve each junction in turn (timing 'shared-engine')
    expect(cap.timing).toBe('shared-engine');
    expect(cap.maxLanes).toBe(def('SW_LANES') * cap.maxJunctions);
    expect(def('SW_WEIGHT_WORDS')).toBe(cap.weightWords);
    // every lane's bank: weight rows, then the firmware RAM's rows (one 32-bit word across the two
    // lanes' 16-bit words), then the sample ring's rows
    expect(def('SW_LANES') * def('SW_WEIGHT_ROWS')).toBe(cap.weightWords);
    expect(def('SW_CPU_ROW_BASE')).toBe(def('SW_WEIGHT_ROWS'));
    expect(def('SW_CPU_ROW_BASE') % 2).toBe(0);
    expect(def('SW_RING_ROW_BASE') - def('SW_CPU_ROW_BASE')).toBe(def('SW_CPU_RAM_BYTES') / 4);
    expect(def('SW_LANES') * (def('SW_WROWS') - def('SW_RING_ROW_BASE'))).toBe(def('SW_RING_WORDS'));
    // the sample ring: two input bytes per 16-bit word
    expect(2 * def('SW_RING_WORDS')).toBe(cap.sampleBufferBytes);
    expect(2 ** def('SW_RING_BYTE_BITS')).toBe(cap.sampleBufferBytes);
    // activation slots, deltas and DFA rows: the sequencer's store past its globals (store.ts)
    expect(def('SW_SEQ_WORDS') - def('SW_STORE_GLOBAL_WORDS')).toBe(cap.activationWords);
    expect(def('SW_STORE_GLOBAL_WORDS') + cap.maxJunctions * def('SW_STORE_JUNCTION_WORDS')).toBeLessThanOrEqual(def('SW_SEQ_WORDS'));
    const pll = (ICEBREAKER_OSC_HZ / (def('SW_PLL_DIVR') + 1)) * (def('SW_PLL_DIVF') + 1) / 2 ** def('SW_PLL_DIVQ');
    expect(pll).toBe(cap.clockHz);
    expect(def('SW_CLOCK_HZ')).toBe(cap.clockHz);
    expect(cap.clockHz).toBeGreaterThanOrEqual(24e6);
  });

  it('spec.vh carries the spec hash, the opcodes and the error codes (issue 3)', () => {
    const raw = (name: string) => {
      const m = new RegExp(`^\`define ${name} (\\S+)`, 'm').exec(vh);
      if (!m) throw new Error(`spec.vh has no ${name}`);
      return m[1];
    };
    const hex = (v: string) => parseInt(v.replace(/^\d+'h/, ''), 16);
    expect(raw('SW_SPEC_HASH32')).toBe(`32'h${specHash().slice(0, 8)}`);
    for (const [k, v] of Object.entries(OPCODES)) expect(hex(raw(`SW_OP_${k}`)), k).toBe(v.code);
    expect(hex(raw('SW_RESPONSE_FLAG'))).toBe(RESPONSE_FLAG);
    expect(hex(raw('SW_NAK'))).toBe(NAK);
    for (const [k, v] of Object.entries(DEVICE_ERRORS)) expect(def(`SW_ERR_${k.toUpperCase()}`), k).toBe(v);
  });

  const netlistPath = join(REPO, 'bitstreams-src', 'build', 'seedwire-up5k.json');
  it.skipIf(!existsSync(netlistPath))(`the synthesised netlist has them too${existsSync(netlistPath) ? '' : ' (no build yet: run seedwire bitstream)'}`, () => {
    const nl = JSON.parse(readFileSync(netlistPath, 'utf8')) as { modules: Record<string, { cells: Record<string, { type: string; parameters: Record<string, string> }> }> };
    const cells = Object.values(nl.modules.sw_top.cells);
    const count = (t: string) => cells.filter((c) => c.type === t).length;
    // every lane's bank is two SPRAMs of 16K x 16 (even and odd rows): the weight rows, the firmware
    // RAM's rows, then the sample ring's rows (two input bytes per word)
    expect(count('SB_SPRAM256KA') * 16 * 1024).toBe(cap.weightWords + def('SW_CPU_RAM_BYTES') / 2 + cap.sampleBufferBytes / 2);
    expect(count('SB_SPRAM256KA')).toBe(2 * cap.maxLanesPerJunction);
    // three multipliers per lane (FF a*w, BP w*d, UP d*a) and the sequencer's sample record address
    // (head + x * record bytes, sw_seq.v); the board's control plane is firmware (build.ts
    // BOARD_DEFINES: SW_CPU_PORT), whose multiplications are the core's (none in hardware)
    expect(BOARD_DEFINES).toContain('SW_CPU_PORT');
    expect(count('SB_MAC16')).toBe(3 * cap.maxLanesPerJunction + 1);
    const pll = cells.find((c) => c.type === 'SB_PLL40_PAD');
    expect(pll).toBeDefined();
    const p = (k: string) => parseInt(pll!.parameters[k], 2);
    expect((ICEBREAKER_OSC_HZ / (p('DIVR') + 1)) * (p('DIVF') + 1) / 2 ** p('DIVQ')).toBe(cap.clockHz);
  });
});
