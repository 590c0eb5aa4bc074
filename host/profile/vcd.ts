import { type Phase, PHASES } from '../../firmware-spec/schedule.ts';
import type { ProfileRun } from './session.ts';

/**
 * A VCD waveform (IEEE 1364 value change dump; GTKWave reads it) of the first few junction cycles:
 * the device clock, the cycle number, per junction its FF/BP/UP enables and per lane busy and stall.
 * Lanes come from the counters' per-pass totals: busy clocks first, then stall clocks, then idle.
 * Timescale 1 ps; one clock is 1e12 / clockHz ps, rounded.
 */
export function buildVcd(r: ProfileRun, cycles = 3, maxLanes = 16): string {
  const hz = r.capability.clockHz;
  const ps = (clock: number) => Math.round((clock * 1e12) / hz);
  const b = r.breakdown;
  const cys = r.timeline.cycles.slice(0, cycles);
  let idn = 0;
  const id = () => {
    // printable identifiers '!'..'~', several characters when needed
    let n = idn++;
    let s = '';
    do {
      s += String.fromCharCode(33 + (n % 94));
      n = Math.floor(n / 94);
    } while (n > 0);
    return s;
  };
  const lines: string[] = [];
  lines.push('$date seedwire profile $end', `$version seedwire profile: ${r.resolved.name} on ${r.device} $end`, '$timescale 1ps $end', '$scope module device $end');
  const clk = id();
  const cyc = id();
  lines.push(`$var wire 1 ${clk} clk $end`, `$var wire 32 ${cyc} cycle $end`);
  const sig: Array<{ j: number; phase: Record<Phase, string>; busy: string[]; stall: string[] }> = [];
  for (const j of b.junctions) {
    lines.push(`$scope module junction${j.index} $end`);
    const phase = {} as Record<Phase, string>;
    for (const ph of PHASES) {
      phase[ph] = id();
      lines.push(`$var wire 1 ${phase[ph]} ${ph} $end`);
    }
    const lanes = Math.min(j.z, maxLanes, j.lanes.busy.length);
    const busy: string[] = [];
    const stall: string[] = [];
    for (let k = 0; k < lanes; k++) {
      busy.push(id());
      stall.push(id());
      lines.push(`$var wire 1 ${busy[k]} lane${k}_busy $end`, `$var wire 1 ${stall[k]} lane${k}_stall $end`);
    }
    lines.push('$upscope $end');
    sig.push({ j: j.index, phase, busy, stall });
  }
  lines.push('$upscope $end', '$enddefinitions $end');
  // events: time -> list of "value id" changes (later ones win at equal time)
  const changes = new Map<number, Map<string, string>>();
  const set = (t: number, code: string, v: string) => {
    if (!changes.has(t)) changes.set(t, new Map());
    changes.get(t)!.set(code, v);
  };
  const bin = (x: number) => `b${x.toString(2)} `;
  const init = (code: string, v: string) => set(0, code, v);
  init(clk, '0');
  init(cyc, `${bin(0)}`);
  for (const s of sig) {
    for (const ph of PHASES) init(s.phase[ph], '0');
    for (const c of [...s.busy, ...s.stall]) init(c, '0');
  }
  let end = 0;
  for (const cy of cys) {
    set(ps(cy.startClock), cyc, bin(cy.index));
    for (let c = 0; c < cy.clocks; c++) {
      set(ps(cy.startClock + c), clk, '1');
      set(ps(cy.startClock + c + 0.5), clk, '0');
    }
    for (const s of sig) {
      const jp = b.junctions[s.j - 1];
      const work = cy.work.filter((w) => w.junction === s.j);
      for (const ph of PHASES) {
        const on = work.some((w) => w.phase === ph);
        set(ps(cy.startClock), s.phase[ph], on ? '1' : '0');
        if (on) set(ps(cy.startClock + jp.passClocks), s.phase[ph], '0');
      }
      if (!work.length || !jp.passes) continue;
      for (let k = 0; k < s.busy.length; k++) {
        const busy = Math.round(jp.lanes.busy[k] / jp.passes);
        const stall = Math.round(jp.lanes.stall[k] / jp.passes);
        if (busy) {
          set(ps(cy.startClock), s.busy[k], '1');
          set(ps(cy.startClock + busy), s.busy[k], '0');
        }
        if (stall) {
          set(ps(cy.startClock + busy), s.stall[k], '1');
          set(ps(cy.startClock + busy + stall), s.stall[k], '0');
        }
      }
    }
    end = cy.startClock + cy.clocks;
  }
  const times = [...changes.keys()].sort((a, b) => a - b);
  lines.push('$dumpvars');
  for (const [code, v] of changes.get(0) ?? []) lines.push(v.startsWith('b') ? `${v}${code}` : `${v}${code}`);
  lines.push('$end');
  for (const t of times) {
    if (t === 0) continue;
    lines.push(`#${t}`);
    for (const [code, v] of changes.get(t)!) lines.push(`${v}${code}`);
  }
  lines.push(`#${ps(end)}`);
  return `${lines.join('\n')}\n`;
}
