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
//   - transmit: SLIP encoding (escapes, END on command) into the UART's byte register; the firmware
//     computes the response's CRC-32 and sends it as four frame bytes.
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
  output wire [15:0]                  cmd_n,      // = st_wdata (the sequencer takes it with cmd_valid)
  input  wire                         seq_busy,
  input  wire                         seq_ready,
  output reg  [2:0]                   hp_sel,
  output reg                          hp_start,
  output reg                          hp_rd,
  output reg                          hp_wr,
  input  wire                         hp_rvalid,
  input  wire [15:0]                  hp_rdata,
  input  wire [15:0]                  seq_correct,
  input  wire [15:0]                  seq_jcycles,
  input  wire [31:0]                  seq_clocks,
  input  wire                         seq_pred_valid,
  input  wire [15:0]                  seq_pred,   // valid with seq_pred_valid
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
    .flash_miso(flash_miso), .w_valid(b_valid), .w_addr(b_word), .w_data(b_data), .w_ready(1'b1),
    .done(boot_done));
  sw_cpu #(.AW(AW)) u_cpu (.clk(clk), .rst(rst || !boot_done), .mem_valid(mem_valid), .mem_addr(mem_addr), .mem_wdata(mem_wdata),
    .mem_wstrb(mem_wstrb), .mem_rdata(mem_rdata), .mem_ready(mem_ready), .trap(trap));
  // the I/O page is the top 256 bytes (cpu-io.ts); the RAM fills less than half of the address space,
  // so the top address bit tells them apart (the upper half's other addresses alias the I/O page)
  wire is_io = mem_addr[AW-1];
  generate
    if (`SW_CPU_RAM_BYTES > (1 << (AW - 1))) begin : g_ram_too_big
      initial $error("sw_ctrl: the firmware RAM must fit below the top half of the address space");
    end
  endgenerate
  wire acc = mem_valid && !mem_ready;        // an access is answered in the clock after this
  wire io_wr = acc && is_io && mem_wstrb != 0;
  wire io_rd = acc && is_io && mem_wstrb == 0;
  // registers told apart by address bits 5:2 (the page's upper offsets alias them: cpu-io.ts)
  wire [7:0] io_at = {2'b00, mem_addr[5:2], 2'b00};

  // RAM (SPRAM, through the engine's banks): the loader's words until boot_done, then the core's; an
  // address below the I/O page is a RAM word (truncated to the RAM's size)
  // While booting the engine is idle (it is in its reset state and no command can come), so every word
  // the loader presents is granted, and written, in the clock it is presented (w_ready 1 above: no
  // path from the grant into the loader). Simulation holds that to account.
  assign c_req = boot_done ? (acc && !is_io) : b_valid;
`ifndef SYNTHESIS
  always @(posedge clk) if (!rst && !boot_done && b_valid && !c_gnt) begin
    $display("sw_ctrl: a boot word was not granted the SPRAM");
    $finish;
  end
`endif
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
  reg [RXB-1:0] f_wp, f_rp;
  // empty against the write pointer of a clock ago (an entry is readable on f_q the clock after its
  // write): the comparison of f_wp with the read pointer's next value, registered
  reg f_empty;
  wire rx_pop = io_rd && io_at == `SW_IO_RX && !f_empty;
  wire [RXB-1:0] f_rp_next = f_rp + rx_pop;
  wire f_full = (f_wp + 1'b1) == f_rp;
  wire f_we = (d_valid || is_end) && !f_full;
  wire [8:0] f_wd = is_end ? {1'b1, 6'd0, spoilt, rx_crc == `SW_CRC32_RESIDUE} : {1'b0, d};
  reg [8:0] f_q;
  always @(posedge clk) begin
    if (f_we) begin
      fifo_d[f_wp] <= f_wd[7:0];
      fifo_e[f_wp] <= f_wd[8];
    end
    f_q <= {fifo_e[f_rp], fifo_d[f_rp]};
    f_empty <= rst || f_wp == f_rp_next;
    if (rst) begin
      f_wp <= 0;
      f_rp <= 0;
      esc <= 1'b0;
      spoilt <= 1'b0;
    end else begin
      if (f_we) f_wp <= f_wp + 1'b1;
      f_rp <= f_rp_next;
      if (is_end) begin
        esc <= 1'b0;
        spoilt <= f_full;                    // an END that did not fit spoils the next candidate
      end else if (rx_valid) begin
        esc <= !esc && rx_data == ESC;
        if (bad_esc || (d_valid && f_full)) spoilt <= 1'b1;
      end
    end
  end

  // ---- transmit: SLIP encode into the UART's byte register ----------------------------------------
  // tx_data is the holding register: a byte is escaped as it is written (ESC, with the escaped code
  // kept for after it); t_full until the UART has taken the last of it
  reg t_full;
  reg t_esc;                                 // the escaped code is next (ESC is in tx_data)
  reg t_esc_end;                             // ... and it is ESC_END (else ESC_ESC)
  wire [7:0] w_byte = mem_wdata[7:0];
  wire w_special = w_byte == END || w_byte == ESC;
  always @(posedge clk) begin
    tx_start <= 1'b0;
    if (io_wr && io_at == `SW_IO_TX && !t_full) begin
      t_full <= 1'b1;
      tx_data <= mem_wdata[8] ? END : w_special ? ESC : w_byte;
      t_esc <= !mem_wdata[8] && w_special;
      t_esc_end <= w_byte == END;
    end
    if (tx_start) begin                      // the UART takes tx_data at this edge
      if (t_esc) begin
        tx_data <= t_esc_end ? ESC_END : ESC_ESC;
        t_esc <= 1'b0;
      end else t_full <= 1'b0;
    end else if (t_full && !tx_busy) tx_start <= 1'b1;
    if (rst) begin
      t_full <= 1'b0;
      t_esc <= 1'b0;
      tx_start <= 1'b0;
    end
  end

  // ---- the sequencer's port, INFER's predictions, the LED ------------------------------------------
  // st_addr is the port address of ST / STB itself: it moves on in the clock of the write's st_we
  // (st_inc), so the next write (a bus access, several clocks later) sees the next word
  localparam integer PB = `SW_SEQ_PORT_BITS;
  reg st_inc;
  reg p_odd;                                 // STB: the next byte is a word's high byte
  reg hp_have, led;
  reg end_seen;                              // the firmware took a frame's END and has not yet written LED
  // hp_rdata changes with the engine's SPRAM outputs (the core's fetches among them): kept here
  reg [15:0] hp_word;
  assign cmd_n = st_wdata;
  // busy (the co-simulation waits on its pty only while the board is not): booting, a frame in the FIFO, one
  // being decided (end_seen until the firmware writes the LED), a request running (the LED), a response
  // being sent
  assign busy = !boot_done || led || end_seen || !f_empty || t_full;
  always @(posedge clk) begin
    st_we <= 1'b0;
    st_inc <= 1'b0;
    cmd_valid <= 1'b0;
    hp_start <= 1'b0;
    hp_rd <= 1'b0;
    hp_wr <= 1'b0;
    if (st_inc) st_addr <= {st_addr[PB-1], st_addr[PB-2:0] + 1'b1};   // a ring address wraps in the ring
    // a read clears the flag; a word arriving in the same clock sets it again (it is not read yet)
    if (io_rd && io_at == `SW_IO_HP) hp_have <= 1'b0;
    if (hp_rvalid) begin
      hp_have <= 1'b1;
      hp_word <= hp_rdata;
    end
    if (io_wr) case (io_at)
      `SW_IO_ST_ADDR: begin
        st_addr <= mem_wdata[PB-1:0];
        p_odd <= 1'b0;
      end
      `SW_IO_ST: begin
        st_we <= 1'b1;
        st_inc <= 1'b1;
        st_wdata <= mem_wdata[15:0];
      end
      `SW_IO_STB: begin
        st_we <= 1'b1;
        st_inc <= p_odd;
        // the low byte is kept in st_wdata (the firmware writes nothing else between the two)
        st_wdata <= p_odd ? {mem_wdata[7:0], st_wdata[7:0]} : {8'd0, mem_wdata[7:0]};
        p_odd <= !p_odd;
      end
      `SW_IO_CMD: begin
        cmd_valid <= 1'b1;
        cmd <= mem_wdata[17:16];
        st_wdata <= mem_wdata[15:0];         // cmd_n
      end
      `SW_IO_HP: begin
        hp_sel <= mem_wdata[18:16];
        hp_start <= mem_wdata[19];
        hp_rd <= mem_wdata[20];
        hp_wr <= mem_wdata[21];
        st_wdata <= mem_wdata[15:0];         // the engine's host port writes st_wdata (sw_top.v)
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
      led <= 1'b0;
      end_seen <= 1'b0;
    end
  end

  // ---- INFER's predictions: a FIFO the sequencer fills and the firmware drains after the run ---------
  // (the core cannot run while a pass holds the SPRAM, so it could miss a prediction held in a register).
  // An entry is readable (pq_q) two clocks after its push: the empty flag compares the write pointer of
  // a clock ago, and the read port re-reads every clock. Predictions are class indices of the output
  // layer, which the store bounds to SW_MAX_PAST_INPUT neurons.
  localparam integer QB = $clog2(`SW_CPU_PRED_FIFO);
  localparam integer PW = $clog2(`SW_MAX_PAST_INPUT);
  (* no_rw_check *)
  reg [PW-1:0] pq [0:(1 << QB)-1];
  reg [QB-1:0] pq_wp, pq_wp1, pq_rp;
  reg [PW-1:0] pq_q;
  wire pq_empty = pq_wp1 == pq_rp;
  always @(posedge clk) begin
    if (seq_pred_valid) pq[pq_wp] <= seq_pred[PW-1:0];
    pq_q <= pq[pq_rp];
    pq_wp1 <= pq_wp;
    if (seq_pred_valid) pq_wp <= pq_wp + 1'b1;
    if (io_rd && io_at == `SW_IO_PRED && !pq_empty) pq_rp <= pq_rp + 1'b1;
    if (rst || (io_wr && io_at == `SW_IO_PRED)) begin
      pq_wp <= 0;
      pq_wp1 <= 0;
      pq_rp <= 0;
    end
  end

  // ---- bus answers: one clock after the request ----------------------------------------------------
  // The readable registers are the first eight (cpu-io.ts), told apart by address bits 4:2 alone, and
  // each answers only the bits cpu-io.ts names (the others are whatever the mux below gives), so that a
  // bit's answer is a mux of few sources: bits 30:16 RESULT's or CLOCKS'; bits 15:0 HP's, PRED's,
  // RESULT's or CLOCKS', or below bit 9 RX's, TX's or CMD's.
  reg io_q;                                  // the answer is an I/O register's
  reg [31:0] io_rdata;
  wire [2:0] ra = mem_addr[4:2];
  wire [31:0] r_run = ra[0] ? seq_clocks : {seq_jcycles, seq_correct};      // RESULT, CLOCKS
  wire [15:0] r_lo = ra[1] ? r_run[15:0] : ra[0] ? {{(16 - PW){1'b0}}, pq_q} : hp_word;  // HP, PRED, RESULT, CLOCKS
  wire r_flag = ra[1] ? r_run[31] : ra[0] ? pq_empty : !hp_have;
  wire [1:0] r_ctl = ra[1] ? {seq_ready, seq_busy} : ra[0] ? {1'b0, t_full} : f_q[1:0];  // RX, TX, CMD
  always @(posedge clk) begin
    mem_ready <= acc && (is_io || c_gnt);   // a RAM access waits for its grant
    io_q <= is_io;
    io_rdata <= ra[2] ? {r_flag, r_run[30:16], r_lo} : {f_empty, r_run[30:16], r_lo[15:9], f_q[8:2], r_ctl};
    if (rst || !boot_done) mem_ready <= 1'b0;
  end
  always @(*) mem_rdata = io_q ? io_rdata : c_rdata;
endmodule
