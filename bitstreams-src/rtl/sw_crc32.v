`default_nettype none
`include "spec.vh"
// CRC-32/ISO-HDLC, bit-serial: one bit per clock, 8 clocks per byte (a UART byte takes 10 bit periods,
// so this keeps up with the line at any divisor >= 1 while costing 32 flip-flops and a few LUTs rather
// than a byte-wide XOR tree). `crc` is the raw register: invert it for the CRC, or compare it with
// SW_CRC32_RESIDUE after a frame's own CRC bytes to check the frame.
module sw_crc32 (
  input  wire        clk,
  input  wire        init,   // register to all ones (a new frame); takes priority over start
  input  wire        start,  // take `data` (only when !busy)
  input  wire [7:0]  data,
  output wire        busy,
  output reg  [31:0] crc
);
  reg [7:0] sh;
  reg [3:0] left;
  assign busy = left != 0;
  always @(posedge clk) begin
    if (init) begin
      crc <= 32'hffffffff;
      left <= 0;
    end else if (start) begin
      sh <= data;
      left <= 4'd8;
    end else if (left != 0) begin
      crc <= {1'b0, crc[31:1]} ^ ((crc[0] ^ sh[0]) ? `SW_CRC32_POLY : 32'd0);
      sh <= {1'b0, sh[7:1]};
      left <= left - 1'b1;
    end
  end
endmodule
