/**
 * Link fault injection, for the device server (`--faults`) and in-process soak tests (`emu?faults=`).
 * A fault injector sits on one direction of a link and sees one unit at a time: a whole frame, or
 * one SLIP-encoded frame on a byte stream. Per unit, independently:
 *   drop=P   the unit is lost
 *   flip=P   one random bit of it is inverted (on a byte stream this can hit SLIP's END/ESC bytes,
 *            which cuts or merges frames: the receiver must cope)
 *   dup=P    it is delivered twice
 *   delay=MS each unit is held back a random 0..MS ms; order is kept (a byte stream cannot reorder)
 * Random choices come from a seeded generator, so a soak run is repeatable.
 *
 * Two faults of the device rather than the link (the device endpoint applies them, emulator/endpoint):
 *   reset=N  the device reboots once after it has trained N samples (counted over its life, across
 *            sessions): network, weights and samples are lost, its bootCount goes up by one, and its
 *            link starts over without a session (as at power-on)
 *   hang=N   the device goes silent once it has trained N samples: it reads and answers nothing more,
 *            while its port stays open
 */
export interface FaultSpec {
  drop: number;
  flip: number;
  dup: number;
  /** upper bound of the added latency, ms */
  delayMs: number;
  seed: number;
  /** reboot once after this many samples trained (device fault) */
  resetAfter?: number;
  /** go silent after this many samples trained (device fault) */
  hangAfter?: number;
}

export class FaultSpecError extends Error {
  readonly code = 'bad_faults' as const;
  constructor(message: string) {
    super(message);
    this.name = 'FaultSpecError';
  }
}

export const NO_FAULTS: FaultSpec = { drop: 0, flip: 0, dup: 0, delayMs: 0, seed: 1 };

/** Parse `drop=0.02,flip=0.005,dup=0.01,delay=5[,seed=7][,reset=N][,hang=N]`; every key optional. */
export function parseFaults(text: string): FaultSpec {
  const spec = { ...NO_FAULTS };
  if (!text.trim()) return spec;
  for (const part of text.split(',')) {
    const m = /^\s*(drop|flip|dup|delay|seed|reset|hang)\s*=\s*([0-9.eE+-]+)\s*$/.exec(part);
    if (!m) throw new FaultSpecError(`bad fault "${part}": expected drop=P, flip=P, dup=P, delay=MS, seed=N, reset=N or hang=N`);
    const v = Number(m[2]);
    if (!Number.isFinite(v) || v < 0) throw new FaultSpecError(`bad fault "${part}": not a non-negative number`);
    if (m[1] === 'reset' || m[1] === 'hang') {
      if (!Number.isInteger(v)) throw new FaultSpecError(`bad fault "${part}": a whole number of samples`);
      spec[m[1] === 'reset' ? 'resetAfter' : 'hangAfter'] = v;
    } else if (m[1] === 'delay') spec.delayMs = v;
    else if (m[1] === 'seed') spec.seed = Math.floor(v) >>> 0 || 1;
    else {
      if (v > 1) throw new FaultSpecError(`bad fault "${part}": a probability is at most 1`);
      spec[m[1] as 'drop' | 'flip' | 'dup'] = v;
    }
  }
  return spec;
}

/** Whether the spec asks for link faults (drop, flip, dup, delay); reset and hang are the device's. */
export function hasFaults(s: FaultSpec): boolean {
  return s.drop > 0 || s.flip > 0 || s.dup > 0 || s.delayMs > 0;
}

/** Whether the spec asks for device faults (reset, hang). */
export function hasDeviceFaults(s: FaultSpec): boolean {
  return s.resetAfter !== undefined || s.hangAfter !== undefined;
}

/** xorshift32: small, seeded, good enough to pick faults. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 4294967296;
  };
}

export class FaultInjector {
  readonly stats = { units: 0, dropped: 0, flipped: 0, duplicated: 0 };
  private readonly random: () => number;
  private queue: Array<{ at: number; unit: Buffer }> = [];
  private timer?: NodeJS.Timeout;
  private lastRelease = 0;
  private closed = false;

  constructor(
    readonly spec: FaultSpec,
    private readonly deliver: (unit: Buffer) => void,
    /** distinguishes the two directions of one link (different random streams from one seed) */
    stream = 0,
  ) {
    this.random = rng((spec.seed * 2654435761 + stream * 40503) >>> 0);
  }

  push(unit: Buffer): void {
    if (this.closed) return;
    const s = this.spec;
    this.stats.units++;
    if (s.drop > 0 && this.random() < s.drop) {
      this.stats.dropped++;
      return;
    }
    let u = unit;
    if (s.flip > 0 && unit.length > 0 && this.random() < s.flip) {
      u = Buffer.from(unit);
      const bit = Math.floor(this.random() * unit.length * 8);
      u[bit >> 3] ^= 1 << (bit & 7);
      this.stats.flipped++;
    }
    const copies = s.dup > 0 && this.random() < s.dup ? 2 : 1;
    if (copies === 2) this.stats.duplicated++;
    for (let i = 0; i < copies; i++) this.release(u);
  }

  private release(unit: Buffer): void {
    if (this.spec.delayMs <= 0) return this.deliver(unit);
    const at = Math.max(this.lastRelease, Date.now() + this.random() * this.spec.delayMs);
    this.lastRelease = at;
    this.queue.push({ at, unit });
    this.schedule();
  }

  private schedule(): void {
    if (this.timer || this.queue.length === 0) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const now = Date.now();
      while (this.queue.length && this.queue[0].at <= now) this.deliver(this.queue.shift()!.unit);
      this.schedule();
    }, Math.max(0, this.queue[0].at - Date.now()));
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.queue = [];
  }
}
