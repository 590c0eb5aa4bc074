import { UART } from '../../firmware-spec/protocol.ts';
import { spawnServer } from '../../emulator/server/spawn.ts';
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
  /** payload bytes per frame (default: the serial transport's) */
  bulkPayload?: number;
}

/**
 * Bulk weight writes over a pty to `seedwire emulator serve --pty --baud N`: payload (weight) bytes per
 * second against the line's N/10 bytes per second (10 bits per byte: start + 8 data + stop). Target:
 * 90% or more. The server paces both directions, so the pty's own speed does not flatter the figure.
 */
export async function benchLink(opts: BenchLinkOptions = {}): Promise<object> {
  const baud = opts.baud ?? UART.baud;
  const target = opts.bytes ?? 1_500_000;
  const server = await spawnServer(['--pty', '--baud', String(baud)]);
  try {
    const dev = await openDevice(`serial:${server.path}?baud=${baud}`, { window: opts.window, bulkPayload: opts.bulkPayload });
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
        retransmitCauses: info.causes,
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
