`default_nettype none
`timescale 1ns/1ps
`include "spec.vh"
// LFSR testbench: one sw_lfsr per width 3..32 with its mask from spec.vh. Script records:
//   width seed nsteps state_1 .. state_nsteps   (states after each step, decimal)
module tb_lfsr;
  `include "tb_common.vh"
  reg clk = 0;
  always #5 clk = !clk;
  reg [32:0] load = 0, step = 0;
  reg [31:0] seed;
  wire [31:0] st [0:32];
  wire [32:0] bitv;
  genvar w;
  generate
    for (w = 3; w <= 32; w = w + 1) begin : g_w
      localparam [1055:0] TABLE = `SW_LFSR_MASK_TABLE;
      wire [w-1:0] s;
      sw_lfsr #(.W(w), .MASK(TABLE[w*32 +: w])) u (.clk(clk), .load(load[w]), .seed(seed[w-1:0]), .step(step[w]), .state(s), .bit_out(bitv[w]));
      assign st[w] = s;
    end
  endgenerate
  integer fd, r, width, nsteps, i;
  reg [63:0] v;
  reg [1023:0] script;
  initial begin
    if (!$value$plusargs("script=%s", script)) $finish;
    fd = $fopen(script, "r");
    while ($fscanf(fd, "%d %d %d", width, v, nsteps) == 3 && width != 0) begin
      @(negedge clk);
      seed = v[31:0];
      load[width] = 1;
      @(negedge clk);
      load[width] = 0;
      for (i = 0; i < nsteps; i = i + 1) begin
        step[width] = 1;
        @(negedge clk);
        step[width] = 0;
        r = $fscanf(fd, "%d", v);
        sb_check("state", i, {32'b0, st[width]}, v);
      end
    end
    sb_summary;
    $finish;
  end
endmodule
