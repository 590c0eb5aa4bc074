`default_nettype none
`timescale 1ns/1ps
`include "spec.vh"
// Sequencer testbench: the device side of LOAD_SEEDS and TRAIN is all RTL (sw_seq on sw_junction).
// The script (plusarg +script=FILE, written by test/rtl/seq.ts from a golden trace) only fills the
// store and the sample ring (descriptor; sample records), issues commands, and states what to expect: the initial
// weights, every junction's weights after every junction cycle (read through the engine's port while
// the sequencer pauses at `cycle_done`), and the TRAIN's correct count and cycle count.
//   1 addr count v...          write count words through the store port from addr (top bit: ring)
//   2 cmd n                    issue a command (0 LOAD_SEEDS, 1 TRAIN n) and wait for it to be taken
//   3 j count v...             expect junction j's weights (canonical order)
//   4                          wait until the sequencer is idle
//   5                          wait for the next cycle_done (the sequencer pauses)
//   6                          resume
//   7 correct cycles           expect the TRAIN's counters
//   8 h                        set `hold` (1: pause after every junction cycle, the default; 0: run through)
//   9 clocks                   expect the TRAIN's clock count (run with hold 0: pauses count as clocks)
//   10 count p...              expect the argmaxes (pred) of the last command's samples, in order
//   0                          end
module tb_seq;
  parameter integer Z = `SW_LANES;
  parameter integer SAB = 12;
  localparam integer PB = 1 + ((SAB > `SW_RING_BITS) ? SAB : `SW_RING_BITS);  // store port bits
  `include "tb_common.vh"

  reg clk = 0;
  always #5 clk = !clk;
  reg rst = 1;
  reg st_we = 0;
  reg [PB-1:0] st_addr;
  reg [15:0] st_wdata;
  reg cmd_valid = 0;
  reg [1:0] cmd;
  reg [15:0] cmd_n;
  wire busy, ready, paused, cycle_done;
  reg hold = 1, resume = 0;
  wire [15:0] correct, jcycles;
  wire [31:0] clocks;
  wire pred_valid;
  wire [15:0] pred;
  // the argmaxes of the current command's samples (cleared when a command is issued)
  reg [15:0] preds [0:4095];
  integer npred = 0;
  always @(posedge clk) if (pred_valid) begin
    preds[npred] = pred;
    npred = npred + 1;
  end
  reg [2:0] hp_sel;
  reg hp_start = 0, hp_wr = 0, hp_rd = 0;
  reg [15:0] hp_wdata = 0;
  wire hp_rvalid;
  wire [15:0] hp_rdata;

  sw_seq #(.Z(Z), .SAB(SAB)) dut (
    .clk(clk), .rst(rst), .st_we(st_we), .st_addr(st_addr), .st_wdata(st_wdata),
    .cmd_valid(cmd_valid), .cmd(cmd), .cmd_n(cmd_n), .busy(busy), .ready(ready), .hold(hold), .resume(resume),
    .cycle_done(cycle_done), .paused(paused), .correct(correct), .jcycles(jcycles), .clocks(clocks),
    .pred_valid(pred_valid), .pred(pred),
    .x_hp_sel(hp_sel), .x_hp_start(hp_start), .x_hp_wr(hp_wr), .x_hp_wdata(hp_wdata), .x_hp_rd(hp_rd),
    .x_hp_rvalid(hp_rvalid), .x_hp_rdata(hp_rdata), .x_rg_re(1'b0), .x_rg_q(),
    .c_req(1'b0), .c_wstrb(4'd0), .c_word('0), .c_wdata(32'd0), .c_gnt(), .c_rdata());

  integer fd, op, n, i, v, r, a1, a2, cyc;
  reg signed [15:0] got;

  task automatic issue(input [1:0] c, input [15:0] nn);
    begin
      @(negedge clk);
      cmd = c;
      cmd_n = nn;
      cmd_valid = 1;
      npred = 0;
      @(negedge clk);
      cmd_valid = 0;
      @(negedge clk);
    end
  endtask

  initial begin
    fd = sb_open_script(0);
    cyc = 0;
    repeat (3) @(negedge clk);
    rst = 0;
    op = -1;
    while (op != 0) begin
      r = $fscanf(fd, "%d", op);
      if (r != 1) op = 0;
      case (op)
        0: ;
        1: begin
          r = $fscanf(fd, "%d %d", a1, n);
          for (i = 0; i < n; i = i + 1) begin
            r = $fscanf(fd, "%d", v);
            @(negedge clk);
            st_addr = a1 + i;
            st_wdata = v;
            st_we = 1;
          end
          @(negedge clk);
          st_we = 0;
        end
        2: begin
          r = $fscanf(fd, "%d %d", a1, a2);
          issue(a1, a2);
        end
        3: begin
          r = $fscanf(fd, "%d %d", a1, n);
          issue(2'd2, a1);
          `SB_WAIT_WHILE(!ready, "sw_seq ready (command taken)", dut.st)
          hp_sel = 3'd3;
          hp_start = 1;
          @(negedge clk);
          hp_start = 0;
          for (i = 0; i < n; i = i + 1) begin
            r = $fscanf(fd, "%d", v);
            hp_rd = 1;
            @(negedge clk);
            hp_rd = 0;
            `SB_WAIT_WHILE(!hp_rvalid, "sw_seq host-port read data (hp_rvalid)", dut.st)
            got = hp_rdata;
            sb_check("weight", i, got, v);
          end
        end
        4: `SB_WAIT_WHILE(busy && !paused, "sw_seq idle (busy to drop)", dut.st)
        5: begin
          `SB_WAIT_WHILE(!paused && busy, "sw_seq cycle_done pause", dut.st)
          if (!paused) begin
            $display("MISMATCH cycle %0d: the sequencer finished early", cyc);
            sb_total = sb_total + 1;
          end
          cyc = cyc + 1;
        end
        6: begin
          resume = 1;
          @(negedge clk);
          resume = 0;
          @(negedge clk);
        end
        7: begin
          r = $fscanf(fd, "%d %d", a1, a2);
          `SB_WAIT_WHILE(busy, "sw_seq busy to drop", dut.st)
          sb_check("correct", 0, correct, a1);
          sb_check("junctionCycles", 0, jcycles, a2);
          $display("TRAIN: %0d junction cycles, %0d clocks, %0d correct", jcycles, clocks, correct);
        end
        8: begin
          r = $fscanf(fd, "%d", a1);
          hold = a1;
        end
        9: begin
          r = $fscanf(fd, "%d", a1);
          `SB_WAIT_WHILE(busy, "sw_seq busy to drop", dut.st)
          sb_check("clocks", 0, clocks, a1);
        end
        10: begin
          r = $fscanf(fd, "%d", n);
          while (busy) @(negedge clk);
          sb_check("predictions", 0, npred, n);
          for (i = 0; i < n; i = i + 1) begin
            r = $fscanf(fd, "%d", v);
            sb_check("prediction", i, preds[i], v);
          end
        end
        default: begin
          $display("FAIL 0/0 vectors: bad script opcode %0d", op);
          $finish;
        end
      endcase
    end
    sb_summary;
    $finish;
  end
endmodule
