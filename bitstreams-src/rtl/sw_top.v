`default_nettype none
`include "spec.vh"
// iCEBreaker top level: 12 MHz oscillator -> PLL -> SW_CLOCK_HZ; the host protocol on the FT2232H
// UART (SW_UART_BAUD, 8N1) in front of the sequencer (sw_seq, with the junction engine). Two control
// planes speak the protocol, chosen at build time:
//   SW_CPU_PORT (the board's build, bitstreams-src/build.ts BOARD_DEFINES): firmware on a small RV32I
//     core (sw_ctrl.v, sw_cpu.v; bitstreams-src/firmware/board), its RAM in the engine's SPRAM, booted
//     from the SPI flash (sw_boot.v) behind the bitstream; SLIP and CRC-32 in hardware;
//   otherwise the protocol endpoint in RTL (sw_proto: SLIP, header, CRC-32, seq rules, replay; its
//     executor sw_exec.v and sample decoder sw_samples.v), which does not fit the UP5K and runs in
//     co-simulation only (seedwire cosim --rtl-endpoint).
// The sequencer port is where the network opcodes (CONFIGURE .. INFER) join the protocol: the control
// plane writes the store (st_we/st_addr/st_wdata: descriptor words in the layout of test/rtl/seq.ts
// seqLayout; sample records into the ring), issues LOAD_SEEDS / TRAIN / INFER / SELECT on cmd, and moves
// weights through the engine's host port (x_hp_*).
module sw_top #(
  parameter integer UART_DIV = `SW_UART_DIV   // clocks per UART bit (the co-simulation may build another rate)
) (
  input  wire clk_12m,   // pin 35
  input  wire uart_rx,   // pin 6 (FT2232H TXD)
  output wire uart_tx,   // pin 9 (FT2232H RXD)
  output wire led_r_n,   // pin 11: busy (a request runs, a response is sent, or the sequencer works)
  output wire led_g_n    // pin 37: PLL locked
`ifdef SW_CPU_PORT
  ,
  // the SPI flash behind the bitstream, which also holds the firmware image (sw_boot.v)
  output wire flash_cs_n,
  output wire flash_sck,
  output wire flash_mosi,
  input  wire flash_miso
`endif
);
  localparam integer SAB = `SW_SEQ_ADDR_BITS;
  localparam integer PB = `SW_SEQ_PORT_BITS;
  wire clk, locked;
`ifdef SYNTHESIS
  SB_PLL40_PAD #(
    .FEEDBACK_PATH("SIMPLE"),
    .DIVR(`SW_PLL_DIVR),
    .DIVF(`SW_PLL_DIVF),
    .DIVQ(`SW_PLL_DIVQ),
    .FILTER_RANGE(`SW_PLL_FILTER_RANGE)
  ) u_pll (
    .PACKAGEPIN(clk_12m), .PLLOUTGLOBAL(clk), .LOCK(locked), .RESETB(1'b1), .BYPASS(1'b0)
  );
`else
  assign clk = clk_12m;  // simulation: the testbench drives the device clock directly
  assign locked = 1'b1;
`endif
  reg [3:0] rst_cnt = 0;
  wire rst = !rst_cnt[3];
  always @(posedge clk) if (!locked) rst_cnt <= 0; else if (rst) rst_cnt <= rst_cnt + 1'b1;

  wire rx_valid;
  wire [7:0] rx_data;
  wire tx_start;
  wire [7:0] tx_data;
  wire tx_busy;
  sw_uart_rx #(.DIV(UART_DIV)) u_rx (.clk(clk), .rst(rst), .rx(uart_rx), .valid(rx_valid), .data(rx_data));
  sw_uart_tx #(.DIV(UART_DIV)) u_tx (.clk(clk), .rst(rst), .start(tx_start), .data(tx_data), .busy(tx_busy), .tx(uart_tx));

  // the sequencer port (see above)
  wire st_we;
  wire [PB-1:0] st_addr;
  wire [15:0] st_wdata;
  wire cmd_valid;
  wire [1:0] cmd;
  wire [15:0] cmd_n;
  wire [2:0] hp_sel;
  wire hp_start, hp_wr, hp_rd;
  wire busy, ready, paused, cycle_done, hp_rvalid;
  wire [15:0] correct, jcycles, hp_rdata;
  wire [31:0] clocks;
  wire pred_valid;
  wire rg_re;
  wire [15:0] rg_q;
  wire [15:0] pred;
  wire proto_busy;
  // the firmware RAM's port into the engine's SPRAM banks (the soft-CPU control plane only)
  localparam integer CWB = $clog2(`SW_CPU_RAM_BYTES / 4);
  wire c_req, c_gnt;
  wire [3:0] c_wstrb;
  wire [CWB-1:0] c_word;
  wire [31:0] c_wdata, c_rdata;
`ifdef SW_CPU_PORT
  // the control plane as firmware on a soft CPU (sw_ctrl.v, sw_cpu.v; bitstreams-src/firmware/board)
  assign rg_re = 1'b0;                  // the firmware stages nothing in the ring: no ring reads
  sw_ctrl #(.UART_DIV(UART_DIV)) u_ctrl (
    .clk(clk), .rst(rst), .rx_valid(rx_valid), .rx_data(rx_data),
    .tx_start(tx_start), .tx_data(tx_data), .tx_busy(tx_busy), .busy(proto_busy),
    .st_we(st_we), .st_addr(st_addr), .st_wdata(st_wdata), .cmd_valid(cmd_valid), .cmd(cmd), .cmd_n(cmd_n),
    .seq_busy(busy), .seq_ready(ready),
    .hp_sel(hp_sel), .hp_start(hp_start), .hp_rd(hp_rd), .hp_rvalid(hp_rvalid), .hp_rdata(hp_rdata),
    .hp_wr(hp_wr),
    .seq_correct(correct), .seq_jcycles(jcycles), .seq_clocks(clocks), .seq_pred_valid(pred_valid), .seq_pred(pred),
    .c_req(c_req), .c_wstrb(c_wstrb), .c_word(c_word), .c_wdata(c_wdata), .c_gnt(c_gnt), .c_rdata(c_rdata),
    .flash_cs_n(flash_cs_n), .flash_sck(flash_sck), .flash_mosi(flash_mosi), .flash_miso(flash_miso));
`else
  assign {c_req, c_wstrb, c_word, c_wdata} = 0;
  sw_proto u_proto (
    .clk(clk), .rst(rst), .rx_valid(rx_valid), .rx_data(rx_data),
    .tx_start(tx_start), .tx_data(tx_data), .tx_busy(tx_busy), .busy(proto_busy),
    .st_we(st_we), .st_addr(st_addr), .st_wdata(st_wdata), .cmd_valid(cmd_valid), .cmd(cmd), .cmd_n(cmd_n),
    .seq_busy(busy), .seq_ready(ready),
    .hp_sel(hp_sel), .hp_start(hp_start), .hp_rd(hp_rd), .hp_rvalid(hp_rvalid), .hp_rdata(hp_rdata),
    .hp_wr(hp_wr), .rg_re(rg_re), .rg_q(rg_q),
    .seq_correct(correct), .seq_jcycles(jcycles), .seq_clocks(clocks), .seq_pred_valid(pred_valid), .seq_pred(pred));
`endif
`ifdef SW_CPU_PORT
  // the firmware draws the initial weights and the DFA matrix (bitstreams-src/firmware/board/exec.c)
  localparam integer DRAW = 0;
`else
  localparam integer DRAW = 1;
`endif
  sw_seq #(.SAB(SAB), .MATRIX_DRAW(DRAW), .INIT_DRAW(DRAW)) u_seq (
    .clk(clk), .rst(rst), .st_we(st_we), .st_addr(st_addr), .st_wdata(st_wdata),
    .cmd_valid(cmd_valid), .cmd(cmd), .cmd_n(cmd_n), .busy(busy), .ready(ready), .hold(1'b0), .resume(1'b0),
    .cycle_done(cycle_done), .paused(paused), .correct(correct), .pred_valid(pred_valid), .pred(pred), .jcycles(jcycles), .clocks(clocks),
    .x_hp_sel(hp_sel), .x_hp_start(hp_start), .x_hp_wr(hp_wr), .x_hp_wdata(st_wdata), .x_hp_rd(hp_rd),
    .x_hp_rvalid(hp_rvalid), .x_hp_rdata(hp_rdata), .x_rg_re(rg_re), .x_rg_q(rg_q),
    .c_req(c_req), .c_wstrb(c_wstrb), .c_word(c_word), .c_wdata(c_wdata), .c_gnt(c_gnt), .c_rdata(c_rdata));

  assign led_r_n = !(busy || proto_busy);
  assign led_g_n = !locked;
endmodule
