import type { Command } from 'commander';
import { PROFILES, type ProfileName } from '../../../firmware-spec/capability.ts';
import { UART } from '../../../firmware-spec/protocol.ts';
import type { EndpointOutcome } from '../../../emulator/endpoint/endpoint.ts';
import { hasDeviceFaults, hasFaults, parseFaults } from '../../../emulator/endpoint/faults.ts';
import { type RunningServer, servePty, serveSerial, serveXdma } from '../../../emulator/server/serve.ts';
import { action } from '../errors.ts';

interface ServeFlags {
  pty?: boolean;
  serial?: string;
  xdma?: string;
  baud?: string;
  faults?: string;
  profile: string;
  verbose?: boolean;
}

class ServeOptionError extends Error {
  readonly code = 'bad_option' as const;
}

/**
 * `seedwire emulator serve`: the emulator as a device on a pty, a tty or FIFOs. The first line of
 * stdout is what a host opens (a /dev/pts/N path, the tty, or the XDMA prefix DIR/xdma0); it serves
 * until killed, and on SIGTERM or SIGINT prints one JSON line of link statistics to stderr.
 */
export function registerEmulator(program: Command): void {
  const emulator = program.command('emulator').description('the bit-exact device emulator as a standalone device');
  emulator
    .command('serve')
    .description('serve the emulator on a pty (--pty), an existing tty (--serial PATH) or FIFOs (--xdma DIR)')
    .option('--pty', 'create a pseudo-terminal and print its path (/dev/pts/N) as the first line of stdout')
    .option('--serial <path>', 'serve on an existing tty, e.g. one end of a socat pty pair')
    .option('--xdma <dir>', 'create FIFOs DIR/xdma0_h2c_0 and DIR/xdma0_c2h_0 and serve on them (host: pcie:DIR/xdma0)')
    .option('--baud <n>', `pace bytes to a UART at N baud, both directions (10 bits per byte); default on a pty or tty: the spec's ${UART.baud} baud, as the board's UART; 0: no pacing (as fast as the pty goes)`)
    .option('--faults <spec>', 'inject link faults both ways: drop=P,flip=P,dup=P,delay=MS[,seed=N]; device faults: reset=N (reboot once after N samples trained), hang=N (silent after N)')
    .option('--profile <name>', `device profile (${Object.keys(PROFILES).join(', ')})`, 'emu')
    .option('--verbose', 'log every rejected or out-of-order frame to stderr')
    .action(action(serve));
}

async function serve(flags: ServeFlags): Promise<void> {
  const modes = [flags.pty, flags.serial, flags.xdma].filter(Boolean).length;
  if (modes !== 1) throw new ServeOptionError('give exactly one of --pty, --serial PATH, --xdma DIR');
  if (!(flags.profile in PROFILES)) throw new ServeOptionError(`unknown profile '${flags.profile}' (have ${Object.keys(PROFILES).join(', ')})`);
  // a pty or tty stands for the board's UART, so its bytes take the line's time unless told otherwise;
  // FIFOs stand for PCIe, which is not paced
  let baud: number | undefined = flags.xdma ? undefined : UART.baud;
  if (flags.baud !== undefined) {
    const n = Number(flags.baud);
    if (!Number.isInteger(n) || n < 0) throw new ServeOptionError(`--baud ${flags.baud}: a whole number of baud, or 0 for no pacing`);
    baud = n === 0 ? undefined : n;
  }
  const faults = flags.faults ? parseFaults(flags.faults) : undefined;
  const log = (line: string) => process.stderr.write(`seedwire emulator: ${line}\n`);
  const opts = {
    profile: flags.profile as ProfileName,
    faults,
    baud,
    log,
    onOutcome: flags.verbose ? (o: EndpointOutcome) => o.kind !== 'ran' && o.kind !== 'replayed' && log(JSON.stringify(o)) : undefined,
  };
  let server: RunningServer;
  if (flags.pty) server = await servePty(opts);
  else if (flags.serial) server = await serveSerial(flags.serial, opts);
  else server = await serveXdma(flags.xdma!, opts);
  process.stdout.write(`${server.path}\n`);
  log(`serving profile ${flags.profile} at ${server.uri}${baud ? `, ${baud} baud` : ''}${faults && (hasFaults(faults) || hasDeviceFaults(faults)) ? `, faults ${flags.faults}` : ''}`);
  let exitCode = 0;
  await new Promise<void>((resolve) => {
    let done = false;
    const finish = (code: number, why: string) => {
      if (done) return;
      done = true;
      exitCode = code;
      const l = server.link;
      const stats = { stopped: why, endpoint: l.endpoint.stats, wire: { bytesIn: l.framer.bytesIn, bytesOut: l.framer.bytesOut }, faultsIn: l.faultsIn?.stats, faultsOut: l.faultsOut?.stats };
      process.stderr.write(`${JSON.stringify({ stats })}\n`);
      void server.close().finally(resolve);
    };
    // a signal to the whole process group also stops socat: give the signal 200 ms to arrive first
    void server.lost.then((why) => setTimeout(() => {
      if (!done) log(`stopped serving: ${why}`);
      finish(1, why);
    }, 200));
    process.once('SIGTERM', () => finish(0, 'SIGTERM'));
    process.once('SIGINT', () => finish(0, 'SIGINT'));
  });
  process.exit(exitCode);
}
