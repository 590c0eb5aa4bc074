`default_nettype none
`timescale 1ns/1ps
`include "spec.vh"
// Connectivity testbench: the start-vector draw (sw_svdraw + the 32-bit sw_lfsr) and the clash-free
// address generator (sw_connaddr). Script records:
//   p z fo mode seed   (mode 0 shared: one draw; 1 per-sweep: a draw per sweep; 2 explicit)
//   [mode 2: fo x z start-vector values]
//   mode 0/1: draws x z expected start-vector values
//   p*fo expected left neurons of the canonical weights
module tb_conn;
  parameter integer Z = 4;
  localparam integer RB = `SW_AROW_BITS;
  `include "tb_common.vh"
  reg clk = 0;
  always #5 clk = !clk;
  reg lfsr_load = 0, start = 0, aload = 0, astep = 0;
  reg [31:0] seed;
  reg [RB:0] m;
  reg [7:0] z;
  wire [31:0] state;
  wire lbit, lstep, busy;
  wire [Z*RB-1:0] sv_drawn, rows;
  reg [Z*RB-1:0] sv_use;
  sw_lfsr u_l (.clk(clk), .load(lfsr_load), .seed(seed), .step(lstep), .state(state), .bit_out(lbit));
  sw_svdraw #(.Z(Z), .RB(RB)) u_d (.clk(clk), .rst(1'b0), .start(start), .m(m), .z(z), .lfsr_bit(lbit), .lfsr_step(lstep), .busy(busy), .sv(sv_drawn));
  sw_connaddr #(.Z(Z), .RB(RB)) u_a (.clk(clk), .load(aload), .step(astep), .m(m), .sv(sv_use), .rows(rows));
  integer fd, r, p, fo, mode, sw, c, k, idx, v, ncase;
  reg [31:0] sd;
  reg [1023:0] script;
  initial begin
    if (!$value$plusargs("script=%s", script)) $finish;
    fd = $fopen(script, "r");
    ncase = 0;
    while ($fscanf(fd, "%d %d %d %d %d", p, z, fo, mode, sd) == 5) begin
      ncase = ncase + 1;
      m = p / z;
      @(negedge clk);
      seed = sd;
      lfsr_load = 1;
      @(negedge clk);
      lfsr_load = 0;
      idx = 0;
      for (sw = 0; sw < fo; sw = sw + 1) begin
        if (mode == 2) begin
          for (k = 0; k < z; k = k + 1) begin r = $fscanf(fd, "%d", v); sv_use[k*RB +: RB] = v; end
        end else if (sw == 0 || mode == 1) begin
          start = 1;
          @(negedge clk);
          start = 0;
          `SB_WAIT_WHILE(busy, "sw_svdraw busy to drop (start-vector draw)", busy)
          for (k = 0; k < z; k = k + 1) begin
            r = $fscanf(fd, "%d", v);
            sb_check("startVector", k, sv_drawn[k*RB +: RB], v);
          end
          sv_use = sv_drawn;
        end
        // a sweep: load the counters with this sweep's start vector, then m clocks
        aload = 1;
        @(negedge clk);
        aload = 0;
        for (c = 0; c < m; c = c + 1) begin
          for (k = 0; k < z; k = k + 1) begin
            r = $fscanf(fd, "%d", v);
            sb_check("left", idx, rows[k*RB +: RB] * z + k, v);
            idx = idx + 1;
          end
          astep = 1;
          @(negedge clk);
          astep = 0;
        end
      end
    end
    sb_summary;
    $finish;
  end
endmodule
