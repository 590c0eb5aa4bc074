`default_nettype none
`include "spec.vh"
// Start-vector draw (firmware-spec/connectivity.ts drawStartVector): z values in [0, m), m = p/z,
// each by rejection sampling from the 32-bit LFSR (lfsr.ts below): draw ceil(log2 m) bits, first bit
// most significant, one bit per clock; reject values >= m and draw again. m = 1 draws nothing.
// The LFSR is outside (shared with the initial-weight generator): this module asks for steps.
module sw_svdraw #(
  parameter integer Z = `SW_LANES,
  parameter integer RB = `SW_AROW_BITS      // m <= 2^RB
) (
  input  wire              clk,
  input  wire              rst,
  input  wire              start,
  input  wire [RB:0]       m,
  input  wire [7:0] z,
  input  wire              lfsr_bit,
  output wire              lfsr_step,
  output reg               busy,
  output reg  [Z*RB-1:0]   sv                // lane k in bits [k*RB +: RB]
);
  // bits per draw: ceil(log2 m) = the bit length of m - 1 (2^i < m exactly when bit i or a higher
  // bit of m - 1 is set); a priority encoder, no comparators
  wire [RB:0] m1 = m - 1'b1;
  reg [4:0] nbits;
  integer i;
  always @(*) begin
    nbits = 0;
    for (i = 0; i <= RB; i = i + 1) if (m1[i]) nbits = i + 1;
  end
  reg [RB:0] v;
  reg [4:0] got;
  localparam integer ZB = $clog2(Z + 1);   // bits of z <= Z (a host-checked limit)
  reg [ZB-1:0] lane;
  wire [RB:0] v_next = {v[RB-1:0], lfsr_bit};
  assign lfsr_step = busy && nbits != 0;
  always @(posedge clk) begin
    if (rst) begin
      busy <= 1'b0;
    end else if (start) begin
      busy <= 1'b1;
      lane <= 0;
      v <= 0;
      got <= 0;
      sv <= {Z*RB{1'b0}};
    end else if (busy) begin
      if (nbits == 0) begin
        busy <= 1'b0;                        // m = 1: every lane starts at 0
      end else if (got + 5'd1 == nbits) begin
        v <= 0;
        got <= 0;
        if (v_next < m) begin
          sv[lane*RB +: RB] <= v_next[RB-1:0];
          lane <= lane + 1'b1;
          if (lane + 1'b1 == z[ZB-1:0]) busy <= 1'b0;
        end
      end else begin
        v <= v_next;
        got <= got + 5'd1;
      end
    end
  end
endmodule

// The clash-free interleaver's address generator (connectivity.ts clashFreeLeftOfWeight, shared
// start vector): in clock c of a sweep, lane k reads left neuron ((S[k] + c) mod m) * z + k, i.e.
// row (S[k] + c) mod m of left bank k. One counter per lane; it wraps back to S[k] after m clocks,
// so the next sweep starts where the shared start vector says without reloading.
module sw_connaddr #(
  parameter integer Z = `SW_LANES,
  parameter integer RB = `SW_AROW_BITS
) (
  input  wire            clk,
  input  wire            load,       // rows <= start vector
  input  wire            step,       // next clock of the pass
  input  wire [RB:0]     m,
  input  wire [Z*RB-1:0] sv,
  output reg  [Z*RB-1:0] rows        // lane k's bank row in bits [k*RB +: RB]
);
  integer k;
  always @(posedge clk) begin
    for (k = 0; k < Z; k = k + 1) begin
      if (load) rows[k*RB +: RB] <= sv[k*RB +: RB];
      else if (step) rows[k*RB +: RB] <= ({1'b0, rows[k*RB +: RB]} + 1'b1 == m) ? {RB{1'b0}} : rows[k*RB +: RB] + 1'b1;
    end
  end
endmodule
