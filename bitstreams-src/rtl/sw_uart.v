`default_nettype none
`include "spec.vh"
// 8N1 UART, DIV clocks per bit (10 bits per byte: start + 8 data + stop), LSB first.
module sw_uart_rx #(parameter integer DIV = `SW_UART_DIV) (
  input  wire       clk,
  input  wire       rst,
  input  wire       rx,
  output reg        valid,
  output reg  [7:0] data
);
  reg rx1, rx2;
  localparam integer CW = (DIV < 2) ? 1 : $clog2(DIV);   // DIV - 1 and DIV / 2 fit
  reg [CW-1:0] cnt;
  reg [3:0] bitn;
  reg busy;
  always @(posedge clk) begin
    rx1 <= rx;
    rx2 <= rx1;
    valid <= 1'b0;
    if (rst) begin
      busy <= 1'b0;
    end else if (!busy) begin
      if (!rx2) begin                  // start bit: sample in the middle of each bit
        busy <= 1'b1;
        cnt <= DIV / 2;
        bitn <= 0;
      end
    end else if (cnt != 0) begin
      cnt <= cnt - 1'b1;
    end else begin
      cnt <= DIV - 1;
      bitn <= bitn + 1'b1;
      if (bitn == 0) begin
        if (rx2) busy <= 1'b0;         // a glitch, not a start bit
      end else if (bitn <= 8) begin
        data <= {rx2, data[7:1]};
      end else begin
        busy <= 1'b0;
        valid <= rx2;                  // stop bit must be high
      end
    end
  end
endmodule

module sw_uart_tx #(parameter integer DIV = `SW_UART_DIV) (
  input  wire       clk,
  input  wire       rst,
  input  wire       start,
  input  wire [7:0] data,
  output wire       busy,
  output wire       tx
);
  reg [9:0] sh;
  reg [3:0] left;
  localparam integer CW = (DIV < 2) ? 1 : $clog2(DIV);   // DIV - 1 and DIV / 2 fit
  reg [CW-1:0] cnt;
  assign busy = left != 0;
  assign tx = busy ? sh[0] : 1'b1;
  always @(posedge clk) begin
    if (rst) begin
      left <= 0;
    end else if (!busy) begin
      if (start) begin
        sh <= {1'b1, data, 1'b0};
        left <= 4'd10;
        cnt <= DIV - 1;
      end
    end else if (cnt != 0) begin
      cnt <= cnt - 1'b1;
    end else begin
      cnt <= DIV - 1;
      sh <= {1'b1, sh[9:1]};
      left <= left - 1'b1;
    end
  end
endmodule
