import { UART } from '../../firmware-spec/protocol.ts';
import { parseDeviceUri } from '../device/uri.ts';
import { ProfileError } from './errors.ts';

/**
 * The link a profile charges wire bytes to:
 *   uart:BAUD   a UART at BAUD bits per second; 10 bits per byte (start + 8 data + stop)
 *   pcie:RATE   a PCIe link moving RATE bytes per second (e.g. pcie:4e9, Gen3 x4 about 4 GB/s)
 * Both are full duplex: link time is the busier direction's bytes at the rate.
 */
export interface LinkModel {
  kind: 'uart' | 'pcie';
  /** bytes per second, one direction */
  bytesPerSecond: number;
  /** what the user or the default said, e.g. 'uart:3000000' */
  spec: string;
  /** why this rate: given, from the device URI, or the default for the in-process emulator */
  origin: string;
}

/** UART frame: start bit + 8 data bits + stop bit. */
export const UART_BITS_PER_BYTE = UART.bitsPerByte;
export const DEFAULT_UART_BAUD = UART.baud;
/** PCIe Gen3 x4: about 4 GB/s of payload. */
export const DEFAULT_PCIE_BYTES_PER_SECOND = 4e9;

export function parseLinkRate(spec: string): LinkModel {
  const m = /^(uart|pcie):([0-9]+(?:\.[0-9]*)?(?:e[0-9]+)?)$/i.exec(spec.trim());
  const v = m ? Number(m[2]) : NaN;
  if (!m || !Number.isFinite(v) || v <= 0) {
    throw new ProfileError('bad_link_rate', `--link-rate '${spec}': use uart:BAUD (bits/s, 10 bits per byte), e.g. uart:3000000, or pcie:BYTES_PER_SECOND, e.g. pcie:4e9`);
  }
  const kind = m[1].toLowerCase() as 'uart' | 'pcie';
  return { kind, bytesPerSecond: kind === 'uart' ? v / UART_BITS_PER_BYTE : v, spec: `${kind}:${m[2]}`, origin: 'given (--link-rate)' };
}

/** The link of a device URI: serial: its baud; pcie: the default PCIe rate; emu: the board's UART. */
export function defaultLinkFor(uri: string): LinkModel {
  const u = parseDeviceUri(uri);
  if (u.scheme === 'serial') return { ...parseLinkRate(`uart:${u.baud}`), origin: `the device URI's baud` };
  if (u.scheme === 'pcie') return { ...parseLinkRate(`pcie:${DEFAULT_PCIE_BYTES_PER_SECOND}`), origin: 'default for pcie (Gen3 x4); set --link-rate pcie:RATE' };
  return { ...parseLinkRate(`uart:${DEFAULT_UART_BAUD}`), origin: 'emu has no physical link: modelled as the board UART at 3 Mbaud; set --link-rate' };
}

/** Seconds to move the bytes: the busier direction, full duplex. */
export function linkSeconds(link: LinkModel, bytesIn: number, bytesOut: number): number {
  return Math.max(bytesIn, bytesOut) / link.bytesPerSecond;
}
