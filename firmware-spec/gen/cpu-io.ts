/**
 * The board's control plane on a soft CPU (bitstreams-src/rtl/sw_cpu.v, sw_ctrl.v; firmware in
 * bitstreams-src/firmware/): its address map and I/O registers, one source for the RTL (spec.vh, via
 * gen/verilog.ts) and the firmware (bitstreams-src/gen/spec.h). Internal to the board: not part of the
 * host contract, so not in the spec hash.
 *
 * The CPU's address space is 2^CPU_ADDR_BITS bytes: RAM (code, data, stack) from 0, the I/O registers
 * in the top 256 bytes, so the firmware reaches them x0-relative (`lw a0, -256(zero)`: the core
 * truncates addresses to its width). The RAM stays below the upper half, and sw_ctrl.v decodes the I/O
 * page by the top address bit alone: every address of the upper half is an I/O register's alias.
 */
import { UP5K_CPU_RAM_BYTES, UP5K_CPU_ROW_BASE } from '../capability.ts';

export const CPU_ADDR_BITS = 16;
/** the firmware's RAM: code, data, the frame buffer and the stack, in SPRAM rows of the engine's weight
 *  banks (capability.ts UP5K_BUILD.cpuRowsPerLane) */
export const CPU_RAM_BYTES = UP5K_CPU_RAM_BYTES;
/** the RAM's first row in every lane's bank; CPU word w (byte address 4w) is row CPU_ROW_BASE + w */
export const CPU_ROW_BASE = UP5K_CPU_ROW_BASE;
export const CPU_IO_BASE = 2 ** CPU_ADDR_BITS - 256;
/** entries of the prediction FIFO (one 512 x 8 EBR): the most predictions one INFER may ask the board
 *  for; the core reads them after the run, so it need not run while a pass holds the SPRAM */
export const CPU_PRED_FIFO = 512;

/**
 * I/O registers: byte offset from CPU_IO_BASE, and what a read / a write does. The readable registers
 * are the first eight words (sw_ctrl.v tells them apart by address bits 4:2 alone), and a read answers
 * only the bits named here: the others are undefined (mask them).
 */
export const CPU_IO = {
  /** read pops the receive FIFO (SLIP decoded by hardware, CRC-32 kept over the frame's bytes):
   *  bit 31 = FIFO empty; else bit 8 = a frame boundary (SLIP END): then bit 0 = the CRC register holds
   *  the residue (frame intact), bit 1 = the candidate was spoilt (bad escape or FIFO overflow); else
   *  bits 7:0 = a payload byte */
  RX: 0x00,
  /** write: bit 8 = 0: a frame byte (bits 7:0, SLIP escaped); bit 8 = 1 (TX_END): a SLIP END, the
   *  frame's end. The firmware computes the response's CRC-32 and sends it as frame bytes before END.
   *  read: bit 0 = the holding register is full (wait before writing) */
  TX: 0x04,
  /** write: a store or ring word (bits 15:0) at the port address (ST_ADDR), which then moves on by one
   *  (ring addresses wrap within the ring) */
  ST: 0x08,
  /** write: a sequencer command (cmd bits 17:16, n bits 15:0). read: bit 0 busy, bit 1 ready */
  CMD: 0x0c,
  /** write: the engine's host port: bits 18:16 select, bit 19 start, bit 20 read, bit 21 write (of the
   *  data in bits 15:0). read: bit 31 = no word (cleared by the read), bits 15:0 the word read */
  HP: 0x10,
  /** read: pops the prediction FIFO (CPU_PRED_FIFO entries, filled by the sequencer in sample order
   *  during TRAIN and INFER): bit 31 = empty, else bits 7:0 a prediction. write: empties it (before a
   *  run: a TRAIN longer than the FIFO overflows it, harmlessly) */
  PRED: 0x14,
  /** read: the sequencer's correct (bits 15:0) and junction cycles (31:16) of the last command */
  RESULT: 0x18,
  /** read: the sequencer's clocks of the last command */
  CLOCKS: 0x1c,
  /** write: bit 0 = the busy LED (led_r_n low while set) */
  LED: 0x20,
  /** write: the sequencer port address (sw_seq st_addr: the top bit set for a ring word) for ST and
   *  STB; STB starts at the word's low byte */
  ST_ADDR: 0x24,
  /** write: one byte (bits 7:0) of a byte stream into consecutive port words, low byte first: a low
   *  byte is written at once as {0, byte} and kept, a high byte writes {byte, kept} and moves the
   *  address on (the sample ring's records). The low byte is kept in the port's data register: write
   *  no ST, CMD or HP between a low byte and its high byte */
  STB: 0x28,
} as const;
/** TX write: this bit sends a SLIP END (the frame's end) instead of a byte */
export const CPU_IO_TX_END = 0x100;

/** `define lines for spec.vh and #define lines for spec.h */
export function cpuIoDefines(): Array<[string, number, string?]> {
  const out: Array<[string, number, string?]> = [
    ['SW_CPU_ADDR_BITS', CPU_ADDR_BITS, 'sw_cpu address space: 2^bits bytes'],
    ['SW_CPU_RAM_BYTES', CPU_RAM_BYTES, 'firmware RAM (SPRAM) from address 0'],
    ['SW_CPU_ROW_BASE', CPU_ROW_BASE, 'its first row in every lane bank: word w is row base + w, lane 0 bits 15:0'],
    ['SW_CPU_IO_BASE', CPU_IO_BASE, 'I/O registers: the top 256 bytes'],
    ['SW_CPU_PRED_FIFO', CPU_PRED_FIFO, 'prediction FIFO entries: the most predictions of one INFER'],
  ];
  for (const [k, v] of Object.entries(CPU_IO)) out.push([`SW_IO_${k}`, v]);
  out.push(['SW_IO_TX_END', CPU_IO_TX_END, 'TX write: a SLIP END instead of a byte']);
  return out;
}
