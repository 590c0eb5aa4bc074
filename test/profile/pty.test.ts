import { afterAll, describe, expect, it } from 'vitest';
import { spawnServer, type SpawnedServer } from '../../host/cli/spawn-server.ts';
import { runProfile } from '../../host/profile/session.ts';

/**
 * The counters and energy from `emu` are those of the emulator behind a pty (`seedwire emulator serve
 * --pty`, a child process in its own process group, stopped after): every counter, wire bytes
 * included (the device counts protocol frame bytes, and every transport sends the same frames).
 */
const servers: SpawnedServer[] = [];
afterAll(async () => {
  for (const s of servers) await s.stop();
});

describe('profile: emu and the emulator over a pty agree', () => {
  it('same device counters and device energy for 200 samples', async () => {
    const opts = { preset: 'mnist-sparse-38', samples: 200, baselines: false, linkRate: 'uart:3000000' };
    const local = await runProfile({ ...opts, device: 'emu' });
    const pty = await spawnServer(['--pty']);
    servers.push(pty);
    const serial = await runProfile({ ...opts, device: `serial:${pty.path}` });
    expect(local.linkRetransmits).toBe(0);
    // the device counts the frames it received: a frame the host resent (a loaded machine can delay
    // an answer past the timeout) adds its bytes to wireBytesIn/Out and to the wire energy, and to
    // nothing else; with no resend every counter and figure is identical. A resend can land after the
    // device took its counter snapshot (the READ_COUNTERS request itself resent), so it may add nothing.
    const wire = ({ wireBytesIn, wireBytesOut }: typeof local.counters) => ({ wireBytesIn, wireBytesOut });
    const { wireBytesIn: _li, wireBytesOut: _lo, ...localRest } = local.counters;
    const { wireBytesIn: _si, wireBytesOut: _so, ...serialRest } = serial.counters;
    expect(serialRest).toEqual(localRest);
    if (serial.linkRetransmits === 0) {
      expect(wire(serial.counters)).toEqual(wire(local.counters));
      expect(serial.breakdown.energy.totalPj).toBe(local.breakdown.energy.totalPj);
    } else {
      expect(serial.counters.wireBytesIn).toBeGreaterThanOrEqual(local.counters.wireBytesIn);
      expect(serial.counters.wireBytesOut).toBeGreaterThanOrEqual(local.counters.wireBytesOut);
    }
    expect(serial.training.weightsSha256).toBe(local.training.weightsSha256);
    expect(serial.breakdown.energy.deviceEnergyPj).toBe(local.breakdown.energy.deviceEnergyPj);
    expect(serial.breakdown.time.deviceSeconds).toBe(local.breakdown.time.deviceSeconds);
    const { wire: _lw, ...localComponents } = local.breakdown.energy.components;
    const { wire: _sw, ...serialComponents } = serial.breakdown.energy.components;
    expect(serialComponents).toEqual(localComponents);
    for (const [i, j] of local.breakdown.junctions.entries()) {
      for (const ph of ['FF', 'BP', 'UP'] as const) expect(serial.breakdown.junctions[i].phases[ph].energyPj).toEqual(j.phases[ph].energyPj);
    }
  });
});
