import { afterAll, describe, expect, it } from 'vitest';
import { spawnServer, type SpawnedServer } from '../../emulator/server/spawn.ts';
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
    expect(serial.counters).toEqual(local.counters);
    expect(serial.training.weightsSha256).toBe(local.training.weightsSha256);
    expect(serial.breakdown.energy.components).toEqual(local.breakdown.energy.components);
    expect(serial.breakdown.energy.totalPj).toBe(local.breakdown.energy.totalPj);
    expect(serial.breakdown.energy.deviceEnergyPj).toBe(local.breakdown.energy.deviceEnergyPj);
    expect(serial.breakdown.time.deviceSeconds).toBe(local.breakdown.time.deviceSeconds);
    for (const [i, j] of local.breakdown.junctions.entries()) {
      for (const ph of ['FF', 'BP', 'UP'] as const) expect(serial.breakdown.junctions[i].phases[ph].energyPj).toEqual(j.phases[ph].energyPj);
    }
  });
});
