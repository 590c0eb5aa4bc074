`default_nettype none
`include "spec.vh"
// The update unit (emulator/junction.ts update): w' = sat(w - round(d * a / 2^s)),
// s = delta.frac + act.frac - weight.frac + lrShift: the learning rate 2^-lrShift as an arithmetic
// shift with a rounding bit (round half up), no multiplier for it.
// Round half up in two cheap steps: floor((x + 2^(s-1)) / 2^s) = (floor(x / 2^(s-1)) + 1) >> 1
// (floor of a floor), so the wide rounding constant never exists; and with t = floor(x / 2^(s-1)),
// w - ((t + 1) >> 1) = w - ceil(t / 2) = floor((2w - t) / 2): one subtraction does the rounding
// step and the update. Combinational here; the junction engine puts a register between the two halves.
module sw_update (
  input  wire signed [`SW_W_BITS-1:0]   w,
  input  wire signed [`SW_D_BITS-1:0]   d,
  input  wire signed [`SW_ACT_BITS-1:0] a,
  input  wire        [4:0]              lr_shift,
  output wire signed [`SW_W_BITS-1:0]   w_new
);
  localparam integer PW = `SW_D_BITS + `SW_ACT_BITS;
  wire signed [PW-1:0] prod = d * a;
  localparam integer BASE = `SW_D_FRAC + `SW_ACT_FRAC - `SW_W_FRAC;
  wire signed [PW-BASE:0] t;
  sw_update_shift #(.PW(PW)) u_sh (.prod(prod), .lr_shift(lr_shift), .t(t));
  sw_update_apply #(.PW(PW - BASE + 1)) u_ap (.w(w), .t(t), .w_new(w_new));
endmodule

// First half: t = floor(prod / 2^(s-1)), an arithmetic right shift by BASE - 1 + lrShift.
module sw_update_shift #(
  parameter integer PW = `SW_D_BITS + `SW_ACT_BITS,
  parameter integer BASE = `SW_D_FRAC + `SW_ACT_FRAC - `SW_W_FRAC
) (
  input  wire signed [PW-1:0] prod,
  input  wire        [4:0]    lr_shift,
  output wire signed [PW-BASE:0] t   // |t| <= 2^(PW-BASE): PW-BASE+1 bits hold it exactly
);
  generate
    if (BASE < 1) begin : g_bad
      initial $error("sw_update_shift: delta.frac + act.frac - weight.frac must be >= 1");
    end
  endgenerate
  // the constant part of the shift first (wiring: bits PW-1 .. BASE-1 of the product), then lrShift:
  // a PW-BASE+1 bit shifter by a 5-bit amount instead of a PW bit one by BASE-1+lrShift (7 bits)
  wire signed [PW-BASE:0] pk = prod >>> (BASE - 1);
  assign t = pk >>> lr_shift;
endmodule

// Second half: w' = sat(w - ((t + 1) >> 1)) = sat((2w - t) >> 1), one subtraction.
module sw_update_apply #(
  parameter integer PW = `SW_D_BITS + `SW_ACT_BITS - (`SW_D_FRAC + `SW_ACT_FRAC - `SW_W_FRAC) + 1  // width of t
) (
  input  wire signed [`SW_W_BITS-1:0] w,
  input  wire signed [PW-1:0]         t,
  output wire signed [`SW_W_BITS-1:0] w_new
);
  localparam integer DW = ((PW > `SW_W_BITS + 1) ? PW : `SW_W_BITS + 1) + 1;   // 2w - t fits
  wire signed [DW-1:0] diff2 = $signed({w, 1'b0}) - t;
  wire signed [DW-2:0] diff = diff2 >>> 1;
  sw_sat #(.IW(DW-1), .OW(`SW_W_BITS)) u_sat (.x(diff), .y(w_new));
endmodule
