import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { addEnergy, assumedEntries, energyProfileFor, loadEnergyTable, memoryAccessEnergy, multiplyEnergy, parseEnergyTable } from '../../host/profile/energy-table.ts';
import { defaultLinkFor, linkSeconds, parseLinkRate } from '../../host/profile/link.ts';

describe('energy table', () => {
  const t = loadEnergyTable();
  it('reproduces the cited Horowitz points and scales by width', () => {
    expect(addEnergy(t, 8)).toBeCloseTo(0.03, 12);
    expect(addEnergy(t, 32)).toBeCloseTo(0.1, 12);
    expect(multiplyEnergy(t, 32, 32)).toBeCloseTo(3.1, 12);
    expect(multiplyEnergy(t, 64, 64)).toBeCloseTo(3.1 * 4, 12); // width^2 beyond the last point
    expect(addEnergy(t, 64)).toBeCloseTo(0.2, 12); // width^1
    expect(memoryAccessEnergy(t, 8192, 64)).toBe(10);
    expect(memoryAccessEnergy(t, 32768, 64)).toBe(20);
    expect(memoryAccessEnergy(t, 1 << 20, 64)).toBe(100);
    expect(memoryAccessEnergy(t, 16384, 64)).toBe(15); // halfway on log2(size)
    expect(memoryAccessEnergy(t, 4 << 20, 64)).toBe(2000); // DRAM above 1 MB
  });
  it('lists every problem with its path on one line', () => {
    const raw = JSON.parse(readFileSync(new URL('../../host/profile/energy-45nm.json', import.meta.url), 'utf8'));
    raw.sram.read[0].pj = -1;
    delete raw.wire.pcie;
    let msg = '';
    try {
      parseEnergyTable(raw, 'x.json');
    } catch (e) {
      msg = (e as Error).message;
    }
    expect(msg).toMatch(/^x\.json: /);
    expect(msg).toMatch(/sram\.read\.0\.pj/);
    expect(msg).toMatch(/wire\.pcie/);
    expect(msg).not.toMatch(/\n/);
  });
});

describe('the up5k energy table', () => {
  const t = loadEnergyTable(undefined, 'up5k');
  // published iCE40UP5K core-rail currents (uA at 1.219 V, 12 MHz; tinyvision-ai-inc/ice40_power)
  const pjPerClock = (microamps: number) => (microamps * 1e-6 * 1.219) / 12e6 / 1e-12;
  const perLc = pjPerClock(641.3 - 613.5) / (228 - 32);
  it('is the default of the up5k profile, and emu keeps the 45 nm one', () => {
    expect(t.name).toMatch(/ice40up5k/);
    expect(loadEnergyTable(undefined, 'emu').name).toBe('horowitz-45nm');
    expect(energyProfileFor('up5k')).toBe('up5k');
    expect(energyProfileFor('some-board')).toBe('emu');
  });
  it('derives its measured entries from the published currents', () => {
    expect(addEnergy(t, 8)).toBeCloseTo(8 * perLc, 3);
    expect(addEnergy(t, 32)).toBeCloseTo(32 * perLc, 3);
    expect(multiplyEnergy(t, 16, 16)).toBeCloseTo(pjPerClock(882 - 645) - 44 * perLc, 1);
    expect(t.lfsrStep.pj).toBeCloseTo(32 * perLc, 3);
  });
  it('says which entries are assumptions', () => {
    expect(assumedEntries(t)).toEqual(expect.arrayContaining(['shift', 'lfsrStep', 'sram', 'wire.uart']));
    expect(assumedEntries(t)).not.toContain('dram'); // a fact of the part: it has no DRAM
  });
});

describe('link rate', () => {
  it('UART: 10 bits per byte; PCIe: bytes per second; defaults follow the device URI', () => {
    const u = parseLinkRate('uart:3000000');
    expect(u.bytesPerSecond).toBe(300_000);
    expect(linkSeconds(u, 300_000, 1000)).toBe(1);
    expect(parseLinkRate('pcie:4e9').bytesPerSecond).toBe(4e9);
    expect(defaultLinkFor('serial:/dev/ttyUSB1?baud=115200').bytesPerSecond).toBe(11_520);
    expect(defaultLinkFor('pcie:/dev/xdma0').kind).toBe('pcie');
    expect(defaultLinkFor('emu').spec).toBe('uart:3000000');
    for (const bad of ['uart', 'uart:0', 'usb:5', 'pcie:-1', 'uart:fast']) expect(() => parseLinkRate(bad), bad).toThrow(/--link-rate/);
  });
});
