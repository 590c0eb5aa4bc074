`default_nettype none
`timescale 1ns/1ps
`include "spec.vh"
// Activation-unit testbench. Script records: kind acc out (kind 0 ReLU, 1 sigmoid; acc with
// act.frac + weight.frac fractional bits; out in the activation format). Streams one per clock.
module tb_act;
  `include "tb_common.vh"
  reg clk = 0;
  always #5 clk = !clk;
  reg in_valid = 0, sig = 0;
  reg signed [`SW_ACC_BITS-1:0] acc;
  wire out_valid;
  wire signed [`SW_ACT_BITS-1:0] y;
  sw_act u (.clk(clk), .in_valid(in_valid), .acc(acc), .sigmoid(sig), .out_valid(out_valid), .y(y));
  reg signed [63:0] want [0:65535];
  integer fd, r, kind, n, m;
  reg signed [63:0] v, o;
  reg [1023:0] script;
  always @(posedge clk) if (out_valid) begin
    sb_check("act", m, y, want[m]);
    m = m + 1;
  end
  initial begin
    if (!$value$plusargs("script=%s", script)) $finish;
    fd = $fopen(script, "r");
    n = 0;
    m = 0;
    @(negedge clk);
    while ($fscanf(fd, "%d %d %d", kind, v, o) == 3) begin
      want[n] = o;
      n = n + 1;
      sig = kind;
      acc = v;
      in_valid = 1;
      @(negedge clk);
    end
    in_valid = 0;
    repeat (4) @(negedge clk);
    if (m != n) begin
      $display("MISMATCH %0d outputs for %0d inputs", m, n);
      sb_total = sb_total + 1;
    end
    sb_summary;
    $finish;
  end
endmodule
