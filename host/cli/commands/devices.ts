import { UART } from '../../../firmware-spec/protocol.ts';
import type { Command } from 'commander';
import { SerialPort } from 'serialport';
import { action } from '../errors.ts';
import { table } from '../format.ts';

class DevicesError extends Error {
  readonly code = 'no_udevadm' as const;
}

/** `seedwire devices`: serial ports (path, manufacturer, VID:PID) from SerialPort.list(). */
export function registerDevices(program: Command): void {
  program
    .command('devices')
    .description('list serial ports (path, manufacturer, VID:PID) a board may be on')
    .option('--json', 'print one JSON array')
    .action(
      action(async (opts: { json?: boolean }) => {
        const ports = await listPorts();
        if (opts.json) {
          process.stdout.write(`${JSON.stringify(ports)}\n`);
          return;
        }
        if (ports.length === 0) {
          process.stdout.write('no serial ports found\n');
          return;
        }
        process.stdout.write(table(['path', 'manufacturer', 'VID:PID', 'URI'], ports.map((p) => [p.path, p.manufacturer ?? '', p.vidPid ?? '', `serial:${p.path}?baud=${UART.baud}`])));
      }),
    );
}

export interface PortRow {
  path: string;
  manufacturer?: string;
  vidPid?: string;
  serialNumber?: string;
}

export async function listPorts(): Promise<PortRow[]> {
  let ports: Awaited<ReturnType<typeof SerialPort.list>>;
  try {
    ports = await SerialPort.list();
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ENOENT' || /udevadm/.test(err.message ?? '')) {
      throw new DevicesError('listing serial ports needs udevadm, which is missing: install the Debian package udev (apt-get install udev)');
    }
    throw e;
  }
  return ports.map((p) => ({
    path: p.path,
    manufacturer: p.manufacturer,
    vidPid: p.vendorId && p.productId ? `${p.vendorId}:${p.productId}` : undefined,
    serialNumber: p.serialNumber,
  }));
}
