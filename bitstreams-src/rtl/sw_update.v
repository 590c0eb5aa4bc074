`default_nettype none
`include "spec.vh"
// The update unit (emulator/junction.ts update): w' = sat(w - round(d * a / 2^s)),
// s = delta.frac + act.frac - weight.frac + lrShift: the learning rate 2^-lrShift as an arithmetic
// shift with a rounding bit (round half up), no multiplier for it.
// Round half up in two cheap steps: floor((x + 2^(s-1)) / 2^s) = (floor(x / 2^(s-1)) + 1) >> 1
// (floor of a floor), so the wide rounding constant never exists. Combinational here; the junction
// engine puts a register between the two halves.
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

// Second half: w' = sat(w - ((t + 1) >> 1)), as the rounding step then the subtraction.
module sw_update_apply #(
  parameter integer PW = `SW_D_BITS + `SW_ACT_BITS - (`SW_D_FRAC + `SW_ACT_FRAC - `SW_W_FRAC) + 1  // width of t
) (
  input  wire signed [`SW_W_BITS-1:0] w,
  input  wire signed [PW-1:0]         t,
  output wire signed [`SW_W_BITS-1:0] w_new
);
  wire signed [PW:0] step;
  sw_update_round #(.PW(PW)) u_r (.t(t), .step(step));
  sw_update_sub #(.PW(PW)) u_s (.w(w), .step(step), .w_new(w_new));
endmodule

// step = (t + 1) >> 1: the rounding bit, then the last bit dropped.
module sw_update_round #(
  parameter integer PW = `SW_D_BITS + `SW_ACT_BITS - (`SW_D_FRAC + `SW_ACT_FRAC - `SW_W_FRAC) + 1  // width of t
) (
  input  wire signed [PW-1:0] t,
  output wire signed [PW:0]   step
);
  wire signed [PW:0] te = t;
  assign step = (te + 1) >>> 1;
endmodule

// w' = sat(w - step).
module sw_update_sub #(
  parameter integer PW = `SW_D_BITS + `SW_ACT_BITS - (`SW_D_FRAC + `SW_ACT_FRAC - `SW_W_FRAC) + 1  // width of t
) (
  input  wire signed [`SW_W_BITS-1:0] w,
  input  wire signed [PW:0]           step,
  output wire signed [`SW_W_BITS-1:0] w_new
);
  wire signed [PW+1:0] diff = w - step;
  sw_sat #(.IW(PW+2), .OW(`SW_W_BITS)) u_sat (.x(diff), .y(w_new));
endmodule
