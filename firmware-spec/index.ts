/** firmware-spec: the device contract. Everything else imports its numbers from here. */
export * from './version.ts';
export * from './formats.ts';
export * from './arith.ts';
export * from './lfsr.ts';
export * from './activation.ts';
export * from './connectivity.ts';
export * from './network.ts';
export * from './schedule.ts';
export * from './counters.ts';
export * from './capability.ts';
export * from './store.ts';
export * from './errors.ts';
export * from './hash.ts';
export * from './protocol.ts';
export * from './codec.ts';
export * from './slip.ts';
export * from './encodings.ts';
