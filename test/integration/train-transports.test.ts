import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { spawnServer, type SpawnedServer } from '../../host/cli/spawn-server.ts';
import { train } from '../../host/train/index.ts';

/**
 * Bit-exact across transports: the same training run gives the same weightsSha256, device cycles,
 * wireBytes and accuracies on the emulator in process, behind a real pty and behind XDMA FIFOs.
 */
const servers: SpawnedServer[] = [];
const tmp = mkdtempSync(join(tmpdir(), 'seedwire-transports-'));
afterAll(async () => {
  for (const s of servers) await s.stop();
  rmSync(tmp, { recursive: true, force: true });
});

const run = (device: string) => train({ preset: 'mnist-sparse-38', device, epochs: 1, samples: 2000, evaluateEachEpoch: false });

describe('training is bit-exact across transports', () => {
  it('emu, serial over a pty, and pcie over FIFOs give the same weights for 2,000 samples', async () => {
    const local = await run('emu');
    const pty = await spawnServer(['--pty']);
    servers.push(pty);
    const serial = await run(`serial:${pty.path}`);
    const xdma = await spawnServer(['--xdma', tmp]);
    servers.push(xdma);
    const pcie = await run(`pcie:${xdma.path}`);
    for (const r of [serial, pcie]) {
      expect(r.weightsSha256).toBe(local.weightsSha256);
      expect(r.deviceCycles).toBe(local.deviceCycles);
      expect(r.deviceClocks).toBe(local.deviceClocks);
      expect(r.testAccuracy).toBe(local.testAccuracy);
      expect(r.trainAccuracy).toBe(local.trainAccuracy);
      // frame bytes both ways: the same on every transport (SLIP's own bytes stay out)
      expect(r.wireBytes).toBe(local.wireBytes);
    }
  });
});
