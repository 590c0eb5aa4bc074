`timescale 1ns/1ps
`default_nettype none
// sw_cpu running a firmware image (bitstreams-src/firmware/build.ts) from a RAM of RAM_BYTES.
// +hex=FILE: the image ($readmemh, 32-bit words). The console at 0xff00 (x0 - 256): a write prints its
// low byte. The run ends at EBREAK (`trap`: the program returned), printing `EXIT clocks instructions`,
// or at +max_clocks (default 50,000,000) with `TIMEOUT`.
// +wait=N: the memory answers N clocks later than its minimum (a slower bus), to check the handshake.
module tb_cpu #(parameter integer RAM_BYTES = 16384, parameter integer AW = 16);
  reg clk = 0;
  always #5 clk = !clk;
  reg rst = 1;
  wire mem_valid, trap;
  wire [AW-1:0] mem_addr;
  wire [31:0] mem_wdata;
  wire [3:0] mem_wstrb;
  reg [31:0] mem_rdata;
  reg mem_ready;
  sw_cpu #(.AW(AW)) dut (.clk(clk), .rst(rst), .mem_valid(mem_valid), .mem_addr(mem_addr), .mem_wdata(mem_wdata),
    .mem_wstrb(mem_wstrb), .mem_rdata(mem_rdata), .mem_ready(mem_ready), .trap(trap));

  reg [31:0] ram [0:RAM_BYTES/4-1];
  reg [1023:0] hexfile;
  integer wait_n, waited, max_clocks;
  reg [63:0] clocks, fetches;
  wire is_io = mem_addr[AW-1:8] == {(AW-8){1'b1}};
  wire [AW-3:0] wa = mem_addr[AW-1:2];
  initial begin
    if (!$value$plusargs("hex=%s", hexfile)) begin
      $display("FAIL: no +hex=FILE");
      $finish;
    end
    $readmemh(hexfile, ram);
    if (!$value$plusargs("wait=%d", wait_n)) wait_n = 0;
    if (!$value$plusargs("max_clocks=%d", max_clocks)) max_clocks = 50000000;
  end
  initial begin
    mem_ready = 0;
    waited = 0;
    clocks = 0;
    fetches = 0;
    repeat (4) @(posedge clk);
    rst <= 0;
  end
  // the bus: ready at least one clock after the request, never in the clock after a ready
  always @(posedge clk) begin
    mem_ready <= 1'b0;
    clocks <= clocks + 1;
    if (!rst && mem_valid && !mem_ready) begin
      if (waited < wait_n) waited <= waited + 1;
      else begin
        waited <= 0;
        mem_ready <= 1'b1;
        if (mem_wstrb == 0 && dut.state == 0) fetches <= fetches + 1;
        if (is_io) begin
          mem_rdata <= 32'd0;
          if (mem_wstrb != 0 && mem_addr[7:0] == 8'h00) $write("%c", mem_wdata[7:0]);
        end else begin
          mem_rdata <= ram[wa];
          if (mem_wstrb[0]) ram[wa][7:0] <= mem_wdata[7:0];
          if (mem_wstrb[1]) ram[wa][15:8] <= mem_wdata[15:8];
          if (mem_wstrb[2]) ram[wa][23:16] <= mem_wdata[23:16];
          if (mem_wstrb[3]) ram[wa][31:24] <= mem_wdata[31:24];
        end
      end
    end
    if (trap) begin
      $display("EXIT %0d %0d", clocks, fetches);
      $finish;
    end
    if (clocks >= max_clocks) begin
      $display("TIMEOUT at pc %h", dut.pc);
      $finish;
    end
  end
endmodule
