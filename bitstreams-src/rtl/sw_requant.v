`default_nettype none
`include "spec.vh"
// requantize (firmware-spec/arith.ts): drop SHIFT fractional bits rounding half up,
// floor((x + 2^(SHIFT-1)) / 2^SHIFT), then saturate to OW bits. A negative SHIFT widens (left shift).
module sw_requant #(
  parameter integer IW = 32,
  parameter integer OW = 16,
  parameter integer SHIFT = 14
) (
  input  wire signed [IW-1:0] x,
  output wire signed [OW-1:0] y
);
  localparam integer EW = (SHIFT < 0) ? IW + 1 - SHIFT : IW + 1;
  wire signed [EW-1:0] xe = x;
  wire signed [EW-1:0] r;
  generate
    if (SHIFT > 0) begin : g_round
      wire signed [EW-1:0] half = {{(EW-1){1'b0}}, 1'b1} <<< (SHIFT - 1);
      assign r = (xe + half) >>> SHIFT;
    end else if (SHIFT < 0) begin : g_widen
      assign r = xe <<< (-SHIFT);
    end else begin : g_keep
      assign r = xe;
    end
  endgenerate
  sw_sat #(.IW(EW), .OW(OW)) u_sat (.x(r), .y(y));
endmodule

// saturate (arith.ts): clamp a signed IW-bit value into the signed OW-bit range.
module sw_sat #(
  parameter integer IW = 33,
  parameter integer OW = 16
) (
  input  wire signed [IW-1:0] x,
  output wire signed [OW-1:0] y
);
  generate
    if (IW <= OW) begin : g_fit
      assign y = x;
    end else begin : g_clamp
      // in range when the dropped high bits all equal the new sign bit
      wire hi_ok = (x[IW-1:OW-1] == {(IW-OW+1){1'b0}}) || (x[IW-1:OW-1] == {(IW-OW+1){1'b1}});
      assign y = hi_ok ? x[OW-1:0] : (x[IW-1] ? {1'b1, {(OW-1){1'b0}}} : {1'b0, {(OW-1){1'b1}}});
    end
  endgenerate
endmodule
