`default_nettype none
`include "spec.vh"
// The executor behind the protocol endpoint (sw_proto): runs the requests that change the network,
// from the payload bytes sw_proto kept in its frame buffer until the frame's CRC checked.
//
// CONFIGURE: walks the descriptor's bytes (the codec's schema, firmware-spec/protocol.ts
// NETWORK_DESCRIPTOR) twice. Pass 1 checks it as the emulator does (emulator/device.ts configure):
// schema errors (a missing or trailing byte, an enum or option byte out of range) are bad_payload;
// more weights than SW_CAP_WEIGHT_WORDS or more store words than SW_CAP_ACTIVATION_WORDS (the store
// layout of firmware-spec/store.ts) is does_not_fit; formats other than the build's, 0 or more than
// SW_MAX_JUNCTIONS junctions, a p that is not the previous junction's n, z above SW_LANES,
// p*fo != n*fi (connectivity other than lfsr), stochastic rounding, an update other than the exact
// one are bad_descriptor; in that order of precedence. Nothing is written until all of it passed, so
// a failed CONFIGURE keeps the board's state. Pass 2 writes the store: the globals and every
// junction's 17 descriptor words, laid out as sw_seq.v's header says (test/rtl/seq.ts seqLayout).
// A junction with explicit start vectors (the RTL draws them from the seed) is bad_descriptor.
// LOAD_SEEDS: the lists must have one seed per junction and every seed must be nonzero
// (bad_payload); the seeds go into the descriptor words and the feedback-seed globals, then the
// sequencer's command 0 generates the weights and the DFA matrix.
//
// Payload bytes are read one at a time (rd, rd_addr; the byte arrives on rd_byte the clock after).
// Values above 16 bits are kept as a 16-bit value and a "big" flag: a network with such a p, n, fo or
// fi cannot fit (its weights or its layer's store words exceed the board's), so does_not_fit, which
// takes precedence over bad_descriptor, is the answer whatever the exact value.
module sw_exec #(
  parameter integer PB = `SW_SEQ_PORT_BITS,
  parameter integer FB = 224,                 // payload bytes the frame buffer keeps
  parameter integer PRED_MAX = 48             // INFER predictions the board keeps for its response
) (
  input  wire          clk,
  input  wire          rst,
  input  wire          go,                   // run the request (op, len): pulse
  input  wire [7:0]    op,
  input  wire [15:0]   len,
  input  wire          state_reset,          // RESET ran: the boot state
  output reg           rd,
  output reg  [7:0]    rd_addr,
  input  wire [7:0]    rd_byte,
  output reg           done,                 // pulse: the result code is on `code`
  output reg  [3:0]    code,
  output wire          busy,
  output reg           configured,
  // READ_COUNTERS: what the board counts (SPEC.md section 7), zeroed by RESET, CONFIGURE and CLEAR_COUNTERS
  input  wire          ctr_clear,
  output reg  [31:0]   cnt_clocks,
  output reg  [31:0]   cnt_jcycles,
  output reg  [31:0]   cnt_trained,
  output reg  [31:0]   cnt_inferred,
  output reg  [7:0]    cfg_L,                // junctions of the network configured
  output reg           seeded,
  output reg  [31:0]   rseed,                // STATUS roundingState: the rounding LFSR's state (its seed: no stochastic rounding)
  output reg           st_we,
  output reg  [PB-1:0] st_addr,
  output reg  [15:0]   st_wdata,
  output reg           cmd_valid,
  output reg  [1:0]    cmd,
  output reg  [15:0]   cmd_n,
  input  wire          seq_busy,
  input  wire          seq_ready,
  // READ_WEIGHTS: the result words cached with the response (offset; {junction, count})
  output reg  [15:0]   res2,
  output reg  [15:0]   res3,
  output reg  [15:0]   res4,
  output reg  [15:0]   res5,
  output reg  [15:0]   res6,
  // the sample ring (STREAM_SAMPLES, TRAIN, STATUS)
  output reg  [`SW_RING_BYTE_BITS-1:0] r_tail,
  output reg  [7:0]    r_tail_lo,
  output reg  [15:0]   r_nbuf,               // bufferedSamples
  output reg  [15:0]   r_bytes,              // bufferedBytes
  output reg  [15:0]   cfg_p,                // input bytes of a sample
  output reg  [15:0]   cfg_nout,             // outputs
  // the STREAM_SAMPLES frame just received (sw_samples)
  input  wire [7:0]    smp_enc,
  input  wire [15:0]   smp_count,
  input  wire [15:0]   smp_done_k,
  input  wire          smp_bad_enc,
  input  wire          smp_bad_label,
  input  wire          smp_too_many,
  input  wire [15:0]   smp_bytes,
  input  wire [7:0]    smp_lo,
  input  wire          smp_room_short,       // WRITE_WEIGHTS: the staging did not fit the ring's free bytes
  // the sequencer's results
  input  wire [15:0]   seq_correct,
  input  wire [15:0]   seq_jcycles,
  input  wire [31:0]   seq_clocks,
  input  wire          seq_pred_valid,
  input  wire [15:0]   seq_pred,
  output reg           pw,                   // INFER: two predictions to the response buffer
  output reg  [7:0]    pw_addr,
  output reg  [15:0]   pw_data,
  // the weight stream the transmitter sends a READ_WEIGHTS response from (idle only): s_setup selects
  // junction s_j and skips s_off weights (s_ready when done); s_req asks for the next weight (s_valid)
  input  wire          s_setup,
  input  wire [2:0]    s_j,
  input  wire [15:0]   s_off,
  output reg           s_ready,
  input  wire          s_req,
  output reg           s_valid,
  output reg  [15:0]   s_word,
  // the engine's host port on the SELECTed junction (sw_seq x_hp_*)
  output wire [2:0]    hp_sel,
  output reg           hp_start,
  output reg           hp_rd,
  output reg           hp_wr,                // WRITE_WEIGHTS: st_wdata into the next weight
  output reg           rg_re,                // WRITE_WEIGHTS: read the staged ring word st_addr (sw_seq x_rg_*)
  input  wire [15:0]   rg_q,
  input  wire          hp_rvalid,
  input  wire [15:0]   hp_rdata
);
  localparam [3:0] E_BAD_PAYLOAD = `SW_ERR_BAD_PAYLOAD, E_NOT_CONFIGURED = `SW_ERR_NOT_CONFIGURED;
  localparam [3:0] E_BAD_DESCRIPTOR = `SW_ERR_BAD_DESCRIPTOR, E_DOES_NOT_FIT = `SW_ERR_DOES_NOT_FIT;
  localparam integer GW = `SW_STORE_GLOBAL_WORDS, JW = `SW_STORE_JUNCTION_WORDS;
  localparam [2:0] HP_WEIGHT = 3'd3;           // sw_junction.v host port: weights
  localparam [3:0] E_NO_SEEDS = `SW_ERR_NO_SEEDS, E_OUT_OF_RANGE = `SW_ERR_OUT_OF_RANGE;
  localparam [3:0] E_BAD_ENCODING = `SW_ERR_BAD_ENCODING, E_INTERNAL = `SW_ERR_INTERNAL;
  localparam [3:0] E_OVERFLOW = `SW_ERR_SAMPLE_OVERFLOW, E_UNDERFLOW = `SW_ERR_SAMPLE_UNDERFLOW;
  localparam [16:0] RING_BYTES = `SW_RING_WORDS * 2;
  localparam [15:0] HEAD_AT = 8;              // the global holding the ring's head (sw_seq.v)
  reg [`SW_RING_BYTE_BITS-1:0] r_head;
  reg [15:0] cfg_rec;
  reg is_run, is_inf;
  reg is_ww;                  // WRITE_WEIGHTS: junction u8, offset u32, words (staged in the ring by sw_samples)
  reg ww_setup;
  reg [`SW_RING_BITS-1:0] ww_word;
  reg [8:0] pk;               // INFER: predictions so far
  reg [7:0] p_lo;
  localparam [3:0] CAP_ENC = `SW_CAP_ENCODINGS;         // TRAIN / INFER: n u32
  reg [15:0] edges [0:`SW_MAX_JUNCTIONS-1];   // weights of each junction configured

  localparam [4:0] X_IDLE = 0, X_RD = 1, X_GET = 2, X_J1 = 3, X_J2 = 4, X_J3 = 5, X_WR = 6, X_END = 7,
    X_CMD = 8, X_WAIT = 9, X_FIN = 10, X_W = 11, X_RW = 12, X_TCMD = 13, X_TWAIT = 14, X_TEND = 15,
    X_WW0 = 16, X_WW1 = 17, X_WW2 = 18, X_WW3 = 19;
  reg [4:0] xs;
  assign busy = xs != X_IDLE;
  reg is_cfg;                 // CONFIGURE (else LOAD_SEEDS or READ_WEIGHTS)
  reg is_rw;                  // READ_WEIGHTS: junction u8, offset u32, count u32 (9 bytes, checked by sw_proto)
  reg pass;                   // 0 check, 1 write
  reg [7:0] pos;              // payload bytes consumed
  reg [2:0] sec;              // CONFIGURE: 0 header, 1 junction, 2 update flag, 3 update body, 4 done
                              // LOAD_SEEDS: 0 count a, 1 list a, 2 count b, 3 list b, 4 feedback, 5 rounding, 6 done
  reg [4:0] jpos;             // byte within a junction's struct (31 bytes), or within a u32
  reg [7:0] jn;               // junction (CONFIGURE) or list element (LOAD_SEEDS) index
  reg [31:0] acc;
  wire [31:0] nv = {rd_byte, acc[31:8]};      // a little-endian field, complete at its last byte
  reg bp, bd;                 // bad_payload, bad_descriptor seen
  // descriptor
  reg [7:0] g_L, g_lr, g_fbs;
  reg g_dfa;
  reg [31:0] g_fbseed;
  reg [3:0] slotb;
  reg [15:0] j_p, j_n, j_fo, j_fi, j_z, prev_n;
  reg j_pbig, j_nbig, j_fobig, j_fibig, prev_nbig;
  reg [1:0] j_conn;
  reg j_act;
  reg [7:0] j_ishift;
  reg [31:0] j_cseed, j_iseed;
  reg [7:0] u_mode;
  reg [15:0] rec;             // record bytes of a sample: p of junction 0, + 1
  // sizes
  reg [31:0] words;           // weights so far
  reg wbig;
  reg [31:0] nxt;             // next free store word (store.ts storeLayout)
  reg abig;
  reg [15:0] rows;            // weight rows so far (wbase of the next junction)
  reg [31:0] q;               // the product of the last multiply
  reg [31:0] q_w;             // n*fi
  reg [4:0] ashift;
  reg [15:0] abase, dbase, fbbase, wbase;
  reg [4:0] wk;               // burst write index
  reg wglob;                  // the burst writes the globals (else the junction's words)
  wire hidden = jn + 1'b1 != g_L;
  reg [7:0] lcnt;             // LOAD_SEEDS: the current list's count
  // LOAD_SEEDS: past one seed, to the next (list element, list, or field)
  task ls_next;
    begin
      if ((sec == 1 || sec == 3) && jn + 1'b1 != lcnt) jn <= jn + 1'b1;
      else begin
        jn <= 0;
        sec <= sec + 1'b1;
      end
    end
  endtask

  function [4:0] bits_for;    // firmware-spec bitsFor: the least b with 2^b >= m (m of 17 bits)
    input [16:0] m;
    integer i;
    begin
      bits_for = 0;
      for (i = 16; i >= 0; i = i - 1) if (m > (17'd1 << i) && bits_for == 0) bits_for = i + 1;
    end
  endfunction

  // the burst: one store word per clock
  reg [PB-1:0] w_addr;
  reg [15:0] w_data;
  reg w_last;
  wire [PB-1:0] jb = GW + JW * jn;
  always @(*) begin
    w_addr = 0;
    w_data = 0;
    w_last = 1'b0;
    if (wglob) begin
      case (wk)
        0: begin w_addr = 0; w_data = {8'd0, g_L}; end
        1: begin w_addr = 1; w_data = {15'd0, g_dfa}; end
        2: begin w_addr = 2; w_data = {8'd0, g_lr}; end
        3: begin w_addr = 3; w_data = {8'd0, g_fbs}; end
        4: begin w_addr = 4; w_data = g_fbseed[15:0]; end
        5: begin w_addr = 5; w_data = g_fbseed[31:16]; end
        6: begin w_addr = 6; w_data = {12'd0, slotb}; end
        default: begin w_addr = 8; w_data = 16'd0; w_last = 1'b1; end   // head: the ring's start
      endcase
    end else if (!is_cfg) begin                // LOAD_SEEDS: a seed's two words
      case (wk)
        0: begin w_addr = (sec == 1) ? jb + 7 : (sec == 3) ? jb + 9 : 4; w_data = acc[15:0]; end
        default: begin w_addr = (sec == 1) ? jb + 8 : (sec == 3) ? jb + 10 : 5; w_data = acc[31:16]; w_last = 1'b1; end
      endcase
    end else begin
      case (wk)
        0: begin w_addr = jb + 0; w_data = j_z; end
        1: begin w_addr = jb + 1; w_data = (j_z == 2) ? {1'b0, j_p[15:1]} : j_p; end
        2: begin w_addr = jb + 2; w_data = j_fo; end
        3: begin w_addr = jb + 3; w_data = j_fi; end
        4: begin w_addr = jb + 4; w_data = wbase; end
        5: begin w_addr = jb + 5; w_data = {8'd0, j_ishift}; end
        6: begin w_addr = jb + 6; w_data = {15'd0, j_act}; end
        7: begin w_addr = jb + 7; w_data = j_cseed[15:0]; end
        8: begin w_addr = jb + 8; w_data = j_cseed[31:16]; end
        9: begin w_addr = jb + 9; w_data = j_iseed[15:0]; end
        10: begin w_addr = jb + 10; w_data = j_iseed[31:16]; end
        11: begin w_addr = jb + 11; w_data = j_p; end
        12: begin w_addr = jb + 12; w_data = j_n; end
        13: begin w_addr = jb + 13; w_data = abase; end
        14: begin w_addr = jb + 14; w_data = {11'd0, ashift}; end
        15: begin w_addr = jb + 15; w_data = dbase; end
        16: begin w_addr = jb + 16; w_data = fbbase; w_last = jn != 0; end
        default: begin w_addr = 7; w_data = rec; w_last = 1'b1; end
      endcase
    end
  end

  // the one multiplier (an SB_MAC16): n*fi and p*fo of a junction, n * record bytes of a run
  wire [15:0] m_a = (xs == X_J1) ? j_n : (xs == X_J2) ? j_p : q_w[15:0];
  wire [15:0] m_b = (xs == X_J1) ? j_fi : (xs == X_J2) ? j_fo : cfg_rec;
  wire [31:0] prod = m_a * m_b;
  wire [31:0] w_sum;
  wire w_carry;
  assign {w_carry, w_sum} = {1'b0, words} + {1'b0, q};
  // the end of the walk: the answer of pass 1
  wire [31:0] act_words = nxt - GW;
  wire no_fit = wbig || words > `SW_CAP_WEIGHT_WORDS || abig || act_words > `SW_CAP_ACTIVATION_WORDS;
  wire [3:0] verdict = bp ? E_BAD_PAYLOAD : !is_cfg ? 4'd0 : no_fit ? E_DOES_NOT_FIT : bd ? E_BAD_DESCRIPTOR : 4'd0;
  wire walk_done = is_cfg ? sec == 4 : is_rw ? pos == 9 : is_run ? pos == 4 : is_ww ? pos == 5 : sec == 6;

  // the next store words of a junction: store.ts storeLayout, one junction per call
  wire [4:0] as_n = j_nbig ? 5'd17 : bits_for({1'b0, j_n});
  wire [31:0] slots = (32'd1 << slotb) << as_n;

  always @(posedge clk) begin
    rd <= 1'b0;
    done <= 1'b0;
    pw <= 1'b0;
    hp_wr <= 1'b0;
    rg_re <= 1'b0;
    if (rst || ctr_clear) begin
      cnt_clocks <= 0;
      cnt_jcycles <= 0;
      cnt_trained <= 0;
      cnt_inferred <= 0;
    end
    if (ww_setup && ss != S_IDLE && ss != S_READY) ww_setup <= 1'b0;   // the stream took it
    st_we <= 1'b0;
    if (rst || state_reset) begin
      xs <= X_IDLE;
      configured <= 1'b0;
      seeded <= 1'b0;
      rseed <= 0;
      r_head <= 0;
      r_tail <= 0;
      r_nbuf <= 0;
      r_bytes <= 0;
    end else case (xs)
      X_IDLE: if (go) begin
        is_cfg <= op == `SW_OP_CONFIGURE;
        is_rw <= op == `SW_OP_READ_WEIGHTS;
        is_run <= op == `SW_OP_TRAIN || op == `SW_OP_INFER;
        is_ww <= op == `SW_OP_WRITE_WEIGHTS;
        is_inf <= op == `SW_OP_INFER;
        pass <= 1'b0;
        pos <= 0;
        sec <= 0;
        jpos <= 0;
        jn <= 0;
        bp <= 1'b0;
        bd <= 1'b0;
        if (op != `SW_OP_CONFIGURE && op != `SW_OP_INFER && !configured) begin
          code <= E_NOT_CONFIGURED;
          xs <= X_FIN;
        end else if (op == `SW_OP_WRITE_WEIGHTS && len[0] == 1'b0) begin   // 5 + 2k bytes: whole 16-bit words
          code <= E_BAD_PAYLOAD;
          xs <= X_FIN;
        end else if (op == `SW_OP_INFER) xs <= X_RD;   // its n is checked first (X_END)
        else if ((op == `SW_OP_READ_WEIGHTS || op == `SW_OP_TRAIN || op == `SW_OP_WRITE_WEIGHTS) && !seeded) begin
          code <= E_NO_SEEDS;
          xs <= X_FIN;
        end else if (op == `SW_OP_STREAM_SAMPLES) begin
          // the frame's samples are in the ring past its tail (sw_samples): the emulator's checks, in order
          code <= !CAP_ENC[smp_enc[1:0]] ? E_BAD_ENCODING
            : (len - 16'd3 < smp_count) ? E_BAD_PAYLOAD
            : (smp_bad_enc || smp_done_k != smp_count) ? E_BAD_ENCODING
            : smp_bad_label ? E_BAD_PAYLOAD
            : smp_too_many ? E_INTERNAL
            : ({1'b0, r_bytes} + {1'b0, smp_bytes} > RING_BYTES) ? E_OVERFLOW : 4'd0;
          xs <= X_TEND;
        end else if (op == `SW_OP_CONFIGURE && len > FB) begin
          // longer than the frame buffer: only explicit start vectors make a descriptor this long
          code <= E_BAD_DESCRIPTOR;
          xs <= X_FIN;
        end else xs <= X_RD;
      end
      X_RD: if (walk_done) xs <= X_END;
      else if ({8'd0, pos} == len) begin
        bp <= 1'b1;                       // a missing byte
        xs <= X_END;
      end else begin
        rd <= 1'b1;                       // the memory reads in X_W, the byte is there in X_GET
        rd_addr <= pos;
        xs <= X_W;
      end
      X_W: xs <= X_GET;
      X_GET: begin
        pos <= pos + 1'b1;
        acc <= nv;
        xs <= X_RD;
        if (is_run) begin
          if (pos == 3) q_w <= nv;        // n
        end else if (is_rw || is_ww) begin
          if (pos == 0) jn <= rd_byte;
          if (pos == 4) q <= nv;          // offset
          if (pos == 8) q_w <= nv;        // count
        end else if (is_cfg) case (sec)
          0: begin
            case (pos)
              0: if (rd_byte != `SW_ACT_BITS) bd <= 1'b1;
              1: if (rd_byte != `SW_ACT_FRAC) bd <= 1'b1;
              2: if (rd_byte != `SW_W_BITS) bd <= 1'b1;
              3: if (rd_byte != `SW_W_FRAC) bd <= 1'b1;
              4: if (rd_byte != `SW_D_BITS) bd <= 1'b1;
              5: if (rd_byte != `SW_D_FRAC) bd <= 1'b1;
              6: g_lr <= rd_byte;
              7: begin
                g_dfa <= rd_byte[0];
                if (rd_byte >= `SW_ENUM_FEEDBACK) bp <= 1'b1;
                else if (rd_byte[0] && !`SW_CAP_DFA) bd <= 1'b1;
              end
              8: g_fbs <= rd_byte;
              12: g_fbseed <= nv;
              13: if (rd_byte >= `SW_ENUM_ROUNDING) bp <= 1'b1;
                else if (rd_byte != 0 && !`SW_CAP_STOCHASTIC_ROUNDING) bd <= 1'b1;
              18: begin
                g_L <= rd_byte;
                if (rd_byte == 0 || rd_byte > `SW_MAX_JUNCTIONS) bd <= 1'b1;
                slotb <= bits_for(g_dfa ? {9'd0, rd_byte} + 1'b1 : {8'd0, rd_byte, 1'b0});
                nxt <= GW + JW * rd_byte;
                words <= 0;
                wbig <= 1'b0;
                abig <= 1'b0;
                rows <= 0;
                sec <= (rd_byte == 0) ? 3'd2 : 3'd1;
                if (pass) begin
                  wglob <= 1'b1;
                  wk <= 0;
                  xs <= X_WR;
                end
              end
              default: ;
            endcase
          end
          1: begin
            jpos <= (jpos == 30) ? 5'd0 : jpos + 1'b1;
            case (jpos)
              3: begin
                j_p <= nv[15:0];
                j_pbig <= |nv[31:16];
                if (jn != 0 && ({|nv[31:16], nv[15:0]} != {prev_nbig, prev_n})) bd <= 1'b1;
                if (jn == 0) rec <= nv[15:0] + 1'b1;
              end
              7: begin j_n <= nv[15:0]; j_nbig <= |nv[31:16]; end
              11: begin j_fo <= nv[15:0]; j_fobig <= |nv[31:16]; end
              15: begin j_fi <= nv[15:0]; j_fibig <= |nv[31:16]; end
              17: begin j_z <= nv[31:16]; if (nv[31:16] > `SW_LANES) bd <= 1'b1; end
              18: begin j_conn <= rd_byte[1:0]; if (rd_byte >= `SW_ENUM_CONNECTIVITY) bp <= 1'b1; end
              19: if (rd_byte >= `SW_ENUM_START_VECTOR_MODE) bp <= 1'b1;
              20: if (rd_byte > 1) bp <= 1'b1;
                else if (rd_byte == 1) begin  // explicit start vectors: not in the RTL
                  code <= bp ? E_BAD_PAYLOAD : E_BAD_DESCRIPTOR;
                  xs <= X_FIN;
                end
              21: begin j_act <= rd_byte[0]; if (rd_byte >= `SW_ENUM_ACTIVATION) bp <= 1'b1; end
              22: j_ishift <= rd_byte;
              26: j_cseed <= nv;
              30: begin j_iseed <= nv; xs <= X_J1; end
              default: ;
            endcase
          end
          2: if (rd_byte > 1) begin bp <= 1'b1; sec <= 4; end
            else sec <= rd_byte ? 3'd3 : 3'd4;
          default: begin                  // the update struct: mode u8, streamLength u16
            jpos <= jpos + 1'b1;
            if (jpos == 0) begin
              u_mode <= rd_byte;
              if (rd_byte >= `SW_ENUM_UPDATE_MODE) bp <= 1'b1;
              else if (rd_byte != 0 && !`SW_CAP_ESSOP) bd <= 1'b1;   // essop
            end
            if (jpos == 2) begin
              if (u_mode == 0 && nv[31:16] != 0) bd <= 1'b1;      // the exact update has no stream
              sec <= 4;
            end
          end
        endcase else case (sec)           // LOAD_SEEDS
          0, 2: begin                     // a list's count
            if (rd_byte != cfg_L) bp <= 1'b1;
            lcnt <= rd_byte;
            jn <= 0;
            jpos <= 0;
            sec <= (rd_byte == 0) ? sec + 2'd2 : sec + 1'b1;
          end
          default: begin                  // a seed (u32)
            jpos <= (jpos == 3) ? 5'd0 : jpos + 1'b1;
            if (jpos == 3) begin
              if (nv == 0) bp <= 1'b1;
              if (sec == 5 && pass) rseed <= nv;
              if (pass && sec != 5) begin // its two store words first, then the next seed
                wglob <= 1'b0;
                wk <= 0;
                xs <= X_WR;
              end else ls_next;
            end
          end
        endcase
      end
      X_J1: begin                         // n*fi
        q <= prod;                        // n*fi
        xs <= X_J2;
      end
      X_J2: begin                         // p*fo; weights and rows
        q_w <= q;
        q <= prod;                        // p*fo
        wbig <= wbig || w_carry || (j_nbig && (j_fibig || j_fi != 0)) || (j_fibig && j_n != 0);
        words <= w_sum;
        wbase <= rows;
        rows <= rows + ((j_z == 2) ? {1'b0, q[15:1]} : q[15:0]);
        xs <= X_J3;
      end
      X_J3: begin                         // p*fo = n*fi; the store layout
        if (j_conn != `SW_CONN_LFSR && ({j_pbig | j_fobig, q} != {j_nbig | j_fibig, q_w})) bd <= 1'b1;
        prev_n <= j_n;
        prev_nbig <= j_nbig;
        ashift <= as_n;
        if (j_nbig || as_n > 11) abig <= 1'b1;
        abase <= hidden ? nxt[15:0] : 16'd0;
        dbase <= (hidden ? nxt + slots : nxt);
        fbbase <= (g_dfa && hidden) ? (hidden ? nxt + slots : nxt) + (32'd2 << as_n) : 32'd0;
        nxt <= (hidden ? nxt + slots : nxt) + (32'd2 << as_n) + ((g_dfa && hidden) ? {16'd0, j_n} : 32'd0);
        if (pass) begin
          edges[jn[1:0]] <= q_w[15:0];
          wglob <= 1'b0;
          wk <= 0;
          xs <= X_WR;
        end else begin
          jn <= jn + 1'b1;
          if (jn + 1'b1 == g_L) sec <= 2;
          xs <= X_RD;
        end
      end
      X_WR: begin
        st_we <= 1'b1;
        st_addr <= w_addr;
        st_wdata <= w_data;
        wk <= wk + 1'b1;
        if (w_last) begin
          xs <= X_RD;
          if (is_cfg && !wglob) begin     // the junction is written: the next one
            jn <= jn + 1'b1;
            if (jn + 1'b1 == g_L) sec <= 2;
          end
          if (!is_cfg) ls_next;
        end
      end
      X_END: if (is_ww) begin            // WRITE_WEIGHTS: the range, then the staged words into the engine
        q_w <= {17'd0, len[15:1]} - 32'd2;   // (len - 5) / 2 words
        if (jn >= cfg_L || {1'b0, q} + {17'd0, len[15:1]} - 33'd2 > {17'd0, edges[jn[1:0]]}) begin
          code <= E_OUT_OF_RANGE;
          xs <= X_FIN;
        end else if (smp_bytes != len - 16'd5 || smp_room_short) begin
          code <= E_INTERNAL;             // the ring had no room to stage the words
          xs <= X_FIN;
        end else begin
          ww_setup <= 1'b1;               // SELECT the junction and skip `offset` weights (the stream, below)
          ww_word <= (r_tail + r_tail[0]) >> 1;   // where sw_samples staged them
          wk <= 0;
          xs <= X_WW0;
        end
      end else if (is_run) begin           // TRAIN / INFER n: the endpoint's and the device's checks, in order
        if (is_inf && q_w > `SW_MAX_PAYLOAD - `SW_RUN_RESULT_BYTES) begin
          code <= E_BAD_PAYLOAD;          // more predictions than a response carries
          xs <= X_FIN;
        end else if (!configured) begin
          code <= E_NOT_CONFIGURED;
          xs <= X_FIN;
        end else if (!seeded) begin
          code <= E_NO_SEEDS;
          xs <= X_FIN;
        end else if (q_w > {16'd0, r_nbuf}) begin
          code <= E_UNDERFLOW;
          xs <= X_FIN;
        end else if (is_inf && q_w > PRED_MAX) begin
          code <= E_BAD_PAYLOAD;          // the board keeps PRED_MAX predictions (the emulator more)
          xs <= X_FIN;
        end else begin
          st_we <= 1'b1;                  // the ring's head: the first record of this run
          st_addr <= HEAD_AT;
          st_wdata <= {{(16 - `SW_RING_BYTE_BITS){1'b0}}, r_head};
          xs <= X_TCMD;
        end
      end else if (is_rw) begin             // the emulator's readWeights checks, then the response's size
        code <= (jn >= cfg_L || {1'b0, q} + {1'b0, q_w} > {17'd0, edges[jn[1:0]]}) ? E_OUT_OF_RANGE
          : (q_w > `SW_BULK_PAYLOAD / 2) ? E_BAD_PAYLOAD : 4'd0;
        res2 <= q[15:0];
        res3 <= {jn[2:0], q_w[12:0]};
        xs <= X_FIN;
      end else begin                      // the walk is over (pass 1: the verdict; pass 2: written)
        if (!walk_done || pos != len[7:0]) bp <= 1'b1;   // missing or trailing bytes
        if (!pass) begin
          if (!walk_done || pos != len[7:0] || verdict != 0) begin
            code <= (!walk_done || pos != len[7:0]) ? E_BAD_PAYLOAD : verdict;
            xs <= X_FIN;
          end else begin
            pass <= 1'b1;
            pos <= 0;
            sec <= 0;
            jpos <= 0;
            jn <= 0;
            xs <= X_RD;
          end
        end else if (is_cfg) begin
          configured <= 1'b1;
          cfg_L <= g_L;
          cfg_nout <= j_n;                // the last junction walked: the output layer
          cfg_p <= rec - 1'b1;
          cfg_rec <= rec;
          r_head <= 0;
          r_tail <= 0;
          r_nbuf <= 0;
          r_bytes <= 0;
          seeded <= 1'b0;
          rseed <= 0;
          code <= 0;
          xs <= X_FIN;
        end else xs <= X_CMD;
      end
      X_CMD: if (seq_ready) begin         // LOAD_SEEDS: the sequencer generates the weights (cmd_valid below)
        xs <= X_WAIT;
        wk <= 0;
      end
      X_WAIT: begin
        if (wk != 5'd3) wk <= wk + 1'b1;  // busy rises within a clock or two of the command
        else if (!seq_busy) begin
          seeded <= 1'b1;
          code <= 0;
          xs <= X_FIN;
        end
      end
      X_TCMD: if (seq_ready) begin        // the run (cmd_valid below)
        wk <= 0;
        pk <= 0;
        xs <= X_TWAIT;
      end
      X_TWAIT: begin
        if (seq_pred_valid && is_inf) begin   // predictions, two to a word
          pk <= pk + 1'b1;
          if (!pk[0]) p_lo <= seq_pred[7:0];
          else begin
            pw <= 1'b1;
            pw_addr <= pk[8:1];
            pw_data <= {seq_pred[7:0], p_lo};
          end
        end
        if (wk != 5'd3) wk <= wk + 1'b1;
        else if (!seq_busy && !seq_pred_valid) begin
          if (is_inf && pk[0]) begin      // an odd count: the last prediction's word
            pw <= 1'b1;
            pw_addr <= pk[8:1];
            pw_data <= {8'd0, p_lo};
          end
          res2 <= q_w[15:0];
          res3 <= seq_correct;
          res4 <= seq_jcycles;
          res5 <= seq_clocks[15:0];
          cnt_clocks <= cnt_clocks + seq_clocks;
          cnt_jcycles <= cnt_jcycles + seq_jcycles;
          if (is_inf) cnt_inferred <= cnt_inferred + q_w;
          else cnt_trained <= cnt_trained + q_w;
          res6 <= seq_clocks[31:16];
          q <= prod;                      // bytes the run consumed: n * record bytes
          code <= 0;
          xs <= X_TEND;
        end
      end
      X_TEND: begin                       // commit a run's or a stream's effect on the ring
        if (is_run) begin
          r_head <= r_head + q[`SW_RING_BYTE_BITS-1:0];
          r_nbuf <= r_nbuf - q_w[15:0];
          r_bytes <= r_bytes - q[15:0];
        end else if (code == 0) begin
          r_tail <= r_tail + smp_bytes[`SW_RING_BYTE_BITS-1:0];
          if (smp_bytes != 0) r_tail_lo <= smp_lo;
          r_nbuf <= r_nbuf + smp_count;
          r_bytes <= r_bytes + smp_bytes;
          res2 <= r_nbuf + smp_count;
        end
        xs <= X_FIN;
      end
      // the staged words, one per 3 clocks: read the ring word, then write it to the engine
      X_WW0: if (s_ready && !ww_setup) begin
        if (q_w[15:0] == 0) begin
          code <= 0;
          xs <= X_FIN;
        end else begin
          st_addr <= {1'b1, ww_word};
          rg_re <= 1'b1;
          xs <= X_WW1;
        end
      end
      X_WW1: xs <= X_WW2;                 // the ring reads
      X_WW2: begin                        // rg_q holds the word
        st_wdata <= rg_q;
        hp_wr <= 1'b1;
        ww_word <= ww_word + 1'b1;
        q_w <= q_w - 1'b1;
        xs <= X_WW3;
      end
      X_WW3: xs <= X_WW0;
      X_FIN: begin
        done <= 1'b1;
        xs <= X_IDLE;
      end
      default: xs <= X_IDLE;
    endcase
  end

  // ---- the weight stream (READ_WEIGHTS responses; only while no request runs) ----------------------
  localparam [2:0] S_IDLE = 0, S_SEL = 1, S_SELW = 2, S_START = 3, S_SKIP = 4, S_READY = 5, S_RD = 6;
  reg [2:0] ss;
  reg [15:0] s_left;
  reg [2:0] s_wait;
  assign hp_sel = (ss != S_IDLE) ? HP_WEIGHT : 3'd0;
  always @(posedge clk) begin
    hp_start <= 1'b0;
    hp_rd <= 1'b0;
    s_valid <= 1'b0;
    cmd_valid <= 1'b0;
    if (xs == X_CMD && seq_ready) begin  // LOAD_SEEDS (the executor's X_CMD)
      cmd_valid <= 1'b1;
      cmd <= 2'd0;
    end
    if (xs == X_TCMD && seq_ready) begin // TRAIN (1) or INFER (3) n
      cmd_valid <= 1'b1;
      cmd <= is_inf ? 2'd3 : 2'd1;
      cmd_n <= q_w[15:0];
    end
    if (rst || state_reset) begin
      ss <= S_IDLE;
      s_ready <= 1'b0;
    end else case (ss)
      S_IDLE: if (s_setup || ww_setup) begin
        s_left <= ww_setup ? q[15:0] : s_off;
        cmd_n <= {13'd0, ww_setup ? jn[2:0] : s_j};
        ss <= S_SEL;
        s_ready <= 1'b0;
      end
      S_SEL: if (seq_ready) begin         // SELECT the junction: the sequencer loads its descriptor
        cmd_valid <= 1'b1;
        cmd <= 2'd2;
        s_wait <= 0;
        ss <= S_SELW;
      end
      S_SELW: if (s_wait != 3'd3) s_wait <= s_wait + 1'b1;
        else if (!seq_busy) begin
          hp_start <= 1'b1;
          s_wait <= 0;
          ss <= S_START;
        end
      S_START: ss <= S_SKIP;
      S_SKIP: if (s_left != 0) begin      // the weights before `offset`: read and dropped
        hp_rd <= 1'b1;
        s_left <= s_left - 1'b1;
      end else if (s_wait != 3'd3) s_wait <= s_wait + 1'b1;   // the last dropped read's data passes
      else begin
        s_ready <= 1'b1;
        ss <= S_READY;
      end
      S_READY: if (s_setup || ww_setup) begin
        s_left <= ww_setup ? q[15:0] : s_off;
        cmd_n <= {13'd0, ww_setup ? jn[2:0] : s_j};
        ss <= S_SEL;
        s_ready <= 1'b0;
      end else if (s_req) begin
        hp_rd <= 1'b1;
        ss <= S_RD;
      end
      S_RD: if (hp_rvalid) begin
        s_word <= hp_rdata;
        s_valid <= 1'b1;
        ss <= S_READY;
      end
      default: ss <= S_IDLE;
    endcase
  end
endmodule
