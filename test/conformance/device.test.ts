/**
 * The device conformance suite (firmware-spec/SPEC.md is the contract it checks): one suite, run
 * against the device that SEEDWIRE_DEVICE names (default `emu`, the emulator in this process). CI also
 * runs it over a pty to `seedwire emulator serve --pty` and over FIFOs to `--xdma`
 * (.ci/conformance-transports).
 * Where the emulator and the RTL disagree, the RTL is the truth.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Capability, SAMPLE_ENCODINGS } from '../../firmware-spec/capability.ts';
import { DeviceError } from '../../firmware-spec/errors.ts';
import type { DeviceCounters } from '../../firmware-spec/counters.ts';
import { specHash } from '../../firmware-spec/hash.ts';
import { encodeWeights, type NetworkDescriptor } from '../../firmware-spec/network.ts';
import { quantizeImages } from '../../firmware-spec/encodings.ts';
import { loadPreset, parseConfig } from '../../host/config/index.ts';
import { type DeviceClient, openDevice } from '../../host/device/index.ts';
import { plan } from '../../host/partition/index.ts';

const URI = process.env.SEEDWIRE_DEVICE ?? 'emu';
const BOARD = process.env.SEEDWIRE_BOARD;
const BOARD_LINE = 'SEEDWIRE_DEVICE=serial:/dev/ttyUSB1?baud=3000000 SEEDWIRE_BOARD=1 npx vitest run test/conformance';

let dev: DeviceClient;
let cap: Capability;

beforeAll(async () => {
  dev = await openDevice(URI);
  cap = (await dev.identify()).capability;
});
afterAll(async () => {
  await dev?.close();
});

/** The `tiny` preset; its lane counts are left to the partitioner when the device has fewer lanes. */
function tinyNet(c: Capability): NetworkDescriptor {
  const cfg = loadPreset('tiny');
  const js = cfg.junctions ?? [];
  const zs = js.map((j) => j.z ?? 1);
  if (zs.some((z) => z > c.maxLanesPerJunction) || zs.reduce((a, b) => a + b, 0) > c.maxLanes) for (const j of js) delete j.z;
  return plan(cfg, c).resolved.network;
}

function seedsOf(net: NetworkDescriptor) {
  return { connectivity: net.junctions.map((j) => j.connectivitySeed), init: net.junctions.map((j) => j.initSeed), feedback: net.feedbackSeed, rounding: net.roundingSeed };
}

/** Deterministic samples: n images of `px` pixels with some zeros (zrl has runs to encode) and labels. */
function samples(n: number, px: number, classes: number, salt = 0): { pixels: Uint8Array; labels: Uint8Array } {
  const pixels = new Uint8Array(n * px);
  for (let i = 0; i < pixels.length; i++) {
    const v = (Math.imul(i + salt * 7919, 2654435761) >>> 24) & 0xff;
    pixels[i] = v < 100 ? 0 : v;
  }
  const labels = new Uint8Array(n).map((_, i) => (i * 7 + salt) % classes);
  return { pixels, labels };
}

async function expectDeviceError(p: Promise<unknown>, code: string): Promise<void> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e, `expected DeviceError ${code}`).toBeInstanceOf(DeviceError);
  expect((e as DeviceError).code).toBe(code);
}

/** One fixed command sequence; everything it returns must be identical run after run, device after device. */
async function sequence(d: DeviceClient, c: Capability) {
  const net = tinyNet(c);
  await d.reset();
  await d.configure(net);
  await d.loadSeeds(seedsOf(net));
  const { pixels, labels } = samples(96, net.junctions[0].p, net.junctions.at(-1)!.n, 1);
  await d.streamSamples('u8', pixels, labels);
  const t1 = await d.train(32);
  const t2 = await d.train(32);
  const inf = await d.infer(32);
  const weights = [];
  for (const [i, j] of net.junctions.entries()) weights.push(Buffer.from(encodeWeights(await d.readWeights(i, 0, j.n * j.fi), net.formats.weight.bits)).toString('hex'));
  const counters = comparableCounters(await d.readCounters(), c);
  return { t1, t2, inf: { ...inf, predictions: Array.from(inf.predictions) }, weights, counters };
}

/**
 * The counters every device of a profile reports alike. Wire bytes depend on the link (a board drops
 * frames that arrive while it runs a request; the host resends them). The up5k board counts only
 * clocks, junction cycles and samples (firmware-spec/SPEC.md section 7, "What the RTL counts"): its
 * LFSR-step and per-junction counters are 0, so against it only those and the junction count compare.
 */
function comparableCounters(counters: DeviceCounters, c: Capability) {
  const { wireBytesIn: _i, wireBytesOut: _o, ...rest } = counters;
  if (c.profile !== 'up5k') return rest;
  const { clocks, junctionCycles, samplesTrained, samplesInferred, balancerClocks, junctions } = rest;
  return { clocks, junctionCycles, samplesTrained, samplesInferred, balancerClocks, junctions: junctions.length };
}

describe(`device conformance: ${URI}`, () => {
  it('identifies itself with this spec hash and a sane capability', async () => {
    const id = await dev.identify();
    expect(id.capability.specHash).toBe(specHash());
    expect(id.bootCount).toBeGreaterThanOrEqual(1);
    expect(id.capability.maxLanes).toBeGreaterThanOrEqual(id.capability.maxLanesPerJunction);
    expect(id.capability.encodings).toContain('u8');
    expect(id.capability.clockHz).toBeGreaterThan(0);
  });

  it('configures and loads seeds for a small network planned against its capability', async () => {
    const net = tinyNet(cap);
    await dev.reset();
    let st = await dev.status();
    expect(st.configured).toBe(false);
    await dev.configure(net);
    await dev.loadSeeds(seedsOf(net));
    st = await dev.status();
    expect(st).toMatchObject({ configured: true, seeded: true, bufferedSamples: 0 });
  });

  it('writes and reads back weights, exact bytes, across many frames', async () => {
    // 8,192 weights of junction 1: 16 KB, several frames on any transport; small enough for up5k
    const p = plan(parseConfig({ name: 'frames', layers: [256, 128, 10], junctions: [{ fo: 32 }, { fo: 10 }], chunk: 8 }), cap);
    const net = p.resolved.network;
    await dev.reset();
    await dev.configure(net);
    await dev.loadSeeds(seedsOf(net));
    const W = p.junctions[0].edges;
    const w = new Int32Array(W).map((_, k) => ((Math.imul(k, 40503) >>> 0) % 65536) - 32768);
    await dev.writeWeights(0, 0, w);
    const back = await dev.readWeights(0, 0, W);
    expect(Buffer.from(encodeWeights(back, 16)).equals(encodeWeights(w, 16))).toBe(true);
    // a slice at an odd offset
    const part = await dev.readWeights(0, 1001, 2777);
    expect(Array.from(part)).toEqual(Array.from(w.subarray(1001, 3778)));
    // junction 2 untouched by writes to junction 1: still its initial weights, and writable
    const j2 = await dev.readWeights(1, 0, p.junctions[1].edges);
    expect(j2.length).toBe(p.junctions[1].edges);
    await dev.writeWeights(1, 5, Int32Array.of(-1, 0, 1));
    expect(Array.from(await dev.readWeights(1, 4, 5))).toEqual([j2[4], -1, 0, 1, j2[8]]);
  });

  it('streams samples in every encoding it declares, trains, infers and counts', async () => {
    const net = tinyNet(cap);
    await dev.reset();
    await dev.configure(net);
    await dev.loadSeeds(seedsOf(net));
    await dev.clearCounters();
    const px = net.junctions[0].p;
    const classes = net.junctions.at(-1)!.n;
    let trained = 0;
    let inferred = 0;
    let cycles = 0;
    let clocks = 0;
    for (const [k, enc] of cap.encodings.entries()) {
      const { pixels, labels } = samples(40, px, classes, k);
      const sent = await dev.streamSamples(enc, pixels, labels);
      expect(sent.bytes).toBeGreaterThan(40);
      expect((await dev.status()).bufferedSamples).toBe(40);
      const t = await dev.train(24);
      expect(t.samples).toBe(24);
      expect(t.correct).toBeLessThanOrEqual(24);
      const inf = await dev.infer(16);
      expect(inf.predictions.length).toBe(16);
      for (const y of inf.predictions) expect(y).toBeLessThan(classes);
      trained += 24;
      inferred += 16;
      cycles += t.junctionCycles + inf.junctionCycles;
      clocks += t.clocks + inf.clocks;
    }
    const c = await dev.readCounters();
    expect(c.samplesTrained).toBe(trained);
    expect(c.samplesInferred).toBe(inferred);
    expect(c.junctionCycles).toBe(cycles);
    expect(c.clocks).toBe(clocks);
    expect(c.junctions.length).toBe(net.junctions.length);
    expect(c.wireBytesIn).toBeGreaterThan(0);
    expect(c.wireBytesOut).toBeGreaterThan(0);
    expect((await dev.status()).bufferedSamples).toBe(0);
  });

  it('sees the same pixels whatever the encoding (u8 and zrl lossless, u4 and bin as quantised)', async () => {
    const net = tinyNet(cap);
    const px = net.junctions[0].p;
    const { pixels, labels } = samples(16, px, net.junctions.at(-1)!.n, 3);
    const results: Record<string, number[]> = {};
    for (const enc of cap.encodings) {
      await dev.reset();
      await dev.configure(net);
      await dev.loadSeeds(seedsOf(net));
      await dev.streamSamples(enc, pixels, labels);
      const viaEnc = Array.from((await dev.infer(16)).predictions);
      await dev.streamSamples('u8', quantizeImages(pixels, enc), labels);
      expect(Array.from((await dev.infer(16)).predictions), enc).toEqual(viaEnc);
      results[enc] = viaEnc;
    }
    if (results.zrl) expect(results.zrl).toEqual(results.u8);
  });

  it('answers bad commands with NAK codes and keeps working', async () => {
    await dev.reset();
    await expectDeviceError(dev.train(1), 'not_configured');
    await expectDeviceError(dev.readWeights(0, 0, 1), 'not_configured');
    const net = tinyNet(cap);
    await dev.configure(net);
    await expectDeviceError(dev.readWeights(0, 0, 1), 'no_seeds');
    await dev.loadSeeds(seedsOf(net));
    const W = net.junctions[0].n * net.junctions[0].fi;
    await expectDeviceError(dev.readWeights(0, W, 1), 'out_of_range');
    await expectDeviceError(dev.readWeights(7, 0, 1), 'out_of_range');
    await expectDeviceError(dev.writeWeights(0, W - 1, Int32Array.of(1, 2)), 'out_of_range');
    await expectDeviceError(dev.train(1), 'sample_underflow');
    const px = net.junctions[0].p;
    await expectDeviceError(dev.streamSamples('u8', new Uint8Array(px), Uint8Array.of(200)), 'bad_payload');
    for (const enc of SAMPLE_ENCODINGS.filter((e) => !cap.encodings.includes(e))) {
      await expectDeviceError(dev.streamSamples(enc, new Uint8Array(px), Uint8Array.of(0)), 'bad_encoding');
    }
    const tooWide = structuredClone(net);
    tooWide.junctions[0].z = cap.maxLanesPerJunction + 1;
    await expectDeviceError(dev.configure(tooWide), 'bad_descriptor');
    const bad = structuredClone(net);
    bad.junctions[1].p = bad.junctions[0].n + 1;
    await expectDeviceError(dev.configure(bad), 'bad_descriptor');
    await expectDeviceError(dev.loadSeeds({ ...seedsOf(net), feedback: 0 }), 'bad_payload');
    // still configured with the good network, still answering
    const st = await dev.status();
    expect(st).toMatchObject({ configured: true, seeded: true, bufferedSamples: 0 });
  });

  it('is deterministic: the same command sequence twice gives identical results', async () => {
    const a = await sequence(dev, cap);
    const b = await sequence(dev, cap);
    expect(b).toEqual(a);
  });

  it('matches the in-process emulator of its profile bit for bit', async () => {
    const ref = await openDevice(`emu?profile=${cap.profile}`);
    try {
      const refCap = (await ref.identify()).capability;
      expect(await sequence(dev, cap)).toEqual(await sequence(ref, refCap));
    } finally {
      await ref.close();
    }
  });

  it('keeps commands in call order when they overlap', async () => {
    const net = tinyNet(cap);
    await dev.reset();
    await dev.configure(net);
    await dev.loadSeeds(seedsOf(net));
    const px = net.junctions[0].p;
    const { pixels, labels } = samples(64, px, net.junctions.at(-1)!.n, 5);
    // not awaited one by one: all in flight together, run in call order
    const calls = [];
    for (let i = 0; i < 8; i++) {
      calls.push(dev.streamSamples('u8', pixels.subarray(i * 8 * px, (i + 1) * 8 * px), labels.subarray(i * 8, (i + 1) * 8)));
      calls.push(dev.train(8));
    }
    const rs = await Promise.all(calls);
    expect(rs.filter((r) => 'samples' in r).map((r) => (r as { samples: number }).samples)).toEqual(new Array(8).fill(8));
    expect((await dev.readCounters()).samplesTrained).toBe(64);
  });
});

describe.skipIf(!BOARD)(`board (pending: run \`${BOARD_LINE}\`)`, () => {
  it('is an iCEBreaker (up5k profile) that matches the emulator bit for bit', async () => {
    expect(cap.profile).toBe('up5k');
    const ref = await openDevice('emu?profile=up5k');
    try {
      expect(await sequence(dev, cap)).toEqual(await sequence(ref, (await ref.identify()).capability));
    } finally {
      await ref.close();
    }
  });
});
