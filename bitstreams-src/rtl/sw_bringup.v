`default_nettype none
`include "spec.vh"
// The bring-up byte-command port: the sequencer driven over the UART without the framed protocol (no
// SLIP, seq, length or CRC). It is what sw_top had before the protocol endpoint (sw_proto.v), kept
// only while the network opcodes are not yet joined to sw_proto: a build defining SW_BRINGUP_PORT
// puts it on the UART instead of sw_proto, so the sequencer and engine can still be driven (and are
// not optimised away). A host running the seedwire protocol cannot talk to it.
// Opcodes, response flag, NAK and error codes are the spec's (spec.vh). Fields are little-endian.
// Every command answers SW_RESPONSE_FLAG | opcode, then its response bytes, or SW_NAK, opcode, code.
//   SW_OP_IDENTIFY        -                               -> spec hash (first 4 bytes, SW_SPEC_HASH32), major, minor
//   SW_OP_RESET           -                               -> (nothing)
//   SW_OP_CONFIGURE       addr[2] count[2] count words    -> (nothing)  store words (sw_seq.v layout:
//   SW_OP_STREAM_SAMPLES  addr[2] count[2] count words    -> (nothing)   descriptor, samples, labels)
//   SW_OP_LOAD_SEEDS      -                               -> (when done) initial weights, DFA matrix
//   SW_OP_WRITE_WEIGHTS   junction count[2] count words   -> (nothing)  from weight 0, canonical order
//   SW_OP_READ_WEIGHTS    junction count[2]               -> count words
//   SW_OP_TRAIN           n[2]                            -> (when done) correct[4] junctionCycles[4] clocks[4]
//   SW_OP_STATUS          -                               -> busy
//   anything else                                         -> SW_NAK, opcode, SW_ERR_BAD_OPCODE
module sw_bringup #(
  parameter integer SAB = `SW_SEQ_ADDR_BITS
) (
  input  wire           clk,
  input  wire           rst,
  input  wire           rx_valid,
  input  wire [7:0]     rx_data,
  output reg            tx_start,
  output reg  [7:0]     tx_data,
  input  wire           tx_busy,
  // the sequencer port (sw_seq)
  output reg            st_we,
  output reg  [SAB-1:0] st_addr,
  output reg  [15:0]    wdata,
  output reg            cmd_valid,
  output reg  [1:0]     cmd,
  output reg  [15:0]    cmd_n,
  input  wire           busy,
  input  wire           ready,
  input  wire [15:0]    correct,
  input  wire [15:0]    jcycles,
  input  wire [31:0]    clocks,
  output reg  [2:0]     hp_sel,
  output reg            hp_start,
  output reg            hp_wr,
  output reg            hp_rd,
  input  wire           hp_rvalid,
  input  wire [15:0]    hp_rdata
);
  // command decoder
  localparam [3:0] S_OP = 0, S_ARGS = 1, S_WAIT = 2, S_WDATA = 3, S_RREQ = 4, S_RWAIT = 5, S_RSEND = 6,
                   S_REPLY = 7, S_SEL = 8, S_SELW = 9;
  reg [3:0] st, after;
  reg [7:0] op;
  reg [2:0] nargs, argi;
  reg [7:0] args [0:3];
  reg [15:0] count;
  reg byte_hi;
  reg [15:0] rword;
  // the reply: rlen bytes of kind rk, byte ri chosen by a mux (no reply buffer)
  localparam [2:0] R_ACK = 0, R_IDENT = 1, R_STATUS = 2, R_TRAIN = 3, R_NAK_OP = 4, R_NAK_BUSY = 5;
  reg [2:0] rk;
  reg [3:0] rlen, ri;
  wire [7:0] ack = `SW_RESPONSE_FLAG | op;
  wire [31:0] hash = `SW_SPEC_HASH32;
  reg [7:0] rbyte;
  always @(*) begin
    rbyte = ack;
    if (rk == R_NAK_OP || rk == R_NAK_BUSY)
      rbyte = (ri == 0) ? `SW_NAK : (ri == 1) ? op : (rk == R_NAK_OP) ? 8'd`SW_ERR_BAD_OPCODE : 8'd`SW_ERR_BUSY;
    else if (ri != 0) case (rk)
      R_IDENT: case (ri)
        1: rbyte = hash[7:0];
        2: rbyte = hash[15:8];
        3: rbyte = hash[23:16];
        4: rbyte = hash[31:24];
        5: rbyte = `SW_SPEC_MAJOR;
        default: rbyte = `SW_SPEC_MINOR;
      endcase
      R_STATUS: rbyte = {7'd0, busy};
      default: case (ri)   // R_TRAIN: correct[4] junctionCycles[4] clocks[4]
        1: rbyte = correct[7:0];
        2: rbyte = correct[15:8];
        5: rbyte = jcycles[7:0];
        6: rbyte = jcycles[15:8];
        9: rbyte = clocks[7:0];
        10: rbyte = clocks[15:8];
        11: rbyte = clocks[23:16];
        12: rbyte = clocks[31:24];
        default: rbyte = 8'd0;
      endcase
    endcase
  end
  always @(posedge clk) begin
    cmd_valid <= 1'b0;
    st_we <= 1'b0;
    hp_start <= 1'b0;
    hp_wr <= 1'b0;
    hp_rd <= 1'b0;
    tx_start <= 1'b0;
    if (rst) begin
      st <= S_OP;
    end else case (st)
      S_OP: if (rx_valid) begin
        op <= rx_data;
        argi <= 0;
        rk <= R_ACK;
        rlen <= 1;
        ri <= 0;
        after <= S_OP;
        case (rx_data)
          `SW_OP_IDENTIFY: begin
            rk <= R_IDENT;
            rlen <= 7;
            st <= S_REPLY;
          end
          `SW_OP_RESET: st <= S_REPLY;
          `SW_OP_STATUS: begin
            rk <= R_STATUS;
            rlen <= 2;
            st <= S_REPLY;
          end
          `SW_OP_LOAD_SEEDS: begin
            cmd <= 2'd0;
            cmd_valid <= 1'b1;
            st <= S_WAIT;
          end
          `SW_OP_CONFIGURE, `SW_OP_STREAM_SAMPLES, `SW_OP_WRITE_WEIGHTS, `SW_OP_READ_WEIGHTS, `SW_OP_TRAIN: begin
            nargs <= (rx_data == `SW_OP_TRAIN) ? 3'd2 : (rx_data == `SW_OP_WRITE_WEIGHTS || rx_data == `SW_OP_READ_WEIGHTS) ? 3'd3 : 3'd4;
            st <= busy ? S_REPLY : S_ARGS;
            if (busy) begin
              rk <= R_NAK_BUSY;
              rlen <= 3;
            end
          end
          default: begin
            rk <= R_NAK_OP;
            rlen <= 3;
            st <= S_REPLY;
          end
        endcase
      end
      S_ARGS: if (rx_valid) begin
        args[argi] <= rx_data;
        argi <= argi + 1'b1;
        if (argi + 1'b1 == nargs) begin
          case (op)
            `SW_OP_TRAIN: begin
              cmd <= 2'd1;
              cmd_n <= {rx_data, args[0]};
              cmd_valid <= 1'b1;
              st <= S_WAIT;
            end
            `SW_OP_WRITE_WEIGHTS, `SW_OP_READ_WEIGHTS: begin
              cmd <= 2'd2;
              cmd_n <= {8'd0, args[0]};
              cmd_valid <= 1'b1;
              count <= {rx_data, args[1]};
              st <= S_SEL;
            end
            default: begin  // CONFIGURE, STREAM_SAMPLES: store words
              st_addr <= {args[1], args[0]};
              count <= {rx_data, args[2]};
              byte_hi <= 1'b0;
              after <= S_OP;
              st <= ({rx_data, args[2]} == 0) ? S_REPLY : S_WDATA;
            end
          endcase
        end
      end
      S_WAIT: if (!cmd_valid && !busy) begin
        if (op == `SW_OP_TRAIN) begin
          rk <= R_TRAIN;
          rlen <= 13;
        end
        st <= S_REPLY;
      end
      // WRITE_WEIGHTS / READ_WEIGHTS: select the junction, then the weight memory from weight 0
      S_SEL: if (!cmd_valid && ready) begin
        hp_sel <= 3'd3;
        hp_start <= 1'b1;
        st <= S_SELW;
      end
      S_SELW: begin
        byte_hi <= 1'b0;
        if (op == `SW_OP_READ_WEIGHTS) begin
          after <= (count == 0) ? S_OP : S_RREQ;
          st <= S_REPLY;
        end else st <= (count == 0) ? S_REPLY : S_WDATA;
      end
      S_WDATA: if (rx_valid) begin
        byte_hi <= !byte_hi;
        if (!byte_hi) begin
          wdata[7:0] <= rx_data;
        end else begin
          wdata[15:8] <= rx_data;
          if (op == `SW_OP_WRITE_WEIGHTS) hp_wr <= 1'b1;
          else st_we <= 1'b1;
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
        tx_data <= rbyte;
        tx_start <= 1'b1;
        ri <= ri + 1'b1;
        if (ri + 1'b1 == rlen) begin
          ri <= 0;
          st <= after;
        end
      end
      default: st <= S_OP;
    endcase
    // store writes advance their address after each word
    if (st_we) st_addr <= st_addr + 1'b1;
  end

endmodule
