import { SlipFramer } from '../../firmware-spec/slip.ts';
import type { EmulatedDevice } from '../device.ts';
import { DeviceEndpoint, type EndpointOutcome } from './endpoint.ts';
import { FaultInjector, type FaultSpec, hasFaults } from './faults.ts';
import { Pacer } from './pacer.ts';

export interface ByteStreamEndpointOptions {
  /**
   * inject faults in both directions: on decoded frames coming in, on SLIP-encoded frames going out;
   * reset=N and hang=N go to the device endpoint
   */
  faults?: FaultSpec;
  /** pace both directions to a UART at this baud (10 bits per byte); none when absent */
  baud?: number;
  /** called for every candidate frame, with what the endpoint did (logging, tests) */
  onOutcome?: (o: EndpointOutcome) => void;
}

/**
 * The device endpoint on a byte stream: SLIP framing (firmware-spec/slip.ts), optional line pacing and
 * fault injection, wire bytes counted into the device counters. Works on any duplex byte stream: feed
 * received bytes to receive(), and it calls `write` with bytes to send.
 *
 *   wire in -> [pace] -> SLIP decode -> [faults] -> endpoint -> SLIP encode -> [faults] -> [pace] -> wire out
 */
export class ByteStreamEndpoint {
  readonly endpoint: DeviceEndpoint;
  readonly framer: SlipFramer;
  readonly faultsIn?: FaultInjector;
  readonly faultsOut?: FaultInjector;
  private readonly paceIn?: Pacer;
  private readonly paceOut?: Pacer;
  private readonly onOutcome?: (o: EndpointOutcome) => void;

  constructor(device: EmulatedDevice, write: (bytes: Buffer) => void, opts: ByteStreamEndpointOptions = {}) {
    const toWire = opts.baud ? (this.paceOut = Pacer.forBaud(opts.baud, write)) : undefined;
    const out = toWire ? (b: Buffer) => toWire.push(b) : write;
    const faulty = opts.faults && hasFaults(opts.faults) ? opts.faults : undefined;
    if (faulty) this.faultsOut = new FaultInjector(faulty, out, 1);
    const encoded = this.faultsOut ? (b: Buffer) => this.faultsOut!.push(b) : out;
    this.framer = new SlipFramer({
      write: encoded,
      onFrame: (c) => (this.faultsIn ? this.faultsIn.push(c) : this.handle(c)),
    });
    if (faulty) this.faultsIn = new FaultInjector(faulty, (c) => this.handle(c), 0);
    this.endpoint = new DeviceEndpoint(device, (frame) => this.framer.send(frame), opts.faults);
    if (opts.baud) this.paceIn = Pacer.forBaud(opts.baud, (b) => this.feed(b));
    this.onOutcome = opts.onOutcome;
  }

  /** Bytes from the wire, in any fragments. */
  receive(bytes: Buffer): void {
    if (this.paceIn) this.paceIn.push(bytes);
    else this.feed(bytes);
  }

  private feed(bytes: Buffer): void {
    this.framer.receive(bytes);
  }

  private handle(candidate: Buffer): void {
    const o = this.endpoint.receive(candidate);
    this.onOutcome?.(o);
  }

  close(): void {
    this.paceIn?.close();
    this.paceOut?.close();
    this.faultsIn?.close();
    this.faultsOut?.close();
    this.framer.destroy();
  }
}
