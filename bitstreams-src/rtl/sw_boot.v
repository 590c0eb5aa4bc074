`default_nettype none
`include "spec.vh"
// Boot loader: copies the firmware image from the iCEBreaker's SPI flash (W25Q128, SPI mode 0, MSB
// first) into the firmware RAM once after reset (firmware-spec/gen/flash-boot.ts).
//
//   RELEASE (SW_FLASH_CMD_RELEASE: the iCE40 leaves the flash powered down after configuration),
//   CS high for SW_FLASH_RELEASE_CLOCKS (tRES1), then READ (SW_FLASH_CMD_READ) from
//   SW_FLASH_BOOT_OFFSET and WORDS x 4 bytes read back. Bytes make little-endian 32-bit words (the first
//   byte is bits 7:0 of word 0), each presented as w_valid / w_addr (word index) / w_data and held until
//   w_ready: the word is taken in a clock with both high. After the last word is taken `done` rises and
//   stays high; CS is high and SCK low from then on.
//
// SCK = clk / (2 x SW_FLASH_SCK_HALF). The flash changes MISO after a falling edge; it is sampled at
// the clock that raises SCK (a full half period later). MOSI changes one clock after a rising edge and
// holds until the next. A rising edge that would sample the next word's first bit waits while the last
// word is not taken (SCK stays low; the flash holds its bit), so a consumer that takes every word in
// the clock it appears never slows the copy: 2 x SW_FLASH_SCK_HALF clocks per bit.
module sw_boot #(
  parameter integer WORDS = `SW_CPU_RAM_BYTES / 4,
  parameter integer HALF = `SW_FLASH_SCK_HALF,
  parameter integer RELEASE_CLOCKS = `SW_FLASH_RELEASE_CLOCKS
) (
  input  wire clk,
  input  wire rst,
  output reg  flash_cs_n,
  output reg  flash_sck,
  output reg  flash_mosi,
  input  wire flash_miso,
  output reg  w_valid,
  output reg  [$clog2(WORDS)-1:0] w_addr,
  output reg  [31:0] w_data,
  input  wire w_ready,
  output reg  done
);
  localparam integer CW = $clog2((RELEASE_CLOCKS > HALF ? RELEASE_CLOCKS : HALF) + 1);
  localparam integer HALF_I = HALF - 1;
  localparam integer REL_I = RELEASE_CLOCKS - 1;
  localparam integer LAST_I = WORDS - 1;
  localparam [CW-1:0] HALF_N = HALF_I[CW-1:0];
  localparam [CW-1:0] REL_N = REL_I[CW-1:0];
  localparam [$clog2(WORDS)-1:0] LAST = LAST_I[$clog2(WORDS)-1:0];
  // the bits sent, MSB first: RELEASE (8 bits), READ and the 24-bit offset (32 bits)
  localparam [31:0] REL_WORD = {`SW_FLASH_CMD_RELEASE, 24'd0};
  localparam [31:0] READ_WORD = {`SW_FLASH_CMD_READ, `SW_FLASH_BOOT_OFFSET};

  localparam [2:0] S_START = 3'd0,  // select the flash, RELEASE's first bit on MOSI
                   S_REL = 3'd1,    // RELEASE out (8 rising edges)
                   S_GAP = 3'd2,    // CS high for tRES1
                   S_CMD = 3'd3,    // READ and offset out (32 rising edges)
                   S_DATA = 3'd4,   // words in
                   S_LAST = 3'd5,   // the last bit is in: CS high at the next falling edge
                   S_END = 3'd6;    // done once the last word is taken
  reg [2:0] state;
  reg [4:0] bitn;                   // rising edges in this command / bits of this word
  reg [CW-1:0] cnt;                 // clocks left in this SCK half period, or of tRES1
  wire tick = cnt == 0;
  wire [31:0] out_word = state[2:1] == 2'b00 ? REL_WORD : READ_WORD;
  wire taken = w_valid && w_ready;

  always @(posedge clk) begin
    if (rst) begin
      state <= S_START;
      flash_cs_n <= 1'b1;
      flash_sck <= 1'b0;
      flash_mosi <= 1'b0;
      bitn <= 5'd0;
      cnt <= HALF_N;
      w_valid <= 1'b0;
      w_addr <= 0;
      done <= 1'b0;
    end else begin
      flash_mosi <= out_word[~bitn];  // the next bit to send; valid a clock before its rising edge
      if (taken) begin
        w_valid <= 1'b0;
        if (w_addr != LAST) w_addr <= w_addr + 1'b1;
      end
      case (state)
        S_START: begin
          flash_cs_n <= 1'b0;
          state <= S_REL;
        end
        S_GAP:
          if (!tick) cnt <= cnt - 1'b1;
          else begin
            flash_cs_n <= 1'b0;
            cnt <= HALF_N;
            state <= S_CMD;
          end
        S_END: if (!w_valid) done <= 1'b1;
        default:  // S_REL, S_CMD, S_DATA, S_LAST: SCK runs
          if (!tick) cnt <= cnt - 1'b1;
          else if (!flash_sck) begin
            // rising edge; in S_DATA it samples MISO into w_data, so it waits for the last word
            if (!(state == S_DATA && w_valid && !w_ready)) begin
              cnt <= HALF_N;
              flash_sck <= 1'b1;
              bitn <= bitn + 1'b1;
              if (state == S_DATA) begin
                // bytes enter at 31:24 MSB first; each new byte moves the word's bytes down by 8
                if (bitn[2:0] == 3'd0) w_data <= {7'd0, flash_miso, w_data[31:8]};
                else w_data[31:24] <= {w_data[30:24], flash_miso};
                if (bitn == 5'd31) begin
                  w_valid <= 1'b1;
                  if (w_addr == LAST) state <= S_LAST;
                end
              end
            end
          end else begin
            // falling edge: after RELEASE's 8 bits CS goes high; after READ's 32 the words begin
            cnt <= HALF_N;
            flash_sck <= 1'b0;
            if (state == S_REL && bitn == 5'd8) begin
              flash_cs_n <= 1'b1;
              bitn <= 5'd0;
              cnt <= REL_N;
              state <= S_GAP;
            end
            if (state == S_CMD && bitn == 5'd0) state <= S_DATA;
            if (state == S_LAST) begin
              flash_cs_n <= 1'b1;
              state <= S_END;
            end
          end
      endcase
    end
  end
endmodule
