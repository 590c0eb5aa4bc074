import { type ProfileName } from '../../../firmware-spec/capability.ts';
import { EmulatedDevice } from '../../../emulator/device.ts';
import { DeviceEndpoint } from '../../../emulator/endpoint/endpoint.ts';
import { FaultInjector, type FaultSpec, hasDeviceFaults, hasFaults } from '../../../emulator/endpoint/faults.ts';
import type { Transport } from './transport.ts';

export interface EmuTransportOptions {
  profile?: ProfileName;
  /** a device to drive (default: a fresh one of `profile`) */
  device?: EmulatedDevice;
  /** faults injected on frames in both directions (in-process soak tests) */
  faults?: FaultSpec;
}

/**
 * `emu`: the emulator in this process. Whole frame Buffers go to a DeviceEndpoint without SLIP (the
 * in-process path must not dominate a training run), but through the same frame codec and CRC, so the
 * device counts real frame bytes. Frames are handed over on the next turn of the event loop
 * (setImmediate), batched, so the host never runs inside the device's call stack and timers and I/O
 * keep running during long runs.
 */
export class EmuTransport implements Transport {
  readonly kind = 'emu' as const;
  readonly bytesPerSecond = Infinity;
  /** in-process frames are never lost unless faults are injected */
  readonly rtoMs: number;
  readonly stats = { bytesIn: 0, bytesOut: 0 };
  /**
   * The endpoint consumes a request frame (the device copies what it keeps) before it answers; only
   * injected faults (a delayed or duplicated copy delivered later) hold frames past their answer.
   */
  readonly reusesFrames: boolean;
  readonly endpoint: DeviceEndpoint;
  readonly faultsToDevice?: FaultInjector;
  readonly faultsToHost?: FaultInjector;
  private toDevice: Buffer[] = [];
  private toHost: Buffer[] = [];
  private scheduled = false;
  private onFrame?: (c: Buffer) => void;
  private closed = false;

  constructor(
    readonly uri: string,
    opts: EmuTransportOptions = {},
  ) {
    const device = opts.device ?? new EmulatedDevice(opts.profile ?? 'emu');
    const faulty = opts.faults && hasFaults(opts.faults) ? opts.faults : undefined;
    // a lossy link, or a device that may hang or reboot, is found out in tens of ms, not a minute
    this.rtoMs = faulty ? 20 + 2 * faulty.delayMs : opts.faults && hasDeviceFaults(opts.faults) ? 20 : 60_000;
    if (faulty) {
      this.faultsToDevice = new FaultInjector(faulty, (f) => this.enqueue(this.toDevice, f), 0);
      this.faultsToHost = new FaultInjector(faulty, (f) => this.enqueue(this.toHost, f), 1);
    }
    this.reusesFrames = !faulty;
    this.endpoint = new DeviceEndpoint(device, (frame) => (this.faultsToHost ? this.faultsToHost.push(frame) : this.enqueue(this.toHost, frame)), opts.faults);
  }

  /** the device behind the endpoint (a reset fault replaces it) */
  get device(): EmulatedDevice {
    return this.endpoint.device;
  }

  setHandlers(onFrame: (candidate: Buffer) => void): void {
    this.onFrame = onFrame;
  }

  send(frame: Buffer): void {
    if (this.closed) return;
    this.stats.bytesOut += frame.length;
    if (this.faultsToDevice) this.faultsToDevice.push(frame);
    else this.enqueue(this.toDevice, frame);
  }

  private enqueue(q: Buffer[], frame: Buffer): void {
    q.push(frame);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.drain());
    }
  }

  private drain(): void {
    this.scheduled = false;
    if (this.closed) return;
    // the device first: its responses join toHost and go out in the same turn
    const dev = this.toDevice;
    this.toDevice = [];
    for (const f of dev) this.endpoint.receive(f);
    const host = this.toHost;
    this.toHost = [];
    for (const f of host) {
      if (this.closed) return;
      this.stats.bytesIn += f.length;
      this.onFrame?.(f);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.faultsToDevice?.close();
    this.faultsToHost?.close();
  }
}
