`default_nettype none
`include "spec.vh"
// Simulation model of the iCEBreaker's SPI flash (W25Q128, standard SPI, mode 0), for the boot
// loader's testbench (tb_boot.v) and the co-simulation (cosim/cosim_top.v); never synthesised. Works
// under Icarus Verilog and Verilator (no delays: it runs on the SCK and CS edges).
//
// - MOSI is sampled on SCK rising edges, MISO changes after falling edges (MSB first); CS high ends a
//   command.
// - The part starts powered down (POWERED_DOWN = 1), as the iCE40 leaves it after configuration: then
//   every command but RELEASE (SW_FLASH_CMD_RELEASE) is ignored, and RELEASE takes effect when CS
//   rises after its 8th bit. (tRES1 is not modelled: the model has no clock; tb_boot.v checks it.)
// - READ (SW_FLASH_CMD_READ): 24-bit address, then bytes from it on, incrementing (wrapping at 16 MiB)
//   for as long as SCK runs. Other commands are ignored; MISO is 1 while the part does not drive it.
// - Contents: the firmware build's $readmemh file of 32-bit words (HEX, or +flash_hex=FILE), mapped
//   little-endian at OFFSET (word 0's bits 7:0 at OFFSET); every other byte reads 0xFF (erased).
module sim_spi_flash #(
  parameter [23:0] OFFSET = `SW_FLASH_BOOT_OFFSET,
  parameter integer WORDS = `SW_FLASH_BOOT_BYTES / 4,
  parameter HEX = "firmware.hex",
  parameter integer POWERED_DOWN = 1
) (
  input  wire cs_n,
  input  wire sck,
  input  wire mosi,
  output reg  miso
);
  localparam [7:0] RELEASE = `SW_FLASH_CMD_RELEASE;
  localparam [7:0] READ = `SW_FLASH_CMD_READ;
  localparam integer AW = $clog2(WORDS);
  localparam [31:0] BASE = {8'd0, OFFSET};
  localparam [31:0] END = BASE + 4 * WORDS;

  reg [31:0] mem [0:WORDS-1];
  reg [7:0] cmd;
  reg [23:0] addr;
  reg [31:0] nbits;  // rising edges since CS fell
  reg asleep;
  reg [8*256-1:0] file;

  initial begin
    /* verilator lint_off WIDTH */
    if (!$value$plusargs("flash_hex=%s", file)) file = HEX;  // a string, right-aligned in `file`
    /* verilator lint_on WIDTH */
    $readmemh(file, mem);
    asleep = POWERED_DOWN != 0;
    cmd = 8'd0;
    addr = 24'd0;
    nbits = 0;
    miso = 1'b1;
  end

  // the byte at flash address a
  function automatic [7:0] byte_at(input [23:0] a);
    reg [AW+1:0] rel;  // byte offset in the image (when inside it)
    reg [31:0] w;
    begin
      rel = a[AW+1:0] - BASE[AW+1:0];
      if ({8'd0, a} >= BASE && {8'd0, a} < END) begin
        w = mem[rel[2 +: AW]];
        byte_at = w[8 * rel[1:0] +: 8];
      end else begin
        byte_at = 8'hff;
      end
    end
  endfunction

  /* verilator lint_off SYNCASYNCNET */  // CS ends a command at once, as the part does
  always @(posedge sck or posedge cs_n) begin
    if (cs_n) begin
      if (nbits >= 8 && cmd == RELEASE) asleep <= 1'b0;
      nbits <= 0;
    end else begin
      if (nbits < 8) cmd <= {cmd[6:0], mosi};
      else if (nbits < 32) addr <= {addr[22:0], mosi};
      nbits <= nbits + 1;
    end
  end

  // after rising edge nbits (>= 32) of a READ: data bit nbits - 32, MSB first from the address on
  wire [26:0] k = nbits[26:0] - 27'd32;
  wire [7:0] cur = byte_at(addr + k[26:3]);
  always @(negedge sck) begin
    if (!cs_n && !asleep && cmd == READ && nbits >= 32) miso <= cur[~k[2:0]];
    else miso <= 1'b1;
  end
  /* verilator lint_on SYNCASYNCNET */
endmodule
