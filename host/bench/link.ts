import { BULK_PAYLOAD, UART } from '../../firmware-spec/protocol.ts';
import { hasFaults, parseFaults } from '../../emulator/endpoint/faults.ts';
import { spawnServer } from '../cli/spawn-server.ts';
import { loadPreset } from '../config/index.ts';
import { openDevice } from '../device/open.ts';
import { plan } from '../partition/index.ts';

export interface BenchLinkOptions {
  /** UART rate the server paces to (default 3,000,000) */
  baud?: number;
  /** weight payload bytes to write (default 1.5 MB: about 5 s at 3 Mbaud) */
  bytes?: number;
  /** requests in flight (default: the protocol's WINDOW) */
  window?: number;
  /** payload bytes per frame (default BULK_PAYLOAD: the board's, the up5k profile's bulk frame) */
  bulkPayload?: number;
  /**
   * link faults (emulator/endpoint/faults.ts syntax, e.g. 'drop=0.02'): the same transfer is run a
   * second time through a server injecting them, and goodputFraction = lossy goodput / clean goodput
   */
  faults?: string;
}

/**
 * Bulk weight writes over a pty to `seedwire emulator serve --pty --baud N`: payload (weight) bytes per
 * second against the line's N/10 bytes per second (10 bits per byte: start + 8 data + stop). Target:
 * 90% or more. The server paces both directions, so the pty's own speed does not flatter the figure.
 * With `faults`, the clean run is followed by one through the faults, and the result adds `lossy`
 * (its figures) and `goodputFraction` (target 0.8 at drop=0.02).
 */
export async function benchLink(opts: BenchLinkOptions = {}): Promise<object> {
  const clean = await measure(opts, undefined);
  if (!opts.faults) return clean;
  const spec = parseFaults(opts.faults);
  if (!hasFaults(spec)) return clean;
  const lossy = await measure(opts, opts.faults);
  return {
    ...clean,
    faults: opts.faults,
    lossy,
    goodputFraction: round(lossy.payloadBytesPerSecond / clean.payloadBytesPerSecond, 4),
    targetGoodputFraction: 0.8,
  };
}

async function measure(opts: BenchLinkOptions, faults: string | undefined) {
  const baud = opts.baud ?? UART.baud;
  const target = opts.bytes ?? 1_500_000;
  const server = await spawnServer(['--pty', '--baud', String(baud), ...(faults ? ['--faults', faults] : [])]);
  try {
    const dev = await openDevice(`serial:${server.path}?baud=${baud}`, { window: opts.window, bulkPayload: opts.bulkPayload ?? BULK_PAYLOAD });
    try {
      const { capability } = dev.identity ?? (await dev.identify());
      const p = plan(loadPreset('mnist-sparse-38'), capability);
      const net = p.resolved.network;
      await dev.configure(net);
      await dev.loadSeeds({ connectivity: net.junctions.map((j) => j.connectivitySeed), init: net.junctions.map((j) => j.initSeed), feedback: net.feedbackSeed, rounding: net.roundingSeed });
      const words = await dev.readWeights(0, 0, p.junctions[0].edges);
      const bytesPerWrite = words.length * 2;
      // warm up: one write, so the measured span starts with the line busy
      await dev.writeWeights(0, 0, words);
      const before = dev.linkStats();
      const causesBefore = dev.linkInfo().causes;
      const t0 = performance.now();
      let payload = 0;
      // two bulk writes in flight, so the window never drains between calls
      let previous: Promise<void> | undefined;
      while (payload < target) {
        const next = dev.writeWeights(0, 0, words);
        if (previous) await previous;
        previous = next;
        payload += bytesPerWrite;
      }
      await previous;
      const seconds = (performance.now() - t0) / 1000;
      const after = dev.linkStats();
      const back = await dev.readWeights(0, 0, words.length);
      const intact = Buffer.compare(Buffer.from(back.buffer), Buffer.from(words.buffer)) === 0;
      const line = baud / UART.bitsPerByte;
      const info = dev.linkInfo();
      return {
        baud,
        lineBytesPerSecond: line,
        payloadBytes: payload,
        seconds: round(seconds, 3),
        payloadBytesPerSecond: Math.round(payload / seconds),
        efficiency: round(payload / seconds / line, 4),
        targetEfficiency: 0.9,
        wireBytesOut: after.bytesOut - before.bytesOut,
        framesOut: after.framesOut - before.framesOut,
        retransmits: after.retransmits - before.retransmits,
        retransmitCauses: Object.fromEntries(Object.entries(info.causes).map(([k, v]) => [k, v - causesBefore[k as keyof typeof causesBefore]])),
        window: info.window,
        bulkPayload: info.bulkPayload,
        readBackIntact: intact,
      };
    } finally {
      await dev.close();
    }
  } finally {
    await server.stop();
  }
}

function round(x: number, d: number): number {
  return Math.round(x * 10 ** d) / 10 ** d;
}
