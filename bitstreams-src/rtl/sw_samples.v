`default_nettype none
`include "spec.vh"
// STREAM_SAMPLES on the board: decodes a frame's samples while its bytes arrive and writes them into
// the sample ring beyond its tail, as records (label byte, then the p input bytes: sw_seq.v's header).
// Nothing is committed here: the bytes land past the ring's tail, where nothing is buffered, and the
// executor (sw_exec) moves the tail over them only when the frame's CRC checked and the request
// passed the emulator's checks (flags below). So a frame that is dropped or refused loses nothing.
//
// Payload: encoding u8 (0 u8, 1 u4, 2 bin; firmware-spec/encodings.ts), count u16, count labels,
// then count images of `per` bytes each (u8: p; u4: ceil(p/2), high nibble first, a pixel v4 is v4*17;
// bin: ceil(p/8), MSB first, a pixel is 255 or 0; padding must be 0). The records are one stream of
// bytes at consecutive ring addresses; a sample's label comes from the frame buffer (payload byte
// 3 + k), read through sw_proto's port when it is free (l_req / l_gnt; the byte is in l_q the clock
// after the grant). A ring word holds two bytes: each byte is written with its word's earlier byte.
// Writes stop at the end of the free space (the head's records stay whatever arrives).
module sw_samples #(
  parameter integer PB = `SW_SEQ_PORT_BITS,
  parameter integer FB = 208                 // payload bytes the frame buffer keeps
) (
  input  wire          clk,
  input  wire          rst,
  input  wire          start,                // the first byte of a candidate
  input  wire          in_valid,             // a payload byte of a STREAM_SAMPLES candidate
  input  wire [15:0]   in_idx,               // its payload index
  input  wire [7:0]    in_byte,
  input  wire [15:0]   p,                    // input bytes of a sample (the configured input layer)
  input  wire [15:0]   n_out,                // outputs (labels must be below)
  input  wire [`SW_RING_BYTE_BITS-1:0] tail, // ring byte address past the last buffered record
  input  wire [7:0]    tail_lo,              // the ring byte before `tail` (its word's earlier byte)
  input  wire [16:0]   free,                 // ring bytes past the tail that hold no buffered record
  input  wire          raw,                  // WRITE_WEIGHTS: payload bytes from 5 on, as they come, from the
                                             // first even ring address at or past the tail (staging)
  output reg           l_req,
  output wire [7:0]    l_addr,               // frame buffer word (payload byte 3 + k, halved)
  output wire          l_hi,
  input  wire          l_gnt,
  input  wire [7:0]    l_q,
  output reg           st_we,
  output reg  [PB-1:0] st_addr,
  output reg  [15:0]   st_wdata,
  // the frame's verdict, valid once its last byte is in and `idle`
  output wire          idle,
  output reg  [7:0]    enc,
  output reg  [15:0]   count,
  output reg  [15:0]   done_k,               // samples written
  output reg           bad_enc,              // an image too long, or padding not 0
  output reg           bad_label,            // a label >= n_out
  output wire          too_many,             // more labels than the frame buffer keeps
  output reg  [15:0]   bytes,                // record bytes written
  output reg  [7:0]    lo,                   // the last byte written at an even address
  output wire          room_short            // more bytes came than the free bytes hold (not all written)
);
  localparam integer RBB = `SW_RING_BYTE_BITS;
  reg [7:0] ib;               // the image byte being decoded
  reg ib_v;
  reg [3:0] bit_i;            // pixel of ib being emitted (u8: 0; u4: 0..1; bin: 0..7)
  reg [15:0] px;              // pixel of the current sample
  reg lbl_done;               // the current sample's label is written
  reg l_wait;
  wire [15:0] lidx = 16'd3 + done_k;
  assign l_addr = lidx[8:1];
  assign l_hi = lidx[0];
  assign too_many = count > FB - 3;
  assign idle = !ib_v;
  wire [3:0] per_byte = (enc == `SW_ENC_U8) ? 4'd1 : (enc == `SW_ENC_U4) ? 4'd2 : 4'd8;
  wire [7:0] pix = (enc == `SW_ENC_U8) ? ib : (enc == `SW_ENC_U4) ? (bit_i[0] ? ib[3:0] : ib[7:4]) * 8'd17 : (ib[7 - bit_i[2:0]] ? 8'd255 : 8'd0);
  wire pix_bit = (enc == `SW_ENC_U4) ? (bit_i[0] ? |ib[3:0] : |ib[7:4]) : ib[7 - bit_i[2:0]];   // u4 / bin: this pixel's bits
  wire [RBB-1:0] base = raw ? tail + tail[0] : tail;
  wire [RBB-1:0] wa = base + bytes[RBB-1:0];
  wire [16:0] room = raw ? free - tail[0] : free;
  assign room_short = {1'b0, bytes} > room;

  task emit;
    input [7:0] v;
    begin
      // only into free bytes: a frame that is not committed (a copy, a refused one) must not reach
      // the records buffered at the head when the ring is nearly full. A byte at an even address is
      // written as a whole word ({0, v}; its odd byte comes with the next byte), so it is written only
      // if that odd byte is free too: else it is the head's first byte (its label, at an odd head).
      // A committed frame never ends there: the ring is never exactly full at an odd head (records
      // are p + 1 bytes, and an odd record size does not divide the ring's power-of-two bytes).
      st_we <= {1'b0, bytes} < room && (wa[0] || {1'b0, bytes} + 17'd1 < room);
      st_addr <= {1'b1, wa[RBB-1:1]};
      st_wdata <= wa[0] ? {v, (bytes == 0) ? tail_lo : lo} : {8'd0, v};
      if (!wa[0]) lo <= v;
      bytes <= bytes + 1'b1;
    end
  endtask

  always @(posedge clk) begin
    st_we <= 1'b0;
    l_req <= 1'b0;
    if (rst || start) begin
      ib_v <= 1'b0;
      bytes <= 0;
      done_k <= 0;
      px <= 0;
      bit_i <= 0;
      lbl_done <= 1'b0;
      l_wait <= 1'b0;
      bad_enc <= 1'b0;
      bad_label <= 1'b0;
      lo <= tail_lo;
    end else begin
      if (in_valid) begin
        case (in_idx)
          0: enc <= in_byte;
          1: count[7:0] <= in_byte;
          2: count[15:8] <= in_byte;
          default: if (raw) begin
            if (in_idx >= 16'd5) emit(in_byte);
          end else if (in_idx >= 16'd3 + count) begin
            if (done_k == count || too_many) bad_enc <= 1'b1;   // more image bytes than count images
            else begin
              ib <= in_byte;
              ib_v <= 1'b1;
              bit_i <= 0;
            end
          end
        endcase
      end
      if (ib_v) begin
        if (!lbl_done) begin            // the sample's label first
          if (l_wait) begin
            l_wait <= 1'b0;
            lbl_done <= 1'b1;
            if ({8'd0, l_q} >= n_out) bad_label <= 1'b1;
            emit(l_q);
          end else if (l_gnt) l_wait <= 1'b1;
          else l_req <= 1'b1;
        end else if (bit_i == per_byte) ib_v <= 1'b0;
        else if (px == p) begin          // padding after the sample's last pixel
          if (pix_bit) bad_enc <= 1'b1;
          bit_i <= bit_i + 1'b1;
        end else begin
          emit(pix);
          bit_i <= bit_i + 1'b1;
          px <= px + 1'b1;
          if (px + 1'b1 == p && (bit_i + 1'b1 == per_byte || enc == `SW_ENC_U8)) begin
            // the sample's last pixel ends this byte: the next byte starts the next sample
            done_k <= done_k + 1'b1;
            px <= 0;
            lbl_done <= 1'b0;
            ib_v <= 1'b0;
          end
        end
        // a sample whose last pixel is not the byte's last: after its padding, the next sample
        if (lbl_done && px == p && bit_i + 1'b1 == per_byte) begin
          done_k <= done_k + 1'b1;
          px <= 0;
          lbl_done <= 1'b0;
          ib_v <= 1'b0;
        end
      end
    end
  end
endmodule
