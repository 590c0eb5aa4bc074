`timescale 1ns/1ps
`default_nettype none
`include "spec.vh"
// sw_boot copying an image out of the flash model (sim_spi_flash.v) into a memory.
// +flash_hex=FILE: the flash's image (read by the model); +out=FILE: the memory as the loader wrote it
// ($writememh, 32-bit words), for the caller to compare with the image.
// +stall=P: w_ready is low in a clock with probability P % (default 0); +long=N: besides, about one
// word in 64 waits up to N clocks more; +seed=S seeds both.
// Checks here: words come in order, each exactly once; a word waiting for w_ready holds w_addr and
// w_data; SPI mode 0 (MOSI and CS never change in a clock that raises SCK, SCK levels last at least
// SW_FLASH_SCK_HALF clocks); two commands, with CS high at least SW_FLASH_RELEASE_CLOCKS between them;
// `done` after the last word, held, with CS high and SCK low. Prints `CLOCKS n` (reset released to
// `done`) and then `PASS words` or `FAIL why`.
module tb_boot #(parameter integer WORDS = `SW_CPU_RAM_BYTES / 4);
  localparam integer AW = $clog2(WORDS);
  reg clk = 0;
  always #5 clk = !clk;
  reg rst = 1;
  wire cs_n, sck, mosi, miso, w_valid, done;
  wire [AW-1:0] w_addr;
  wire [31:0] w_data;
  reg w_ready = 0;
  sw_boot #(.WORDS(WORDS)) dut (.clk(clk), .rst(rst), .flash_cs_n(cs_n), .flash_sck(sck), .flash_mosi(mosi),
    .flash_miso(miso), .w_valid(w_valid), .w_addr(w_addr), .w_data(w_data), .w_ready(w_ready), .done(done));
  sim_spi_flash #(.WORDS(WORDS), .HEX("flash.hex")) flash (.cs_n(cs_n), .sck(sck), .mosi(mosi), .miso(miso));

  reg [31:0] got [0:WORDS-1];
  reg [8*256-1:0] out;
  integer stall, long_n, seed, hold, i;
  integer clocks, taken, fails, commands, gap, level_len, done_at;
  reg p_taken, p_valid, p_cs, p_sck, p_mosi, p_done, first_gap_seen;
  reg [AW-1:0] p_addr;
  reg [31:0] p_data;

  task fail(input [8*64-1:0] why);
    begin
      if (fails == 0) $display("FAIL %0s at clock %0d", why, clocks);
      fails = fails + 1;
    end
  endtask

  initial begin
    if (!$value$plusargs("out=%s", out)) out = "got.hex";
    if (!$value$plusargs("stall=%d", stall)) stall = 0;
    if (!$value$plusargs("long=%d", long_n)) long_n = 0;
    if (!$value$plusargs("seed=%d", seed)) seed = 1;
    rnd = seed == 0 ? 1 : seed;
    for (i = 0; i < WORDS; i = i + 1) got[i] = 32'hxxxxxxxx;
    clocks = 0; taken = 0; fails = 0; commands = 0; gap = 0; level_len = 0; hold = 0; done_at = -1;
    p_taken = 0; p_valid = 0; p_cs = 1; p_sck = 0; p_mosi = 0; p_done = 0; first_gap_seen = 0; p_addr = 0; p_data = 0;
    repeat (4) @(posedge clk);
    rst <= 0;
  end

  // the consumer: random stalls, sometimes a long one (xorshift32: the same under Icarus and Verilator)
  reg [31:0] rnd;
  function automatic [31:0] xorshift(input [31:0] x);
    reg [31:0] y;
    begin
      y = x ^ (x << 13);
      y = y ^ (y >> 17);
      xorshift = y ^ (y << 5);
    end
  endfunction
  always @(posedge clk) if (!rst) begin
    rnd = xorshift(rnd);
    if (hold > 0) begin
      hold <= hold - 1;
      w_ready <= 1'b0;
    end else if (long_n > 0 && w_valid && rnd[5:0] == 0) begin
      hold <= {1'b0, rnd[30:6]} % long_n;
      w_ready <= 1'b0;
    end else begin
      w_ready <= stall == 0 || {1'b0, rnd[30:6]} % 100 >= stall;
    end
  end

  always @(posedge clk) if (!rst) begin
    clocks = clocks + 1;
    // the handshake
    if (w_valid && w_ready) begin
      if (done) fail("a word after done");
      else if (w_addr != taken[AW-1:0]) fail("a word out of order");
      got[w_addr] <= w_data;
      taken = taken + 1;
    end
    if (p_valid && !p_taken && !(w_valid && w_addr == p_addr && w_data == p_data)) fail("a waiting word changed");
    // SPI mode 0
    if (sck && !p_sck && (mosi != p_mosi || cs_n != p_cs)) fail("MOSI or CS changed with a rising SCK edge");
    if (sck && cs_n) fail("SCK high with CS high");
    if (sck != p_sck) begin
      if (level_len < `SW_FLASH_SCK_HALF) fail("an SCK level shorter than SW_FLASH_SCK_HALF");
      level_len = 1;
    end else level_len = level_len + 1;
    if (!cs_n && p_cs) begin
      commands = commands + 1;
      if (commands == 2 && gap < `SW_FLASH_RELEASE_CLOCKS) fail("CS high shorter than tRES1 after RELEASE");
      if (commands > 2) fail("more than two commands");
    end
    gap = cs_n ? gap + 1 : 0;
    // done
    if (p_done && !done) fail("done fell");
    if (done && !p_done) begin
      done_at = clocks;
      if (taken != WORDS) fail("done before the last word");
    end
    if (done && (!cs_n || sck || w_valid)) fail("CS low, SCK high or a word after done");
    if (done_at >= 0 && clocks == done_at + 8 * `SW_FLASH_SCK_HALF + 8) begin
      $display("CLOCKS %0d", done_at);
      $writememh(out, got);
      if (fails == 0) $display("PASS %0d words", taken);
      $finish;
    end
    if (clocks > 200 * WORDS * 32 * `SW_FLASH_SCK_HALF + 100000) begin
      $display("FAIL timeout: %0d words, done %0d", taken, done);
      $finish;
    end
    p_valid = w_valid; p_addr = w_addr; p_data = w_data; p_cs = cs_n; p_sck = sck; p_mosi = mosi; p_done = done;
    p_taken = w_valid && w_ready;
  end
endmodule
