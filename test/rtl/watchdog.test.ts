/**
 * A broken RTL fails its test instead of hanging CI: the testbenches' waits on the DUT have watchdogs
 * (bitstreams-src/tb/tb_common.vh SB_WAIT_WHILE) that end the run naming what they waited for and the
 * DUT's state, and the harness bounds every simulator run.
 */
import { describe, expect, it } from 'vitest';
import { runTestbench, simulatorMissing } from './harness.ts';
import { seqScript } from './seq.ts';
import { type TraceFile, traceScript } from './trace.ts';
import { loadVectors } from './vectors.ts';

const missing = simulatorMissing();

describe.skipIf(!!missing && !process.env.CI)('RTL watchdogs and simulator bounds', () => {
  it('a wait on the sequencer longer than the watchdog fails, naming the wait and the state', () => {
    const tr = loadVectors<TraceFile>('trace-tiny-dfa.json')!;
    // a watchdog of 3 clocks stands in for a sequencer that never finishes
    const r = runTestbench({ top: 'tb_seq', script: seqScript(tr, 2 ** 12).script.text(), params: { Z: 4, SAB: 12 }, plusargs: ['+watchdog=3'] });
    expect(r.ok).toBe(false);
    expect(r.output).toMatch(/^FAIL \d+\/\d+ vectors: watchdog: stuck 4 clocks waiting for sw_seq [\w ()-]+ \(DUT state \d+\)$/m);
  });

  it('a wait on the junction engine longer than the watchdog fails the same way', () => {
    const tr = loadVectors<TraceFile>('trace-tiny-backprop.json')!;
    const r = runTestbench({ top: 'tb_junction', script: traceScript(tr).script.text(), params: { Z: 4 }, plusargs: ['+watchdog=2'] });
    expect(r.ok).toBe(false);
    expect(r.output).toMatch(/watchdog: stuck 3 clocks waiting for sw_junction/);
  });

  it('a simulation past its time bound is killed and reported, not waited for', () => {
    const tr = loadVectors<TraceFile>('trace-tiny-dfa.json')!;
    const t0 = performance.now();
    const r = runTestbench({ top: 'tb_seq', script: seqScript(tr, 2 ** 12).script.text(), params: { Z: 4, SAB: 12 }, timeoutMs: 20 });
    expect(r.ok).toBe(false);
    expect(r.output).toMatch(/^vvp ran past its 0.02 s bound and was killed/);
    expect(performance.now() - t0).toBeLessThan(60_000);
  });
});
