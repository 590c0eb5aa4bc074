`default_nettype none
`timescale 1ns/1ps
`include "spec.vh"
// Junction engine testbench. The driver reads a command script (plusarg +script=FILE, written by
// test/rtl from the golden trace): configuration, start-vector draw, initial weights, memory loads,
// passes; the monitor collects FF outputs, reads left deltas and weights back; the scoreboard compares
// every word with the script's expected values. Script: one command per line, numbers in decimal.
//   1 z m fo fi wbase lr init_shift sigmoid     configure
//   2 seed  sv_0 .. sv_{z-1}                     draw the start vector, expect it
//   4 seed                                       initial weights
//   5 count v...                                 load left activations
//   6 count v...                                 load right deltas
//   7 ff bp up                                   run a pass
//   8 count v...                                 expect the pass's FF outputs
//   9 count v...                                 expect left deltas
//  10 count v...                                 expect weights (canonical order)
//   0                                            end
module tb_junction;
  parameter integer Z = `SW_LANES;
  localparam integer RB = `SW_AROW_BITS;
  `include "tb_common.vh"

  reg clk = 0;
  always #5 clk = !clk;
  reg rst = 1;
  reg [7:0] cfg_z;
  reg [RB:0] cfg_m;
  reg [`SW_NEURON_BITS-1:0] cfg_fo, cfg_fi;
  reg [`SW_WROW_BITS-1:0] cfg_wbase;
  reg [4:0] cfg_lr, cfg_init_shift;
  reg cfg_sigmoid;
  reg cmd_valid = 0;
  reg [1:0] cmd;
  reg [31:0] seed;
  reg c_ff, c_bp, c_up;
  wire busy;
  reg [2:0] hp_sel;
  reg hp_start = 0, hp_wr = 0, hp_rd = 0;
  reg [15:0] hp_wdata;
  wire hp_rvalid;
  wire [15:0] hp_rdata;
  wire ff_valid;
  wire [`SW_ACT_BITS-1:0] ff_data;
  wire [Z*RB-1:0] sv;

  sw_junction #(.Z(Z)) dut (
    .clk(clk), .rst(rst),
    .cfg_z(cfg_z), .cfg_m(cfg_m), .cfg_fo(cfg_fo), .cfg_fi(cfg_fi), .cfg_wbase(cfg_wbase),
    .cfg_lr(cfg_lr), .cfg_init_shift(cfg_init_shift), .cfg_sigmoid(cfg_sigmoid),
    .cmd_valid(cmd_valid), .cmd(cmd), .cmd_seed(seed), .cmd_ff(c_ff), .cmd_bp(c_bp), .cmd_up(c_up), .busy(busy),
    .hp_sel(hp_sel), .hp_start(hp_start), .hp_wr(hp_wr), .hp_wdata(hp_wdata), .hp_rd(hp_rd),
    .hp_rvalid(hp_rvalid), .hp_rdata(hp_rdata), .ff_valid(ff_valid), .ff_data(ff_data), .sv(sv),
    .sp_re(1'b0), .sp_we(1'b0), .sp_row({`SW_WROW_BITS{1'b0}}), .sp_bank(8'd0), .w_q(),
    .c_req(1'b0), .c_block(1'b0), .c_wstrb(4'd0), .c_word('0), .c_wdata(32'd0), .c_gnt(), .c_rdata());

  // monitor: FF outputs of the current pass
  reg signed [15:0] ffbuf [0:4095];
  integer ffn = 0;
  always @(posedge clk) if (ff_valid) begin
    ffbuf[ffn] = $signed(ff_data);
    ffn = ffn + 1;
  end

  integer fd, op, n, i, v, r, a1, a2, a3, a4, a5, a6, a7, a8, passes;
  reg signed [15:0] got;

  task automatic engine_cmd(input [1:0] c);
    begin
      @(negedge clk);
      cmd = c;
      cmd_valid = 1;
      @(negedge clk);
      cmd_valid = 0;
      `SB_WAIT_WHILE(busy, "sw_junction busy to drop", busy)
    end
  endtask
  task automatic hp_begin(input [2:0] sel);
    begin
      @(negedge clk);
      hp_sel = sel;
      hp_start = 1;
      @(negedge clk);
      hp_start = 0;
    end
  endtask
  task automatic load(input [2:0] sel);
    begin
      r = $fscanf(fd, "%d", n);
      hp_begin(sel);
      for (i = 0; i < n; i = i + 1) begin
        r = $fscanf(fd, "%d", v);
        hp_wdata = v;
        hp_wr = 1;
        @(negedge clk);
      end
      hp_wr = 0;
    end
  endtask
  task automatic expect_mem(input [2:0] sel, input [255:0] what);
    begin
      r = $fscanf(fd, "%d", n);
      hp_begin(sel);
      for (i = 0; i < n; i = i + 1) begin
        r = $fscanf(fd, "%d", v);
        hp_rd = 1;
        @(negedge clk);
        hp_rd = 0;
        `SB_WAIT_WHILE(!hp_rvalid, "sw_junction host-port read data (hp_rvalid)", busy)
        got = hp_rdata;
        sb_check(what, i, got, v);
      end
    end
  endtask

  initial begin
    fd = sb_open_script(0);
    passes = 0;
    repeat (3) @(negedge clk);
    rst = 0;
    op = -1;
    while (op != 0) begin
      r = $fscanf(fd, "%d", op);
      if (r != 1) op = 0;
      case (op)
        0: ;
        1: begin
          r = $fscanf(fd, "%d %d %d %d %d %d %d %d", a1, a2, a3, a4, a5, a6, a7, a8);
          if (a1 > Z) begin
            $display("FAIL 0/0 vectors: the script needs z = %0d lanes, the engine has Z = %0d", a1, Z);
            $finish;
          end
          cfg_z = a1; cfg_m = a2; cfg_fo = a3; cfg_fi = a4; cfg_wbase = a5; cfg_lr = a6; cfg_init_shift = a7; cfg_sigmoid = a8;
        end
        2: begin
          r = $fscanf(fd, "%d", v);
          seed = v;
          engine_cmd(2'd0);
          for (i = 0; i < cfg_z; i = i + 1) begin
            r = $fscanf(fd, "%d", v);
            sb_check("startVector", i, sv[i*RB +: RB], v);
          end
        end
        4: begin
          r = $fscanf(fd, "%d", v);
          seed = v;
          engine_cmd(2'd1);
        end
        5: load(3'd0);
        6: load(3'd2);
        7: begin
          r = $fscanf(fd, "%d %d %d", a1, a2, a3);
          c_ff = a1; c_bp = a2; c_up = a3;
          ffn = 0;
          engine_cmd(2'd2);
          passes = passes + 1;
        end
        8: begin
          r = $fscanf(fd, "%d", n);
          if (ffn != n) begin
            $display("MISMATCH pass %0d: %0d FF outputs, want %0d", passes, ffn, n);
            sb_total = sb_total + 1;
          end
          for (i = 0; i < n; i = i + 1) begin
            r = $fscanf(fd, "%d", v);
            sb_check("ff", i, ffbuf[i], v);
          end
        end
        9: expect_mem(3'd1, "dLeft");
        10: expect_mem(3'd3, "weight");
        default: begin
          $display("FAIL 0/0 vectors: bad script opcode %0d", op);
          $finish;
        end
      endcase
    end
    $display("passes %0d", passes);
    sb_summary;
    $finish;
  end
endmodule
