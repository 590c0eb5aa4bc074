`default_nettype none
`include "spec.vh"
// The control plane on a soft CPU: sw_cpu running the board's firmware (bitstreams-src/firmware/board),
// which speaks the host protocol and drives the sequencer. In place of sw_proto + sw_exec + sw_samples
// in a build with SW_CPU_PORT defined (sw_top.v). The firmware's RAM is 16 KB of the engine's SPRAM
// (sw_junction.v c_*: the engine first, the core when it leaves a half free), loaded at reset from the
// SPI flash by sw_boot while the core waits. Hardware is kept for what runs at line rate:
//   - receive: SLIP decode and the CRC-32 register (sw_crc32) in front of a FIFO of decoded bytes and
//     frame boundaries (EBR), so the firmware reads a frame's bytes, not the line's, and learns at the
//     boundary whether the CRC held;
//   - transmit: a one-byte holding register in front of SLIP encoding and the CRC-32 register, which
//     appends the CRC and END when the firmware ends a frame.
// Everything else (header, sequence rules, replay cache, every request) is firmware. The I/O registers
// and the address map are generated from firmware-spec/gen/cpu-io.ts (SW_IO_*, SW_CPU_*).
module sw_ctrl #(
  parameter integer UART_DIV = `SW_UART_DIV,
  // receive FIFO entries: 2^RXB (2,048: 5 EBR as 2048 x 2). It holds what arrives while the firmware
  // works on the frame before or waits on a TRAIN; a frame that does not fit is dropped (the host
  // resends it). Measured on mnist-sparse-38, 300 samples, in co-simulation (firmware RAM in EBR then):
  // with 256 entries (a third of a bulk frame) the run took 593 s and 1.31e9 clocks (drops and
  // resends); with 2,048 entries, 110 s and 3.0e8 clocks (the RTL endpoint: 89 s, 2.2e8).
  parameter integer RXB = 11,
  parameter integer CWB = $clog2(`SW_CPU_RAM_BYTES / 4)   // RAM word address bits
) (
  input  wire       clk,
  input  wire       rst,
  input  wire       rx_valid,     // a byte from the UART receiver
  input  wire [7:0] rx_data,
  output reg        tx_start,
  output reg  [7:0] tx_data,
  input  wire       tx_busy,
  output wire       busy,         // the busy LED: set by the firmware while a request runs
  // the sequencer's port (sw_seq.v)
  output reg                          st_we,
  output reg  [`SW_SEQ_PORT_BITS-1:0] st_addr,
  output reg  [15:0]                  st_wdata,
  output reg                          cmd_valid,
  output reg  [1:0]                   cmd,
  output reg  [15:0]                  cmd_n,
  input  wire                         seq_busy,
  input  wire                         seq_ready,
  output reg  [2:0]                   hp_sel,
  output reg                          hp_start,
  output reg                          hp_rd,
  output reg                          hp_wr,
  output reg                          rg_re,
  input  wire [15:0]                  rg_q,
  input  wire                         hp_rvalid,
  input  wire [15:0]                  hp_rdata,
  input  wire [15:0]                  seq_correct,
  input  wire [15:0]                  seq_jcycles,
  input  wire [31:0]                  seq_clocks,
  input  wire                         seq_pred_valid,
  input  wire [15:0]                  seq_pred,
  // the firmware's RAM: rows of the engine's SPRAM banks (sw_junction.v c_*), served when the engine
  // leaves them be
  output wire                         c_req,
  output wire [3:0]                   c_wstrb,
  output wire [CWB-1:0]               c_word,
  output wire [31:0]                  c_wdata,
  input  wire                         c_gnt,
  input  wire [31:0]                  c_rdata,
  // the SPI flash the firmware image is booted from (sw_boot.v)
  output wire                         flash_cs_n,
  output wire                         flash_sck,
  output wire                         flash_mosi,
  input  wire                         flash_miso
);
  localparam integer AW = `SW_CPU_ADDR_BITS;
  localparam [7:0] END = `SW_SLIP_END, ESC = `SW_SLIP_ESC, ESC_END = `SW_SLIP_ESC_END, ESC_ESC = `SW_SLIP_ESC_ESC;

  // ---- the CPU and its bus -------------------------------------------------------------------------
  wire mem_valid, trap;
  wire [AW-1:0] mem_addr;
  wire [31:0] mem_wdata;
  wire [3:0] mem_wstrb;
  reg [31:0] mem_rdata;
  reg mem_ready;
  // boot: the loader copies the image from the flash into the RAM, the core waits in reset until then
  wire boot_done, b_valid;
  wire [CWB-1:0] b_word;
  wire [31:0] b_data;
  sw_boot #(.WORDS(`SW_CPU_RAM_BYTES / 4)) u_boot (
    .clk(clk), .rst(rst), .flash_cs_n(flash_cs_n), .flash_sck(flash_sck), .flash_mosi(flash_mosi),
    .flash_miso(flash_miso), .w_valid(b_valid), .w_addr(b_word), .w_data(b_data), .w_ready(c_gnt && !boot_done),
    .done(boot_done));
  sw_cpu #(.AW(AW)) u_cpu (.clk(clk), .rst(rst || !boot_done), .mem_valid(mem_valid), .mem_addr(mem_addr), .mem_wdata(mem_wdata),
    .mem_wstrb(mem_wstrb), .mem_rdata(mem_rdata), .mem_ready(mem_ready), .trap(trap));
  wire is_io = mem_addr[AW-1:8] == {(AW - 8){1'b1}};
  wire acc = mem_valid && !mem_ready;        // an access is answered in the clock after this
  wire io_wr = acc && is_io && mem_wstrb != 0;
  wire io_rd = acc && is_io && mem_wstrb == 0;
  wire [7:0] io_at = {mem_addr[7:2], 2'b00};

  // RAM (SPRAM, through the engine's banks): the loader's words until boot_done, then the core's; an
  // address below the I/O page is a RAM word (truncated to the RAM's size)
  assign c_req = boot_done ? (acc && !is_io) : b_valid;
  assign c_wstrb = boot_done ? mem_wstrb : 4'b1111;
  assign c_word = boot_done ? mem_addr[CWB+1:2] : b_word;
  assign c_wdata = boot_done ? mem_wdata : b_data;

  // ---- receive: SLIP decode, CRC, FIFO -------------------------------------------------------------
  reg esc, spoilt;
  wire is_end = rx_valid && rx_data == END;
  wire d_valid = rx_valid && !is_end && (esc ? (rx_data == ESC_END || rx_data == ESC_ESC) : rx_data != ESC);
  wire bad_esc = rx_valid && !is_end && esc && rx_data != ESC_END && rx_data != ESC_ESC;
  wire [7:0] d = esc ? (rx_data == ESC_END ? END : ESC) : rx_data;
  wire rx_crc_busy;
  wire [31:0] rx_crc;
  sw_crc32 u_rx_crc (.clk(clk), .init(rst || is_end), .start(d_valid), .data(d), .busy(rx_crc_busy), .crc(rx_crc));
  // two memories, so that yosys maps them as 2048 x 2 EBRs (4 for the bytes, 1 for the flag) instead of
  // 8 of 256 x 16 for one 9-bit memory
  reg [7:0] fifo_d [0:(1 << RXB)-1];
  reg fifo_e [0:(1 << RXB)-1];
  reg [RXB-1:0] f_wp, f_rp, f_wp1;
  // empty against the write pointer of a clock ago: an entry is readable (f_q) the clock after its write
  wire f_empty = f_wp1 == f_rp;
  wire f_full = (f_wp + 1'b1) == f_rp;
  wire f_we = (d_valid || is_end) && !f_full;
  wire [8:0] f_wd = is_end ? {1'b1, 6'd0, spoilt, rx_crc == `SW_CRC32_RESIDUE} : {1'b0, d};
  reg [8:0] f_q;
  wire rx_pop = io_rd && io_at == `SW_IO_RX && !f_empty;
  always @(posedge clk) begin
    if (f_we) begin
      fifo_d[f_wp] <= f_wd[7:0];
      fifo_e[f_wp] <= f_wd[8];
    end
    f_q <= {fifo_e[f_rp], fifo_d[f_rp]};
    f_wp1 <= f_wp;
    if (rst) begin
      f_wp <= 0;
      f_wp1 <= 0;
      f_rp <= 0;
      esc <= 1'b0;
      spoilt <= 1'b0;
    end else begin
      if (f_we) f_wp <= f_wp + 1'b1;
      if (rx_pop) f_rp <= f_rp + 1'b1;
      if (is_end) begin
        esc <= 1'b0;
        spoilt <= f_full;                    // an END that did not fit spoils the next candidate
      end else if (rx_valid) begin
        esc <= !esc && rx_data == ESC;
        if (bad_esc || (d_valid && f_full)) spoilt <= 1'b1;
      end
    end
  end

  // ---- transmit: holding register, SLIP encode, CRC ------------------------------------------------
  reg h_full;
  reg [8:0] h;                               // {command, byte}
  wire tx_crc_busy;
  wire [31:0] tx_crc;
  reg t_init, t_start;
  reg [7:0] t_byte;
  sw_crc32 u_tx_crc (.clk(clk), .init(rst || t_init), .start(t_start), .data(t_byte), .busy(tx_crc_busy), .crc(tx_crc));
  // encoder: T_IDLE, T_ESC2 (the escaped code after ESC), T_CRC (CRC bytes left, then END)
  localparam [1:0] T_IDLE = 0, T_ESC2 = 1, T_CRC = 2;
  reg [1:0] ts;
  reg in_crc;                                // sending the CRC (T_ESC2 returns to T_CRC)
  reg [7:0] t_esc2;
  reg [2:0] crc_left;
  reg [31:0] crc_out;
  wire [7:0] cb = crc_out[7:0];
  always @(posedge clk) begin
    tx_start <= 1'b0;
    t_init <= 1'b0;
    t_start <= 1'b0;
    if (io_wr && io_at == `SW_IO_TX && !h_full) begin
      h <= mem_wdata[8:0];
      h_full <= 1'b1;
    end
    if (rst) begin
      h_full <= 1'b0;
      in_crc <= 1'b0;
      ts <= T_IDLE;
    end else if (!tx_busy && !tx_start && !tx_crc_busy && !t_start) begin
      case (ts)
        T_IDLE: if (h_full) begin
          h_full <= 1'b0;
          if (h[8]) begin
            if (h[0]) t_init <= 1'b1;
            if (h[1]) begin
              crc_out <= ~tx_crc;
              crc_left <= 3'd4;
              in_crc <= 1'b1;
              ts <= T_CRC;
            end
          end else begin
            t_start <= 1'b1;
            t_byte <= h[7:0];
            tx_start <= 1'b1;
            tx_data <= (h[7:0] == END || h[7:0] == ESC) ? ESC : h[7:0];
            t_esc2 <= h[7:0] == END ? ESC_END : ESC_ESC;
            if (h[7:0] == END || h[7:0] == ESC) ts <= T_ESC2;
          end
        end
        T_ESC2: begin
          tx_start <= 1'b1;
          tx_data <= t_esc2;
          ts <= in_crc ? T_CRC : T_IDLE;
        end
        T_CRC: if (crc_left == 0) begin
          tx_start <= 1'b1;
          tx_data <= END;
          in_crc <= 1'b0;
          ts <= T_IDLE;
        end else begin
          tx_start <= 1'b1;
          tx_data <= (cb == END || cb == ESC) ? ESC : cb;
          t_esc2 <= cb == END ? ESC_END : ESC_ESC;
          crc_out <= {8'd0, crc_out[31:8]};
          crc_left <= crc_left - 1'b1;
          if (cb == END || cb == ESC) ts <= T_ESC2;
        end
        default: ts <= T_IDLE;
      endcase
    end
  end

  // ---- the sequencer's port, INFER's predictions, the LED ------------------------------------------
  // the port address of ST / STB and the byte stream's state
  localparam integer PB = `SW_SEQ_PORT_BITS;
  reg [PB-1:0] p_addr;
  reg p_odd;
  reg [7:0] p_lo;
  wire [PB-1:0] p_next = {p_addr[PB-1], p_addr[PB-2:0] + 1'b1};   // a ring address wraps in the ring
  reg hp_have, pred_have, led;
  reg end_seen;                              // the firmware took a frame's END and has not yet written LED
  reg [15:0] hp_word, pred_word;
  // the ring word RG asked for: on rg_q the clock after the read (rg_v1), and kept here, since the
  // core's next fetch from the same SPRAM replaces the memory's output
  reg rg_v1;
  reg [15:0] rg_word;
  // busy (the co-simulation waits on its pty only while the board is not): booting, a frame in the FIFO, one
  // being decided (end_seen until the firmware writes the LED), a request running (the LED), a response
  // being sent
  assign busy = !boot_done || led || end_seen || !f_empty || h_full || ts != T_IDLE;
  always @(posedge clk) begin
    st_we <= 1'b0;
    cmd_valid <= 1'b0;
    hp_start <= 1'b0;
    hp_rd <= 1'b0;
    hp_wr <= 1'b0;
    rg_re <= 1'b0;
    // a read clears the flag; a word arriving in the same clock sets it again (it is not read yet)
    if (io_rd && io_at == `SW_IO_HP) hp_have <= 1'b0;
    if (io_rd && io_at == `SW_IO_PRED) pred_have <= 1'b0;
    if (hp_rvalid) begin
      hp_have <= 1'b1;
      hp_word <= hp_rdata;
    end
    rg_v1 <= rg_re;
    if (rg_v1) rg_word <= rg_q;
    if (seq_pred_valid) begin
      pred_have <= 1'b1;
      pred_word <= seq_pred;
    end
    if (io_wr) case (io_at)
      `SW_IO_ST_ADDR: begin
        p_addr <= mem_wdata[`SW_SEQ_PORT_BITS-1:0];
        p_odd <= 1'b0;
      end
      `SW_IO_ST: begin
        st_we <= 1'b1;
        st_addr <= p_addr;
        st_wdata <= mem_wdata[15:0];
        p_addr <= p_next;
      end
      `SW_IO_STB: begin
        st_we <= 1'b1;
        st_addr <= p_addr;
        st_wdata <= p_odd ? {mem_wdata[7:0], p_lo} : {8'd0, mem_wdata[7:0]};
        p_lo <= mem_wdata[7:0];
        p_odd <= !p_odd;
        if (p_odd) p_addr <= p_next;
      end
      `SW_IO_CMD: begin
        cmd_valid <= 1'b1;
        cmd <= mem_wdata[17:16];
        cmd_n <= mem_wdata[15:0];
      end
      `SW_IO_HP: begin
        hp_sel <= mem_wdata[18:16];
        hp_start <= mem_wdata[19];
        hp_rd <= mem_wdata[20];
        hp_wr <= mem_wdata[21];
        st_wdata <= mem_wdata[15:0];         // the engine's host port writes st_wdata (sw_top.v)
      end
      `SW_IO_RG: begin
        rg_re <= 1'b1;
        st_addr <= mem_wdata[`SW_SEQ_PORT_BITS-1:0];
      end
      `SW_IO_LED: begin
        led <= mem_wdata[0];
        end_seen <= 1'b0;
      end
      default: ;
    endcase
    if (rx_pop && f_q[8]) end_seen <= 1'b1;
    if (rst) begin
      hp_have <= 1'b0;
      pred_have <= 1'b0;
      led <= 1'b0;
      end_seen <= 1'b0;
    end
  end

  // ---- bus answers: one clock after the request ----------------------------------------------------
  reg io_q;                                  // the answer is an I/O register's
  reg [31:0] io_rdata;
  always @(posedge clk) begin
    mem_ready <= acc && (is_io || c_gnt);   // a RAM access waits for its grant
    io_q <= is_io;
    case (io_at)
      `SW_IO_RX: io_rdata <= f_empty ? 32'h80000000 : {23'd0, f_q};
      `SW_IO_TX: io_rdata <= {31'd0, h_full};
      `SW_IO_CMD: io_rdata <= {30'd0, seq_ready, seq_busy};
      `SW_IO_HP: io_rdata <= {!hp_have, 15'd0, hp_word};
      `SW_IO_RG: io_rdata <= {16'd0, rg_word};
      `SW_IO_RESULT: io_rdata <= {seq_jcycles, seq_correct};
      `SW_IO_CLOCKS: io_rdata <= seq_clocks;
      `SW_IO_PRED: io_rdata <= {!pred_have, 15'd0, pred_word};
      default: io_rdata <= 32'd0;
    endcase
    if (rst || !boot_done) mem_ready <= 1'b0;
  end
  always @(*) mem_rdata = io_q ? io_rdata : c_rdata;
endmodule
