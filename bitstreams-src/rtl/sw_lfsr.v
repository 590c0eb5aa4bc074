`default_nettype none
`include "spec.vh"
// The spec's LFSR (firmware-spec/lfsr.ts): Galois form, shifting right.
//   out = state[0]; state = state >> 1; if (out) state ^= MASK
// `bit_out` is the bit the next step emits (state[0] before the step).
module sw_lfsr #(
  parameter integer W = `SW_LFSR_WIDTH_MAIN,
  parameter [W-1:0] MASK = `SW_LFSR_MASK_32
) (
  input  wire         clk,
  input  wire         load,     // state <= seed (the seed must be nonzero; the host checks it)
  input  wire [W-1:0] seed,
  input  wire         step,     // one output bit per clock
  output reg  [W-1:0] state,
  output wire         bit_out
);
  assign bit_out = state[0];
  always @(posedge clk) begin
    if (load) state <= seed;
    else if (step) state <= state[0] ? ((state >> 1) ^ MASK) : (state >> 1);
  end
endmodule
