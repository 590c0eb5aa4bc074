import type { EmulatedDevice } from '../../emulator/device.ts';
import type { FaultSpec } from '../../emulator/endpoint/faults.ts';
import { LinkClient, type LinkOptions } from './client.ts';
import { LinkError } from './errors.ts';
import { parseDeviceUri } from './uri.ts';
import { EmuTransport } from './transports/emu.ts';
import { PcieTransport } from './transports/pcie.ts';
import { SerialTransport } from './transports/serial.ts';
import type { Transport } from './transports/transport.ts';

export interface OpenOptions extends LinkOptions {
  /** emu only: drive this device instead of a fresh one */
  device?: EmulatedDevice;
  /** emu only: inject faults on the in-process link (as `emu?faults=...`) */
  faults?: FaultSpec;
}

/**
 * Open the device a URI names and shake hands (IDENTIFY; a device built from another spec is refused
 * with spec_mismatch). Options in the URI (rto, retries, handshake) override `opts`.
 * Errors: LinkError (bad_uri, no_device, port_busy, timeout, crc, spec_mismatch, ...) naming the URI.
 */
export async function openDevice(uri = 'emu', opts: OpenOptions = {}): Promise<LinkClient> {
  const u = parseDeviceUri(uri);
  let transport: Transport;
  switch (u.scheme) {
    case 'emu':
      transport = new EmuTransport(uri, { profile: u.profile, device: opts.device, faults: u.faults ?? opts.faults });
      break;
    case 'serial':
      transport = await SerialTransport.open(uri, u.path, u.baud);
      break;
    case 'pcie':
      transport = await PcieTransport.open(uri, u.prefix);
      break;
  }
  const linkOpts: LinkOptions = { ...opts };
  for (const [k, v] of Object.entries(u.link)) if (v !== undefined) (linkOpts as Record<string, unknown>)[k] = v;
  const client = new LinkClient(transport, linkOpts);
  try {
    await client.handshake();
  } catch (e) {
    await client.close().catch(() => {});
    // no answer to IDENTIFY: say where to look (a board without the bitstream, or no emulator serving)
    if (e instanceof LinkError && (e.code === 'timeout' || e.code === 'crc')) e.message += `. Check that the board holds the seedwire bitstream (seedwire flash) or, for a pty or FIFO, that seedwire emulator serve is running on it`;
    throw e;
  }
  return client;
}
