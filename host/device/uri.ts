import { UART } from '../../firmware-spec/protocol.ts';
import { PROFILES, type ProfileName } from '../../firmware-spec/capability.ts';
import { type FaultSpec, parseFaults } from '../../emulator/endpoint/faults.ts';
import { LinkError } from './errors.ts';

/**
 * Device URIs (README.md lists them for users):
 *   emu[?profile=emu|up5k][&faults=drop=P,flip=P,dup=P,delay=MS]   the emulator in this process
 *   serial:PATH[?baud=N]                                           a UART (default 3,000,000 baud)
 *   pcie:PREFIX                                                    XDMA nodes PREFIX_h2c_0, PREFIX_c2h_0
 * Every scheme also takes link options: rto=MS (first timeout), retries=N, handshake=MS.
 */
export type DeviceUri =
  | { scheme: 'emu'; uri: string; profile: ProfileName; faults?: FaultSpec; link: UriLinkOptions }
  | { scheme: 'serial'; uri: string; path: string; baud: number; link: UriLinkOptions }
  | { scheme: 'pcie'; uri: string; prefix: string; link: UriLinkOptions };

export interface UriLinkOptions {
  rtoMs?: number;
  maxRetries?: number;
  handshakeMs?: number;
}

export const DEFAULT_BAUD = UART.baud;
const LINK_KEYS = ['rto', 'retries', 'handshake'];

export function parseDeviceUri(uri: string): DeviceUri {
  const bad = (why: string): never => {
    throw new LinkError('bad_uri', uri, `${why} (use emu, emu?profile=up5k, serial:/dev/ttyUSB1?baud=3000000 or pcie:/dev/xdma0)`);
  };
  if (uri.startsWith('/')) bad(`a bare device path; for a serial port use serial:${uri}`);
  const m = /^([a-z][a-z0-9+.-]*)(?::([^?]*))?(?:\?(.*))?$/i.exec(uri);
  if (!m) return bad('not a device URI');
  const [, scheme, path = '', query = ''] = m;
  const q = new URLSearchParams(query);
  const allowed = (keys: string[]) => {
    for (const k of q.keys()) if (!keys.includes(k) && !LINK_KEYS.includes(k)) bad(`unknown option '${k}' for ${scheme}`);
  };
  const num = (k: string, min: number): number | undefined => {
    const v = q.get(k);
    if (v === null) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) bad(`option ${k}=${v} must be an integer >= ${min}`);
    return n;
  };
  const link = (): UriLinkOptions => ({ rtoMs: num('rto', 1), maxRetries: num('retries', 0), handshakeMs: num('handshake', 1) });
  switch (scheme) {
    case 'emu': {
      if (path) bad('emu takes no path');
      allowed(['profile', 'faults']);
      const profile = q.get('profile') ?? 'emu';
      if (!(profile in PROFILES)) bad(`unknown emulator profile '${profile}' (have ${Object.keys(PROFILES).join(', ')})`);
      let faults: FaultSpec | undefined;
      try {
        faults = q.has('faults') ? parseFaults(q.get('faults')!) : undefined;
      } catch (e) {
        bad((e as Error).message);
      }
      return { scheme: 'emu', uri, profile: profile as ProfileName, faults, link: link() };
    }
    case 'serial': {
      if (!path) bad('missing device path after serial:');
      allowed(['baud']);
      return { scheme: 'serial', uri, path, baud: num('baud', 1) ?? DEFAULT_BAUD, link: link() };
    }
    case 'pcie': {
      if (!path) bad('missing device path prefix after pcie:');
      allowed([]);
      return { scheme: 'pcie', uri, prefix: path, link: link() };
    }
    default:
      return bad(`unknown device URI scheme '${scheme}'`);
  }
}
