/**
 * Fault soak: 20,000 frames through drop=0.02, flip=0.005, dup=0.01. Every command must run exactly once
 * (the device's per-opcode run counters equal a clean run's) and every result must equal a clean link's.
 * The long soak runs on the in-process link with the same fault injector the device server uses; a
 * shorter one runs over a real pty to `seedwire emulator serve --pty --faults ...`.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { encodeWeights } from '../../firmware-spec/network.ts';
import { type SpawnedServer, spawnServer } from '../../host/cli/spawn-server.ts';
import { loadPreset } from '../../host/config/index.ts';
import { type DeviceClient, EmuTransport, type LinkClient, openDevice } from '../../host/device/index.ts';
import { plan } from '../../host/partition/index.ts';

const FAULTS = 'drop=0.02,flip=0.005,dup=0.01';

/**
 * Batches of overlapping calls (so many frames are in flight, as when a trainer double-buffers):
 * per batch 8 x (stream 4 samples, train 4), a weight write, a weight read and a status: 19 frames.
 */
async function workload(dev: DeviceClient, batches: number) {
  const cap = (await dev.identify()).capability;
  const net = plan(loadPreset('tiny'), cap).resolved.network;
  await dev.reset();
  await dev.configure(net);
  await dev.loadSeeds({ connectivity: net.junctions.map((j) => j.connectivitySeed), init: net.junctions.map((j) => j.initSeed), feedback: net.feedbackSeed, rounding: net.roundingSeed });
  const px = net.junctions[0].p;
  const classes = net.junctions.at(-1)!.n;
  const results: unknown[] = [];
  for (let b = 0; b < batches; b++) {
    const calls: Array<Promise<unknown>> = [];
    for (let k = 0; k < 8; k++) {
      const pixels = new Uint8Array(4 * px).map((_, i) => (Math.imul(i + 1, b * 8 + k + 7) >>> 3) & 0xff);
      const labels = new Uint8Array(4).map((_, i) => (b + k + i) % classes);
      calls.push(dev.streamSamples(k % 2 ? 'zrl' : 'u8', pixels, labels));
      calls.push(dev.train(4));
    }
    calls.push(dev.writeWeights(1, b % 8, Int32Array.of(b - 100, 100 - b)));
    calls.push(dev.readWeights(0, 0, 64).then((w) => Buffer.from(w.buffer).toString('base64')));
    // bootCount tells devices apart (a process-wide counter in the emulator), so it is left out
    calls.push(dev.status().then(({ bootCount: _b, ...st }) => st));
    results.push(await Promise.all(calls));
  }
  const weights = [];
  for (const [i, j] of net.junctions.entries()) weights.push(encodeWeights(await dev.readWeights(i, 0, j.n * j.fi), 16).toString('hex'));
  const { wireBytesIn: _i, wireBytesOut: _o, ...counters } = await dev.readCounters();
  return { results, weights, counters };
}

function ranOf(dev: LinkClient): Record<string, number> {
  return { ...(dev.transport as EmuTransport).endpoint.stats.ran };
}

let server: SpawnedServer | undefined;
afterAll(async () => {
  await server?.stop();
});

describe('fault soak', () => {
  it(`20,000 frames in process through ${FAULTS}: each command once, results as on a clean link`, async () => {
    const batches = 1060; // 19 frames each, plus setup and read-back: just over 20,000 requests
    const clean = await openDevice('emu');
    const want = await workload(clean, batches);
    const wantRan = ranOf(clean);
    const cleanStats = clean.linkStats();
    await clean.close();

    const t0 = performance.now();
    const dev = await openDevice(`emu?faults=${FAULTS},seed=12345`);
    const got = await workload(dev, batches);
    const seconds = (performance.now() - t0) / 1000;
    const stats = dev.linkStats();
    const t = dev.transport as EmuTransport;
    const injected = { toDevice: t.faultsToDevice!.stats, toHost: t.faultsToHost!.stats };
    const gotRan = ranOf(dev);
    await dev.close();

    expect(cleanStats.framesOut).toBeGreaterThanOrEqual(20_000);
    expect(cleanStats.retransmits).toBe(0);
    expect(gotRan).toEqual(wantRan);
    expect(got).toEqual(want);
    // the faults did happen, and were repaired
    expect(injected.toDevice.dropped + injected.toHost.dropped).toBeGreaterThan(400);
    expect(injected.toDevice.flipped + injected.toHost.flipped).toBeGreaterThan(100);
    expect(injected.toDevice.duplicated + injected.toHost.duplicated).toBeGreaterThan(200);
    expect(stats.retransmits).toBeGreaterThan(400);
    expect(stats.badFrames).toBeGreaterThan(50);
    expect(seconds).toBeLessThan(90);
    console.log(`soak: ${cleanStats.framesOut} requests, ${stats.retransmits} retransmits, ${stats.badFrames} bad frames, ${seconds.toFixed(1)} s; injected ${JSON.stringify(injected)}`);
  });

  it(`over a pty to \`seedwire emulator serve --pty --faults ${FAULTS}\``, async () => {
    const batches = 120;
    const clean = await openDevice('emu');
    const want = await workload(clean, batches);
    const wantRan = ranOf(clean);
    await clean.close();

    server = await spawnServer(['--pty', '--faults', `${FAULTS},seed=777`]);
    const dev = await openDevice(`serial:${server.path}?rto=60`);
    const got = await workload(dev, batches);
    const stats = dev.linkStats();
    await dev.close();
    const { stats: served } = await server.stop();
    server = undefined;
    expect(got).toEqual(want);
    const ep = served!.endpoint as { ran: Record<string, number> };
    expect(ep.ran).toEqual(wantRan);
    expect(stats.retransmits).toBeGreaterThan(0);
    console.log(`pty soak: ${stats.framesOut} frames out, ${stats.retransmits} retransmits, ${stats.badFrames} bad frames; server ${JSON.stringify({ faultsIn: served!.faultsIn, faultsOut: served!.faultsOut })}`);
  });
});
