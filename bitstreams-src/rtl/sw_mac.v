`default_nettype none
`include "spec.vh"
// A MAC lane: full products accumulated exactly (ACC bits, no bits dropped), then one rounding
// (half up) and one saturation into the output format: the spec's multiply and sum rule.
// `clear` starts a new sum with this clock's product. Latency: q reflects the sum one clock after
// the last `en`.
module sw_mac #(
  parameter integer AW = `SW_ACT_BITS,
  parameter integer BW = `SW_W_BITS,
  parameter integer ACC = `SW_ACC_BITS,
  parameter integer OW = `SW_ACT_BITS,
  parameter integer SHIFT = `SW_W_FRAC   // fractional bits dropped: fa + fb - f_out
) (
  input  wire                  clk,
  input  wire                  en,
  input  wire                  clear,
  input  wire signed [AW-1:0]  a,
  input  wire signed [BW-1:0]  b,
  output reg  signed [ACC-1:0] acc,
  output wire signed [OW-1:0]  q
);
  wire signed [AW+BW-1:0] prod = a * b;
  always @(posedge clk) begin
    if (en) acc <= (clear ? {ACC{1'b0}} : acc) + {{(ACC-AW-BW){prod[AW+BW-1]}}, prod};
  end
  sw_requant #(.IW(ACC), .OW(OW), .SHIFT(SHIFT)) u_rq (.x(acc), .y(q));
endmodule
