`default_nettype none
`include "spec.vh"
// iCEBreaker top level: 12 MHz oscillator -> PLL -> SW_CLOCK_HZ; the junction engine behind a small
// byte-command port on the FT2232H UART (SW_UART_BAUD, 8N1). Not the full seedwire protocol: a
// bring-up path that reaches every engine function. Commands (multi-byte fields little-endian):
//   0x01 CONFIG  z, m[2], fo[2], fi[2], wbase[2], lr, init_shift | sigmoid << 7   -> 0x00
//   0x02 RUN     op | ff << 2 | bp << 3 | up << 4, seed[4]  (op 0 draw start vector, 1 initial
//                weights, 2 pass); answers 0x00 when the engine is idle again
//   0x03 SELECT  memory (0 left activations, 1 left deltas, 2 right deltas / FF outputs, 3 weights),
//                restarting its sequential address                                 -> 0x00
//   0x04 WRITE   count[2], then count 16-bit words                                 -> 0x00
//   0x05 READ    count[2]                                  -> count 16-bit words
//   any other opcode                                       -> 0x80 | SW_ERR_BAD_OPCODE
module sw_top (
  input  wire clk_12m,   // pin 35
  input  wire uart_rx,   // pin 6 (FT2232H TXD)
  output wire uart_tx,   // pin 9 (FT2232H RXD)
  output wire led_r_n,   // pin 11: engine busy
  output wire led_g_n    // pin 37: PLL locked
);
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
  reg tx_start;
  reg [7:0] tx_data;
  wire tx_busy;
  sw_uart_rx u_rx (.clk(clk), .rst(rst), .rx(uart_rx), .valid(rx_valid), .data(rx_data));
  sw_uart_tx u_tx (.clk(clk), .rst(rst), .start(tx_start), .data(tx_data), .busy(tx_busy), .tx(uart_tx));

  // engine configuration registers
  reg [7:0] cfg_z;
  reg [`SW_AROW_BITS:0] cfg_m;
  reg [`SW_NEURON_BITS-1:0] cfg_fo, cfg_fi;
  reg [`SW_WROW_BITS-1:0] cfg_wbase;
  reg [4:0] cfg_lr, cfg_init_shift;
  reg cfg_sigmoid;
  reg cmd_valid;
  reg [1:0] cmd;
  reg [31:0] seed;
  reg ph_ff, ph_bp, ph_up;
  reg [2:0] hp_sel;
  reg hp_start, hp_wr, hp_rd;
  reg [15:0] hp_wdata;
  wire hp_rvalid;
  wire [15:0] hp_rdata;
  wire busy, ff_valid;
  wire [`SW_ACT_BITS-1:0] ff_data;
  wire [`SW_LANES*`SW_AROW_BITS-1:0] sv;

  sw_junction u_eng (
    .clk(clk), .rst(rst),
    .cfg_z(cfg_z), .cfg_m(cfg_m), .cfg_fo(cfg_fo), .cfg_fi(cfg_fi), .cfg_wbase(cfg_wbase),
    .cfg_lr(cfg_lr), .cfg_init_shift(cfg_init_shift), .cfg_sigmoid(cfg_sigmoid),
    .cmd_valid(cmd_valid), .cmd(cmd), .cmd_seed(seed), .cmd_ff(ph_ff), .cmd_bp(ph_bp), .cmd_up(ph_up),
    .busy(busy),
    .hp_sel(hp_sel), .hp_start(hp_start), .hp_wr(hp_wr), .hp_wdata(hp_wdata), .hp_rd(hp_rd),
    .hp_rvalid(hp_rvalid), .hp_rdata(hp_rdata),
    .ff_valid(ff_valid), .ff_data(ff_data), .sv(sv));

  // command decoder
  localparam [3:0] S_OP = 0, S_ARGS = 1, S_WAIT = 2, S_WDATA = 3, S_RREQ = 4, S_RWAIT = 5, S_RSEND = 6, S_REPLY = 7;
  reg [3:0] st;
  reg [7:0] op;
  reg [3:0] nargs, argi;
  reg [7:0] args [0:10];
  reg [15:0] count;
  reg byte_hi;
  reg [15:0] rword;
  always @(posedge clk) begin
    cmd_valid <= 1'b0;
    hp_start <= 1'b0;
    hp_wr <= 1'b0;
    hp_rd <= 1'b0;
    tx_start <= 1'b0;
    if (rst) begin
      st <= S_OP;
      cfg_z <= 1;
      cfg_m <= 1;
    end else case (st)
      S_OP: if (rx_valid) begin
        op <= rx_data;
        argi <= 0;
        case (rx_data)
          8'h01: begin nargs <= 11; st <= S_ARGS; end
          8'h02: begin nargs <= 5; st <= S_ARGS; end
          8'h03: begin nargs <= 1; st <= S_ARGS; end
          8'h04, 8'h05: begin nargs <= 2; st <= S_ARGS; end
          default: begin tx_data <= 8'h80 | `SW_ERR_BAD_OPCODE; st <= S_REPLY; end
        endcase
      end
      S_ARGS: if (rx_valid) begin
        args[argi] <= rx_data;
        argi <= argi + 1'b1;
        if (argi + 1'b1 == nargs) begin
          tx_data <= 8'h00;
          case (op)
            8'h01: begin
              cfg_z <= args[0];
              cfg_m <= {args[2], args[1]};
              cfg_fo <= {args[4], args[3]};
              cfg_fi <= {args[6], args[5]};
              cfg_wbase <= {args[8], args[7]};
              cfg_lr <= args[9];
              cfg_init_shift <= rx_data[4:0];
              cfg_sigmoid <= rx_data[7];
              st <= S_REPLY;
            end
            8'h02: begin
              cmd <= args[0][1:0];
              ph_ff <= args[0][2];
              ph_bp <= args[0][3];
              ph_up <= args[0][4];
              seed <= {rx_data, args[3], args[2], args[1]};
              cmd_valid <= 1'b1;
              st <= S_WAIT;
            end
            8'h03: begin
              hp_sel <= rx_data[2:0];
              hp_start <= 1'b1;
              st <= S_REPLY;
            end
            8'h04: begin
              count <= {rx_data, args[0]};
              byte_hi <= 1'b0;
              st <= ({rx_data, args[0]} == 0) ? S_REPLY : S_WDATA;
            end
            default: begin  // 0x05
              count <= {rx_data, args[0]};
              st <= ({rx_data, args[0]} == 0) ? S_OP : S_RREQ;
            end
          endcase
        end
      end
      S_WAIT: if (!cmd_valid && !busy) st <= S_REPLY;
      S_WDATA: if (rx_valid) begin
        byte_hi <= !byte_hi;
        if (!byte_hi) hp_wdata[7:0] <= rx_data;
        else begin
          hp_wdata[15:8] <= rx_data;
          hp_wr <= 1'b1;
          count <= count - 1'b1;
          if (count == 1) st <= S_REPLY;
        end
      end
      S_RREQ: begin
        hp_rd <= 1'b1;
        st <= S_RWAIT;
      end
      S_RWAIT: if (hp_rvalid) begin
        rword <= hp_rdata;
        byte_hi <= 1'b0;
        st <= S_RSEND;
      end
      S_RSEND: if (!tx_busy && !tx_start) begin
        tx_data <= byte_hi ? rword[15:8] : rword[7:0];
        tx_start <= 1'b1;
        byte_hi <= !byte_hi;
        if (byte_hi) begin
          count <= count - 1'b1;
          st <= (count == 1) ? S_OP : S_RREQ;
        end
      end
      S_REPLY: if (!tx_busy && !tx_start) begin
        tx_start <= 1'b1;
        st <= S_OP;
      end
      default: st <= S_OP;
    endcase
  end

  assign led_r_n = !busy;
  assign led_g_n = !locked;
endmodule
