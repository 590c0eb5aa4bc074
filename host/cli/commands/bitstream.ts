import type { Command } from 'commander';
import { action } from '../errors.ts';
import { startHeartbeat } from '../heartbeat.ts';

/** `seedwire bitstream [--json]`: synthesise, place and route the up5k build (all from npm). */
export function registerBitstream(program: Command): void {
  program
    .command('bitstream')
    .description('build the iCEBreaker (iCE40UP5K) bitstream with yosys, nextpnr-ice40 and icepack from npm')
    .option('--json', 'print one JSON object on the last line')
    .action(
      action(async (opts: { json?: boolean }) => {
        const { buildBitstream } = await import('../../../bitstreams-src/build.ts');
        // yosys and nextpnr run for minutes without a word: a heartbeat names the step and its time
        const beat = startHeartbeat();
        let r: Awaited<ReturnType<typeof buildBitstream>>;
        try {
          r = await buildBitstream({
            log: (l) => {
              process.stderr.write(`${l}\n`);
              beat.step(l.split(':')[0]);
            },
          });
        } finally {
          await beat.stop();
        }
        if (!(r.fmaxMHz >= r.targetMHz)) process.exitCode = 1;
        if (opts.json) {
          process.stdout.write(`${JSON.stringify(r)}\n`);
          return;
        }
        const out = process.stdout;
        out.write(`bitstream  ${r.bitstream}\n`);
        out.write(`firmware   ${r.firmware} (flash offset ${r.firmwareFlashOffset}; ${r.firmwareText} B code, ${r.firmwareData} B data, ${r.firmwareRamBytes} B RAM)\n`);
        out.write(`LUTs       ${r.luts}/${r.lutsAvailable}\n`);
        out.write(`EBR        ${r.ebr}/${r.ebrAvailable}\n`);
        out.write(`SPRAM      ${r.spram}/${r.spramAvailable}\n`);
        out.write(`DSP        ${r.dsp}/${r.dspAvailable}\n`);
        out.write(`fmax       ${r.fmaxMHz} MHz (target ${r.targetMHz} MHz)${r.fmaxMHz >= r.targetMHz ? '' : '  TIMING NOT MET'}\n`);
        out.write(`build      ${r.seconds} s\n`);
      }),
    );
}
