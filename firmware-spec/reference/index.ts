/** The plain reference model the golden vectors are produced with (not the emulator). */
export * from './train.ts';
