`default_nettype none
`include "spec.vh"
// The activation unit (firmware-spec/activation.ts): one rounding of the exact fan-in sum into the
// activation format, then clipped ReLU, or the sigmoid from the generated LUT
// (gen/sigmoid_lut.hex, read with $readmemh; an inferred EBR). Latency 2 clocks.
module sw_act #(
  parameter integer ACC = `SW_ACC_BITS,
  // 1: acc is the exact fan-in sum, requantized here; 0: acc is that sum already requantized (the
  // activation format, ACC = SW_ACT_BITS: the junction engine rounds and saturates it before its register)
  parameter integer RQ = 1
) (
  input  wire                          clk,
  input  wire                          in_valid,
  input  wire signed [ACC-1:0]         acc,      // fractional bits: act.frac + weight.frac (RQ = 0: act.frac)
  input  wire                          sigmoid,  // 0: clipped ReLU, 1: sigmoid
  output reg                           out_valid,
  output reg  signed [`SW_ACT_BITS-1:0] y
);
  localparam integer AB = `SW_ACT_BITS;
  localparam [AB-1:0] AHI = {1'b0, {(AB-1){1'b1}}};
  localparam integer IDX_SHIFT = `SW_ACT_FRAC - `SW_SIG_IN_FRAC;   // bins of 2^-IN_FRAC
  localparam integer OUT_SHIFT = `SW_SIG_OUT_FRAC - `SW_ACT_FRAC;  // LUT frac -> act frac
  localparam integer IB = `SW_SIG_INDEX_BITS;

  // stage 1: requantize (saturating; for ReLU the clip gives the same value), LUT index
  wire signed [AB-1:0] x;
  generate
    if (RQ != 0) begin : g_rq
      sw_requant #(.IW(ACC), .OW(AB), .SHIFT(`SW_W_FRAC)) u_rq (.x(acc), .y(x));
    end else begin : g_pre
      assign x = acc[AB-1:0];
    end
  endgenerate
  wire signed [AB:0] bin = (x >>> IDX_SHIFT) + (`SW_SIG_SIZE / 2);
  wire [IB-1:0] idx = bin < 0 ? {IB{1'b0}} : (bin >= `SW_SIG_SIZE ? {IB{1'b1}} : bin[IB-1:0]);

  reg [`SW_SIG_OUT_BITS-1:0] lut [0:`SW_SIG_SIZE-1];
  initial $readmemh(`SW_SIG_HEX, lut);

  reg [`SW_SIG_OUT_BITS-1:0] lut_q;
  reg signed [AB-1:0] x1;
  reg v1, sig1;
  always @(posedge clk) begin
    lut_q <= lut[idx];
    x1 <= x[AB-1] ? {AB{1'b0}} : x;   // the ReLU clip (for ReLU the saturation is the upper clip)
    v1 <= in_valid;
    sig1 <= sigmoid;
  end

  // stage 2: ReLU clip, or round the LUT entry to the activation format
  wire [`SW_SIG_OUT_BITS:0] sig_r = ({1'b0, lut_q} + (OUT_SHIFT > 0 ? (1 << (OUT_SHIFT - 1)) : 0)) >> OUT_SHIFT;
  wire [AB-1:0] sig_y = (sig_r > AHI) ? AHI : sig_r[AB-1:0];
  always @(posedge clk) begin
    out_valid <= v1;
    y <= sig1 ? sig_y : x1;
  end
endmodule

// Output error (activation.ts outputError): a - y with y = 1.0 for the label's neuron, in the delta
// format (requantize from act.frac to delta.frac). Combinational.
module sw_outerr (
  input  wire signed [`SW_ACT_BITS-1:0] a,
  input  wire                           is_target,
  output wire signed [`SW_D_BITS-1:0]   e
);
  wire signed [`SW_ACT_BITS+1:0] diff = a - (is_target ? (1 <<< `SW_ACT_FRAC) : 0);
  sw_requant #(.IW(`SW_ACT_BITS+2), .OW(`SW_D_BITS), .SHIFT(`SW_ACT_FRAC - `SW_D_FRAC)) u_rq (.x(diff), .y(e));
endmodule
