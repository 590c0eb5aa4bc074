`default_nettype none
`timescale 1ns/1ps
`include "spec.vh"
// Arithmetic testbench: saturate, requantize, the MAC lane, the update unit and the output error.
// Script records (decimal):
//   1 x out                      saturate x into the weight/activation width
//   2 x out                      requantize by SW_W_FRAC bits (FF and BP sums) into 16 bits
//   3 n a_1 b_1 .. a_n b_n out   MAC lane: sum of activation x weight products -> activation
//   4 w d a lr out               update unit
//   5 a is_target out            output error
module tb_arith;
  `include "tb_common.vh"
  reg clk = 0;
  always #5 clk = !clk;
  reg signed [63:0] x;
  wire signed [`SW_W_BITS-1:0] sat_y, rq_y;
  sw_sat #(.IW(64), .OW(`SW_W_BITS)) u_sat (.x(x), .y(sat_y));
  sw_requant #(.IW(64), .OW(`SW_ACT_BITS), .SHIFT(`SW_W_FRAC)) u_rq (.x(x), .y(rq_y));
  reg en = 0, clear = 0;
  reg signed [`SW_ACT_BITS-1:0] a;
  reg signed [`SW_W_BITS-1:0] b, w;
  reg signed [`SW_D_BITS-1:0] d;
  reg [4:0] lr;
  reg tgt;
  wire signed [`SW_ACC_BITS-1:0] acc;
  wire signed [`SW_ACT_BITS-1:0] mac_q;
  sw_mac u_mac (.clk(clk), .en(en), .clear(clear), .a(a), .b(b), .acc(acc), .q(mac_q));
  wire signed [`SW_W_BITS-1:0] w_new;
  sw_update u_up (.w(w), .d(d), .a(a), .lr_shift(lr), .w_new(w_new));
  wire signed [`SW_D_BITS-1:0] e;
  sw_outerr u_oe (.a(a), .is_target(tgt), .e(e));
  integer fd, r, op, n, i, idx;
  reg signed [63:0] v1, v2, v3, v4, want;
  reg [1023:0] script;
  initial begin
    if (!$value$plusargs("script=%s", script)) $finish;
    fd = $fopen(script, "r");
    idx = 0;
    while ($fscanf(fd, "%d", op) == 1 && op != 0) begin
      idx = idx + 1;
      case (op)
        1: begin r = $fscanf(fd, "%d %d", v1, want); x = v1; #1 sb_check("saturate", idx, sat_y, want); end
        2: begin r = $fscanf(fd, "%d %d", v1, want); x = v1; #1 sb_check("requantize", idx, rq_y, want); end
        3: begin
          r = $fscanf(fd, "%d", n);
          @(negedge clk);
          for (i = 0; i < n; i = i + 1) begin
            r = $fscanf(fd, "%d %d", v1, v2);
            a = v1; b = v2; en = 1; clear = (i == 0);
            @(negedge clk);
          end
          en = 0; clear = 0;
          r = $fscanf(fd, "%d", want);
          #1 sb_check("mac", idx, mac_q, want);
        end
        4: begin
          r = $fscanf(fd, "%d %d %d %d %d", v1, v2, v3, v4, want);
          w = v1; d = v2; a = v3; lr = v4;
          #1 sb_check("update", idx, w_new, want);
        end
        5: begin
          r = $fscanf(fd, "%d %d %d", v1, v2, want);
          a = v1; tgt = v2;
          #1 sb_check("outputError", idx, e, want);
        end
        default: begin $display("FAIL 0/0 vectors: bad opcode %0d", op); $finish; end
      endcase
    end
    sb_summary;
    $finish;
  end
endmodule
