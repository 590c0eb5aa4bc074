`default_nettype none
`include "spec.vh"
// The device's protocol endpoint in RTL: the same rules as emulator/endpoint/endpoint.ts, on a byte
// stream from the UART (firmware-spec/protocol.ts has the normative text; every number is spec.vh's).
//
// Receive: SLIP decode (END ends a candidate; ESC ESC_END / ESC ESC_ESC unescape; a bad escape spoils
// the candidate), header latched from the first 8 bytes, CRC-32 over every byte (sw_crc32, bit-serial).
// At END a candidate is a frame when it has at least header + CRC bytes, its length field equals the
// bytes received minus header and CRC (so at most SW_MAX_PAYLOAD), and the CRC register ends at
// SW_CRC32_RESIDUE. Anything else is dropped in silence (a frame whose CRC fails cannot name its seq).
//
// Then, in the endpoint's order:
//   1. a frame with opcode SW_NAK is never a request: ignored, never answered;
//   2. a byte-identical copy (same seq, same CRC) of one of the last SW_WINDOW requests run gets its
//      response again, and is not run again;
//   3. a version other than SW_PROTOCOL_VERSION gets NAK bad_version naming `expected`; not run;
//   4. IDENTIFY is the sync point: it runs at any seq (expected := its seq), empties the cache and
//      starts the session; until the first IDENTIFY after boot every other request gets NAK
//      out_of_order naming `expected` (no session);
//   5. a seq ahead of `expected` (by less than half the seq space) gets NAK out_of_order naming
//      `expected`; one behind that is not a cached copy gets NAK stale_seq naming `expected`;
//   6. seq == expected runs: the response (ACK, or NAK with a device error code and expected + 1) is
//      cached under the seq and sent, and expected := seq + 1. An opcode that is no request (those
//      with bit 7 set included) fails with bad_opcode; a bulk request longer than SW_BULK_PAYLOAD
//      (a STREAM_SAMPLES of one sample excepted) fails with bad_payload.
//
// Replay cache: SW_WINDOW entries, indexed by seq mod SW_WINDOW, each the low 16 bits of the request's
// CRC, its opcode and its result code (device error codes fit 4 bits). The host never has more than SW_WINDOW requests unanswered, so a retransmission it
// makes is always among the last SW_WINDOW seqs run; the emulator keeps SW_REPLAY_CACHE (4 windows)
// only to also answer copies delayed beyond that, which the host ignores. The seq is implied by the
// index and by being 1..SW_WINDOW behind `expected`, so it is not stored (the emulator also replays
// copies 9..SW_REPLAY_CACHE behind, which the board answers with NAK stale_seq: the host has no such
// request in flight, so it ignores either answer); a request the host did not
// send twice with one seq (a new session's requests come after IDENTIFY, which empties the cache), so
// 16 CRC bits tell a copy from another request as well as 32 would here. A response is rebuilt from
// the cached opcode and code rather than stored: every response this endpoint makes is a function of
// them, the seq and the board's state (STATUS and READ_COUNTERS replay the state at replay time).
//
// No response queue: the responses of requests run wait in the cache itself. `sent` is the seq of the
// next one to transmit; those of sent .. expected-1 are pending (at most SW_WINDOW: the host has no
// more unanswered, so none is overwritten before it is sent). A replay or a link NAK waits in one
// extra slot; a second one while that slot is full is dropped (the host's timer retransmits). The
// cache is one EBR (16 words of 16 bits; as flip-flops it would cost about 200 LUTs and 170 FFs more).
// The transmitter builds each frame byte by byte (header, payload from a mux, CRC) and SLIP-encodes it
// (END after).
//
// Requests: IDENTIFY (the up5k capability, generated into ident_rom.vh), RESET, STATUS, READ_COUNTERS,
// CLEAR_COUNTERS here; a payload that does not match its schema is NAK bad_payload. CONFIGURE,
// LOAD_SEEDS, READ_WEIGHTS, WRITE_WEIGHTS, STREAM_SAMPLES, TRAIN and INFER run in the executor
// (sw_exec.v) on the sequencer, from the payload bytes kept in the frame buffer (and, for samples and
// staged weights, in the ring: sw_samples.v); its result code and result words are cached like any
// response. Frames that arrive while the executor runs are dropped (the host resends them). Every
// other opcode (masks, the balancer: not in the up5k capability) is NAK bad_opcode.
module sw_proto (
  input  wire       clk,
  input  wire       rst,
  input  wire       rx_valid,
  input  wire [7:0] rx_data,
  output reg        tx_start,
  output reg  [7:0] tx_data,
  input  wire       tx_busy,
  output wire       busy,      // a response is queued or on the wire, or a request runs
  // the sequencer's port (sw_seq.v), driven by the executor (sw_exec.v)
  output wire                         st_we,
  output wire [`SW_SEQ_PORT_BITS-1:0] st_addr,
  output wire [15:0]                  st_wdata,
  output wire                         cmd_valid,
  output wire [1:0]                   cmd,
  output wire [15:0]                  cmd_n,
  input  wire                         seq_busy,
  input  wire                         seq_ready,
  output wire [2:0]                   hp_sel,
  output wire                         hp_start,
  output wire                         hp_rd,
  output wire                         hp_wr,
  output wire                         rg_re,
  input  wire [15:0]                  rg_q,
  input  wire                         hp_rvalid,
  input  wire [15:0]                  hp_rdata,
  input  wire [15:0]                  seq_correct,
  input  wire [15:0]                  seq_jcycles,
  input  wire [31:0]                  seq_clocks,
  input  wire                         seq_pred_valid,
  input  wire [15:0]                  seq_pred
);
  localparam integer HDR = `SW_FRAME_HEADER_BYTES;
  localparam integer CRCB = `SW_FRAME_CRC_BYTES;
  localparam integer OVH = HDR + CRCB;
  localparam integer MAXF = OVH + `SW_MAX_PAYLOAD;
  localparam integer CW = $clog2(MAXF + 1);
  localparam integer W = `SW_WINDOW;
  localparam integer WB = $clog2(W);
  localparam [7:0] END = `SW_SLIP_END, ESC = `SW_SLIP_ESC, ESC_END = `SW_SLIP_ESC_END, ESC_ESC = `SW_SLIP_ESC_ESC;
  localparam [7:0] ERR_BAD_OPCODE = `SW_ERR_BAD_OPCODE, ERR_BAD_PAYLOAD = `SW_ERR_BAD_PAYLOAD;
  localparam [7:0] ERR_NOT_CONFIGURED = `SW_ERR_NOT_CONFIGURED, ERR_INTERNAL = `SW_ERR_INTERNAL;
  // the frame buffer: payload bytes 0..FB-1 of every candidate, two to a word from cache word FB_AT on,
  // kept until the executor has read them (frames are not taken in while it runs)
  localparam integer FB = 224, FB_AT = 64;
  // INFER's predictions (one byte each, two to a word) from word PRED_AT on: the last INFER's, so a
  // replay of an older INFER would send the newer one's (the host retransmits only the last: it
  // awaits each INFER before streaming the next chunk); at most PRED_MAX (76) per INFER on the board
  // the cache EBR: 8 entries of 8 words, the frame buffer, the predictions, IDENTIFY's bytes (two a
  // word) at the top
  localparam integer ROM_AT = 256 - (`SW_IDENT_BYTES + 1) / 2;
  localparam integer PRED_AT = 176, PRED_MAX = 2 * (ROM_AT - PRED_AT);
  localparam [16:0] RING_BYTES = `SW_RING_WORDS * 2;
  localparam [7:0] ERR_OUT_OF_ORDER = `SW_LINK_ERR_OUT_OF_ORDER, ERR_BAD_VERSION = `SW_LINK_ERR_BAD_VERSION;
  localparam [7:0] ERR_STALE_SEQ = `SW_LINK_ERR_STALE_SEQ;
  localparam [31:0] BULK = `SW_BULK_PAYLOAD;

  // ---- receive: SLIP decode, header, CRC ------------------------------------------------------------
  reg esc, spoilt;
  reg [CW-1:0] cnt;           // decoded bytes of this candidate
  reg [7:0] h_ver, h_op;
  reg [15:0] h_seq;
  reg [31:0] h_len;
  reg [31:0] last4;           // the last 4 bytes: at END, the frame's CRC field (little-endian)
  reg [7:0] pl0;              // payload byte 0 (STREAM_SAMPLES encoding, LOAD_SEEDS first list count)
  reg [7:0] pl1, pl2;         // payload bytes 1, 2 (STREAM_SAMPLES count, little-endian)
  reg [7:0] pl_b;             // LOAD_SEEDS: the second list's count, at payload byte 1 + 4 * pl0
  reg pl_b_seen;
  reg [31:0] wire_in, wire_out;  // frame bytes in and out since RESET (READ_COUNTERS' wire counters)

  reg d_valid;
  reg [7:0] d;
  always @(*) begin
    d_valid = 1'b0;
    d = rx_data;
    if (rx_valid && rx_data != END) begin
      if (esc) begin
        d_valid = rx_data == ESC_END || rx_data == ESC_ESC;
        d = (rx_data == ESC_END) ? END : ESC;
      end else d_valid = rx_data != ESC;
    end
  end
  wire is_end = rx_valid && rx_data == END;

  wire rx_crc_busy;
  wire [31:0] rx_crc;
  sw_crc32 u_rx_crc (.clk(clk), .init(rst || is_end), .start(d_valid && !spoilt), .data(d), .busy(rx_crc_busy), .crc(rx_crc));

  // a whole frame, evaluated at END (the last byte's CRC finished 10 bit periods ago)
  wire frame_ok = !spoilt && cnt >= OVH && h_len == (cnt - OVH) && rx_crc == `SW_CRC32_RESIDUE;
  reg req;                    // a frame to decide on (its header stays until the next frame's bytes)

  // ---- endpoint ------------------------------------------------------------------------------------
  reg [15:0] expected;
  reg session;                // an IDENTIFY ran since boot
  reg [W-1:0] cvalid;
  // The cache memory: entry e in word 2e (the request's CRC[15:0]) and word 2e+1 ({opcode, code[3:0],
  // 0}); IDENTIFY's payload bytes (constant) from word ROM_AT on. One EBR (256 x 16) with a registered
  // read port that the decision and the transmitter share.
  localparam integer MW = 8;                 // word address bits
  (* ram_style = "block" *) reg [15:0] cmem [0:(1 << MW)-1];
  `include `SW_IDENT_ROM
  integer ri;
  initial for (ri = 0; ri < `SW_IDENT_BYTES; ri = ri + 2) cmem[ROM_AT + ri / 2] = {(ri + 1 < `SW_IDENT_BYTES) ? sw_ident_byte(ri + 1) : 8'd0, sw_ident_byte(ri)};
  reg [15:0] cq;              // read data, the clock after the read
  wire c_re, c_we;
  wire [MW-1:0] c_raddr, c_waddr;
  wire [15:0] c_wdata;
  always @(posedge clk) begin
    if (c_we) cmem[c_waddr] <= c_wdata;
    if (c_re) cq <= cmem[c_raddr];
  end
  // deciding a frame: dph 0 read the CRC word, 1 read the opcode word (CRC word arrives), 2 decide
  // (opcode word arrives; a request run writes its opcode word), then `wb` writes its CRC word and
  // advances `expected` (so the transmitter never reads an opcode word before it is written)
  reg [1:0] dph;
  reg [15:0] ctag;
  reg wb;
  wire [WB-1:0] idx = h_seq[WB-1:0];
  wire [15:0] ahead = h_seq - expected;    // 1..W behind: -W..-1
  wire [15:0] seq_next = h_seq + 1'b1;
  wire is_resp = h_op == `SW_NAK;
  wire hit = (&ahead[15:WB]) && cvalid[idx] && ctag == last4[15:0];
  wire identify = h_op == `SW_OP_IDENTIFY;
  wire in_order = identify || (session && h_seq == expected);
  wire run_now = req && dph == 2 && !is_resp && !hit && h_ver == `SW_PROTOCOL_VERSION && in_order;

  // ---- the executor (sw_exec): CONFIGURE, LOAD_SEEDS ----------------------------------------------
  // A request it runs waits in `xq` until every earlier response is sent (the read port is then the
  // executor's), runs (`xr`), and its result code is cached and answered as any other.
  reg xq;                     // queued
  reg [2:0] xw;               // writing the executor's result word 2..6 to the cache
  wire [15:0] e_res2, e_res3, e_res4, e_res5, e_res6;
  wire e_pw;                  // the executor writes two predictions (INFER)
  wire [31:0] cnt_clocks, cnt_jcycles, cnt_trained, cnt_inferred;
  wire [7:0] cfg_L;
  wire [7:0] e_pw_addr;
  wire [15:0] e_pw_data;
  wire [`SW_RING_BYTE_BITS-1:0] r_tail;
  wire [7:0] r_tail_lo;
  wire [15:0] r_nbuf, r_bytes, cfg_p, cfg_nout;
  wire e_st_we;
  wire [`SW_SEQ_PORT_BITS-1:0] e_st_addr;
  wire [15:0] e_st_wdata;
  wire s_setup, s_req, s_ready, s_valid;
  wire [15:0] s_word;
  // the result words of the response being sent (cache entry words 2..6): READ_WEIGHTS offset,
  // {junction, count}; STREAM_SAMPLES bufferedSamples; TRAIN / INFER n, correct, junction cycles, clocks
  reg [15:0] r2, r3, r4, r5, r6;
  wire [15:0] r_off = r2, r_jc = r3;
  wire xr;                    // running
  // until its response is in the cache (e_done, xw, wb write the cache: no frame-buffer write may meet them)
  wire blocked = xq || xr || e_done || xw != 0 || wb;
  reg [7:0] fb_prev;          // the previous payload byte (the even byte of a buffer word)
  reg [3:0] w_code;           // the result code of the request being written to the cache
  wire configured, seeded;
  wire [31:0] rseed;
  wire e_rd, e_done;
  wire [7:0] e_rd_addr;
  wire [3:0] e_code;
  reg e_rd_hi;
  wire tx_busy_any;
  wire e_go = xq && !tx_busy_any;
  wire state_reset = wb && h_op == `SW_OP_RESET && w_code == 0;
  wire ctr_reset = w_code == 0 && (h_op == `SW_OP_RESET || h_op == `SW_OP_CONFIGURE || (h_op == `SW_OP_CLEAR_COUNTERS && configured));
  always @(posedge clk) if (e_rd) e_rd_hi <= e_rd_addr[0];
  sw_exec #(.FB(FB), .PRED_MAX(PRED_MAX)) u_exec (
    .clk(clk), .rst(rst), .go(e_go), .op(h_op), .len(h_len[31:16] != 0 ? 16'hffff : h_len[15:0]),
    .state_reset(state_reset), .ctr_clear(wb && ctr_reset), .cnt_clocks(cnt_clocks), .cnt_jcycles(cnt_jcycles),
    .cnt_trained(cnt_trained), .cnt_inferred(cnt_inferred), .cfg_L(cfg_L), .rd(e_rd), .rd_addr(e_rd_addr), .rd_byte(e_rd_hi ? cq[15:8] : cq[7:0]),
    .done(e_done), .code(e_code), .busy(xr), .configured(configured), .seeded(seeded), .rseed(rseed),
    .st_we(e_st_we), .st_addr(e_st_addr), .st_wdata(e_st_wdata), .cmd_valid(cmd_valid), .cmd(cmd), .cmd_n(cmd_n),
    .seq_busy(seq_busy), .seq_ready(seq_ready), .res2(e_res2), .res3(e_res3), .res4(e_res4), .res5(e_res5), .res6(e_res6),
    .r_tail(r_tail), .r_tail_lo(r_tail_lo), .r_nbuf(r_nbuf), .r_bytes(r_bytes), .cfg_p(cfg_p), .cfg_nout(cfg_nout),
    .smp_enc(smp_enc), .smp_count(smp_count), .smp_done_k(smp_done_k), .smp_bad_enc(smp_bad_enc), .smp_bad_label(smp_bad_label),
    .smp_too_many(smp_too_many), .smp_bytes(smp_bytes), .smp_lo(smp_lo),
    .seq_correct(seq_correct), .seq_jcycles(seq_jcycles), .seq_clocks(seq_clocks),
    .seq_pred_valid(seq_pred_valid), .seq_pred(seq_pred), .pw(e_pw), .pw_addr(e_pw_addr), .pw_data(e_pw_data),
    .s_setup(s_setup), .s_j(r_jc[15:13]), .s_off(r_off), .s_ready(s_ready), .s_req(s_req), .s_valid(s_valid), .s_word(s_word),
    .hp_sel(hp_sel), .hp_start(hp_start), .hp_rd(hp_rd), .hp_rvalid(hp_rvalid), .hp_rdata(hp_rdata),
    .hp_wr(hp_wr), .rg_re(rg_re), .rg_q(rg_q), .smp_room_short(smp_room_short));
  wire [CW-1:0] fb_i = cnt - HDR;   // payload byte index of a byte being received
  wire fb_we = d_valid && !spoilt && !blocked && cnt >= HDR && fb_i < FB;

  // ---- STREAM_SAMPLES: samples decoded into the ring while they arrive (sw_samples) ----------------
  // Not while a READ_WEIGHTS response streams weights out of the same banks: such a frame is dropped.
  wire rw_streaming = ts != T_IDLE && rw_ack;
  wire ss_byte = d_valid && !spoilt && !blocked && cnt >= HDR && (h_op == `SW_OP_STREAM_SAMPLES || h_op == `SW_OP_WRITE_WEIGHTS);
  wire smp_room_short;
  wire smp_idle, smp_bad_enc, smp_bad_label, smp_too_many, l_req, l_hi, s_st_we;
  wire [7:0] smp_enc, smp_lo, l_addr;
  wire [15:0] smp_count, smp_done_k, smp_bytes, s_st_wdata;
  wire [`SW_SEQ_PORT_BITS-1:0] s_st_addr;
  wire l_gnt = l_req && !dec_rd && !tx_rd && !rom_rd && !r_rd && !e_rd;
  sw_samples #(.FB(FB)) u_samples (
    .clk(clk), .rst(rst), .start(d_valid && !spoilt && !blocked && cnt == 0),
    .in_valid(ss_byte && configured && !rw_streaming && {{(32-CW){1'b0}}, fb_i} < h_len), .in_idx({{(16-CW){1'b0}}, fb_i}), .in_byte(d),
    .p(cfg_p), .n_out(cfg_nout), .tail(r_tail), .tail_lo(r_tail_lo), .free(RING_BYTES - {1'b0, r_bytes}),
    .l_req(l_req), .l_addr(l_addr), .l_hi(l_hi), .l_gnt(l_gnt), .l_q(l_hi ? cq[15:8] : cq[7:0]),
    .st_we(s_st_we), .st_addr(s_st_addr), .st_wdata(s_st_wdata), .idle(smp_idle),
    .enc(smp_enc), .count(smp_count), .done_k(smp_done_k), .bad_enc(smp_bad_enc), .bad_label(smp_bad_label),
    .too_many(smp_too_many), .bytes(smp_bytes), .lo(smp_lo), .raw(h_op == `SW_OP_WRITE_WEIGHTS), .room_short(smp_room_short));
  assign st_we = e_st_we || s_st_we;
  // the executor's port while it runs (its ring reads and engine writes use st_addr / st_wdata too)
  assign st_addr = xr ? e_st_addr : s_st_addr;
  assign st_wdata = xr ? e_st_wdata : s_st_wdata;
  wire dec_rd = req && dph < 2;

  // What running the request answers: 0 = ACK, else a device error code. The payload is checked
  // against its schema first (bad_payload), as the emulator's codec does; the network opcodes then
  // find no network (not_configured: the board has no CONFIGURE yet, so it is never configured).
  wire [15:0] ls_len = 16'd10 + {pl0, 2'b00} + {pl_b, 2'b00};   // LOAD_SEEDS: 1 + 4a + 1 + 4b + 8
  // a bulk request carries at most SW_BULK_PAYLOAD bytes (one sample of STREAM_SAMPLES excepted)
  wire too_bulky = h_len > BULK && (h_op == `SW_OP_WRITE_WEIGHTS || (h_op == `SW_OP_STREAM_SAMPLES && {pl2, pl1} != 16'd1));
  reg [7:0] run_code;
  wire exec_req = run_code == 0 && (h_op == `SW_OP_CONFIGURE || h_op == `SW_OP_LOAD_SEEDS || h_op == `SW_OP_READ_WEIGHTS
    || h_op == `SW_OP_STREAM_SAMPLES || h_op == `SW_OP_TRAIN || h_op == `SW_OP_INFER || h_op == `SW_OP_WRITE_WEIGHTS);
  always @(*) begin
    if (too_bulky) run_code = ERR_BAD_PAYLOAD;
    else case (h_op)
      `SW_OP_IDENTIFY: run_code = (h_len == 4) ? 8'd0 : ERR_BAD_PAYLOAD;   // u32 nonce
      `SW_OP_RESET, `SW_OP_STATUS, `SW_OP_READ_COUNTERS, `SW_OP_CLEAR_COUNTERS:
        run_code = (h_len == 0) ? 8'd0 : ERR_BAD_PAYLOAD;
      `SW_OP_TRAIN, `SW_OP_INFER:                     // n u32: then the executor
        run_code = (h_len == 4) ? 8'd0 : ERR_BAD_PAYLOAD;
      `SW_OP_READ_WEIGHTS:                            // junction u8, offset u32, count u32: then the executor
        run_code = (h_len == 9) ? 8'd0 : ERR_BAD_PAYLOAD;
      `SW_OP_WRITE_WEIGHTS:                           // junction u8, offset u32, words: then the executor
        run_code = (h_len >= 5) ? 8'd0 : ERR_BAD_PAYLOAD;
      `SW_OP_STREAM_SAMPLES:                          // encoding enum, count u16, data: then the executor
        run_code = (h_len >= 3 && pl0 < `SW_SAMPLE_ENCODINGS) ? 8'd0 : ERR_BAD_PAYLOAD;
      `SW_OP_LOAD_SEEDS:                              // list u32, list u32, u32, u32: then the executor
        run_code = (pl_b_seen && h_len == {16'd0, ls_len}) ? 8'd0 : ERR_BAD_PAYLOAD;
      `SW_OP_CONFIGURE: run_code = 8'd0;              // the executor checks it
      default: run_code = ERR_BAD_OPCODE;             // what up5k lacks
    endcase
  end

  // response queue: {seq, opcode, code, expected}
  // pending responses: runs sent .. expected-1 (from the cache), and one replay or link NAK
  reg [15:0] sent;
  reg x_valid;                // the extra slot
  reg [15:0] x_seq, x_exp;
  reg [7:0] x_op, x_code;
  wire x_take;                // the transmitter takes the slot (below)
  wire run_take;              // the transmitter takes the run response of seq `sent`
  reg reset_run;              // RESET ran: the transmitter's counter restarts too

  always @(posedge clk) begin
    reset_run <= 1'b0;
    if (x_take) x_valid <= 1'b0;
    if (run_take) sent <= sent + 1'b1;
    if (rst) begin
      x_valid <= 1'b0;
      sent <= 0;
      esc <= 1'b0;
      spoilt <= 1'b0;
      cnt <= 0;
      req <= 1'b0;
      dph <= 0;
      wb <= 1'b0;
      expected <= 0;
      session <= 1'b0;
      xq <= 1'b0;
      xw <= 3'd0;
      cvalid <= 0;
      wire_in <= 0;
    end else begin
      // receive
      if (is_end) begin
        esc <= 1'b0;
        spoilt <= 1'b0;
        cnt <= 0;
        req <= cnt != 0 && frame_ok && !blocked;
      end else if (rx_valid) begin
        if (blocked) spoilt <= 1'b1;     // a request runs: this candidate is not taken in
        if (ss_byte && rw_streaming) spoilt <= 1'b1;
        esc <= !esc && rx_data == ESC;
        if (esc && !d_valid) spoilt <= 1'b1;
      end
      if (d_valid && !spoilt && !blocked) begin
        fb_prev <= d;
        if (cnt == MAXF) spoilt <= 1'b1;   // longer than any legal frame
        else cnt <= cnt + 1'b1;
        case (cnt)
          0: h_ver <= d;
          1: h_seq[7:0] <= d;
          2: h_seq[15:8] <= d;
          3: h_op <= d;
          4: h_len[7:0] <= d;
          5: h_len[15:8] <= d;
          6: h_len[23:16] <= d;
          7: h_len[31:24] <= d;
          HDR: pl0 <= d;
          HDR + 1: pl1 <= d;
          HDR + 2: pl2 <= d;
          default: ;
        endcase
        if (cnt == HDR) pl_b_seen <= 1'b0;
        if (cnt > HDR && cnt == HDR + 1 + {pl0, 2'b00}) begin
          pl_b <= d;
          pl_b_seen <= 1'b1;
        end
        last4 <= {d, last4[31:8]};
        wire_in <= wire_in + 1'b1;
      end
      // decide
      wb <= 1'b0;
      if (req && dph < 2) begin
        dph <= dph + 1'b1;
        if (dph == 1) ctag <= cq;
      end else if (req) begin
        req <= 1'b0;
        dph <= 0;
        if (is_resp) begin
          // a response echoed back: not a request
        end else if (hit) begin
          if (!x_valid || x_take) begin
            x_valid <= 1'b1;
            {x_seq, x_op, x_code, x_exp} <= {h_seq, cq[15:8], 4'd0, cq[7:4], seq_next};
          end
        end else if (h_ver != `SW_PROTOCOL_VERSION) begin
          if (!x_valid || x_take) begin
            x_valid <= 1'b1;
            {x_seq, x_op, x_code, x_exp} <= {h_seq, h_op, ERR_BAD_VERSION, expected};
          end
        end else if (!in_order) begin
          // no session yet, or ahead by less than half the seq space: out_of_order; else behind: stale_seq
          if (!x_valid || x_take) begin
            x_valid <= 1'b1;
            {x_seq, x_op, x_code, x_exp} <= {h_seq, h_op, (!session || !ahead[15]) ? ERR_OUT_OF_ORDER : ERR_STALE_SEQ, expected};
          end
        end else if (exec_req) begin
          xq <= 1'b1;                  // the executor runs it; its result code comes later
        end else begin
          wb <= 1'b1;                  // run (the opcode word is written now, see c_we)
          w_code <= run_code[3:0];
        end
      end
      if (xq && !tx_busy_any) xq <= 1'b0;   // the executor starts (e_go)
      if (e_done) begin                // the opcode word is written now (c_we), result words, the CRC word
        xw <= 3'd2;
        w_code <= e_code;
      end
      if (xw != 0) xw <= xw + 1'b1;
      if (xw == 3'd6) begin
        xw <= 3'd0;
        wb <= 1'b1;
      end
      if (wb) begin
        if (identify) sent <= h_seq;   // a new session: its first response is the next to send
        if (identify) session <= 1'b1;
        cvalid <= (identify ? {W{1'b0}} : cvalid) | ({{(W-1){1'b0}}, 1'b1} << idx);
        expected <= seq_next;
        if (ctr_reset) wire_in <= 0;   // RESET: the boot state; CONFIGURE: fresh counters (after counting this frame)
        reset_run <= ctr_reset;
      end
    end
  end

  // ---- transmit: frame builder, CRC, SLIP encoder ---------------------------------------------------
  localparam [2:0] T_IDLE = 0, T_BYTE = 1, T_SEND = 2, T_SEND2 = 3, T_END = 4, T_FETCH = 5, T_R2 = 6, T_R3 = 7;
  reg [2:0] ts;
  reg [15:0] t_seq, t_exp;
  reg [7:0] t_op, t_code;
  reg [10:0] t_n;             // payload bytes (the largest response is READ_WEIGHTS's, SW_BULK_PAYLOAD)
  reg [10:0] t_i;             // frame byte index
  reg [7:0] cur;
  reg [31:0] snap_in;          // wire_in when the response started (later requests may count meanwhile)
  wire tx_ready = !tx_busy && !tx_start;
  wire crc_ready = !tx_crc_busy && !tx_crc_init && !tx_crc_start;
  // an IDENTIFY payload byte comes from the EBR: read it (when the decision leaves the port free),
  // then take it the next clock (nothing else reads in between: the CRC stays ready, the state stays)
  wire rom_need = ts == T_BYTE && !t_nak && (t_op == `SW_OP_IDENTIFY || (t_op == `SW_OP_INFER && p >= `SW_RUN_RESULT_BYTES))
    && t_i >= HDR && t_i < HDR + t_n;
  wire [10:0] pk = p - `SW_RUN_RESULT_BYTES;   // INFER: prediction index
  // an ACK with result words reads them from the cache first (T_R2 reads word rk, T_R3 takes it);
  // a READ_WEIGHTS response then sets up the weight stream (s_setup, wait s_ready), and each even
  // payload byte fetches a weight
  wire rw_ack = !t_nak && t_op == `SW_OP_READ_WEIGHTS;
  reg [2:0] rk;
  wire r_rd = ts == T_R2 && !dec_rd;
  reg s_got, s_pend, s_set;
  function has_results;       // an ACK whose payload comes from result words
    input [7:0] op;
    has_results = op == `SW_OP_READ_WEIGHTS || op == `SW_OP_STREAM_SAMPLES || op == `SW_OP_TRAIN || op == `SW_OP_INFER;
  endfunction
  wire s_need = ts == T_BYTE && rw_ack && t_i >= HDR && t_i < HDR + t_n && !p[0];
  assign s_setup = ts == T_BYTE && rw_ack && t_i == 0 && !s_set && smp_idle;
  assign s_req = crc_ready && s_need && !s_got && !s_pend;
  reg rom_got;
  wire rom_rd = crc_ready && rom_need && !rom_got && !dec_rd;
  wire t_nak = t_code != 0;

  // the next response: the extra slot first, else the run response of seq `sent`, whose opcode word
  // is read from the cache when the decision leaves the read port free (T_IDLE), used in T_FETCH
  wire run_pending = sent != expected;
  wire tx_rd = ts == T_IDLE && !x_valid && run_pending && !dec_rd;
  wire fetched = ts == T_FETCH;
  wire [15:0] n_seq = fetched ? sent : x_seq;
  wire [7:0] n_op = fetched ? cq[15:8] : x_op;
  wire [7:0] n_code = fetched ? {4'd0, cq[7:4]} : x_code;
  wire [15:0] n_exp = fetched ? sent + 1'b1 : x_exp;
  assign tx_busy_any = ts != T_IDLE || x_valid || run_pending;
  assign busy = tx_busy_any || blocked;
  assign x_take = ts == T_IDLE && x_valid;
  assign run_take = fetched;
  // the read port: the decision, the transmitter and the executor never read in the same clock (the
  // executor runs only while the others are idle); the write port: the decision's writes come a
  // clock or three after a frame's END, the frame buffer's a byte time later at the earliest
  assign c_re = dec_rd || tx_rd || rom_rd || e_rd || r_rd || l_gnt;
  assign c_raddr = dec_rd ? {{(MW-WB-3){1'b0}}, idx, 2'b00, dph[0]} : rom_rd ? ((t_op == `SW_OP_INFER) ? PRED_AT + pk[7:1] : ROM_AT + p[7:1]) : e_rd ? FB_AT + e_rd_addr[7:1]
    : l_gnt ? FB_AT + l_addr
    : tx_rd ? {{(MW-WB-3){1'b0}}, sent[WB-1:0], 3'd1} : {{(MW-WB-3){1'b0}}, t_seq[WB-1:0], rk};
  wire run_plain = run_now && !exec_req;
  // an entry: word 0 the request's CRC[15:0], 1 {opcode, code, 0}, 2.. the result words (READ_WEIGHTS:
  // 2 offset, 3 {junction, count}); the result words are written before the CRC word (wb), which
  // advances `expected`, so the transmitter reads them only after they are there
  assign c_we = run_plain || wb || e_done || xw != 0 || fb_we || e_pw;
  assign c_waddr = (run_plain || e_done) ? {{(MW-WB-3){1'b0}}, idx, 3'd1} : wb ? {{(MW-WB-3){1'b0}}, idx, 3'd0}
    : xw != 0 ? {{(MW-WB-3){1'b0}}, idx, xw} : e_pw ? PRED_AT + e_pw_addr : FB_AT + fb_i[7:1];
  assign c_wdata = wb ? last4[15:0] : run_plain ? {h_op, run_code[3:0], 4'd0} : e_done ? {h_op, e_code, 4'd0}
    : xw == 3'd2 ? e_res2 : xw == 3'd3 ? e_res3 : xw == 3'd4 ? e_res4 : xw == 3'd5 ? e_res5 : xw == 3'd6 ? e_res6
    : e_pw ? e_pw_data : fb_i[0] ? {d, fb_prev} : {8'd0, d};

  reg [10:0] n_of;
  always @(*) begin
    case (n_op)
      `SW_OP_IDENTIFY: n_of = `SW_IDENT_BYTES;
      `SW_OP_STATUS: n_of = `SW_STATUS_BYTES;
      `SW_OP_READ_COUNTERS: n_of = `SW_COUNTERS_BYTES_UNCONFIGURED + (configured ? cfg_L[2:0] * `SW_COUNTERS_JUNCTION_BYTES : 0);
      `SW_OP_STREAM_SAMPLES: n_of = `SW_STREAM_RESPONSE_BYTES;
      `SW_OP_TRAIN, `SW_OP_INFER: n_of = `SW_RUN_RESULT_BYTES;   // INFER: + n, once r2 is read
      default: n_of = 0;
    endcase
    if (n_code != 0) n_of = `SW_NAK_BYTES;
  end

  reg [7:0] pb, tb;           // payload byte, frame byte (below)
  wire tx_crc_busy;
  wire [31:0] tx_crc;
  reg tx_crc_init, tx_crc_start;
  sw_crc32 u_tx_crc (.clk(clk), .init(tx_crc_init), .start(tx_crc_start), .data(tb), .busy(tx_crc_busy), .crc(tx_crc));

  // byte t_i of the response frame
  wire [10:0] p = t_i - HDR;                // payload byte index
  wire [10:0] k = t_i - HDR - t_n;          // CRC byte index
  localparam [31:0] BOOT = `SW_BOOT_COUNT;
  localparam integer ST_BOOT = `SW_STATUS_AT_BOOT_COUNT;
  localparam integer ST_BS = `SW_STATUS_AT_BUFFERED_SAMPLES, ST_BB = `SW_STATUS_AT_BUFFERED_BYTES;
  localparam integer ST_CONF = `SW_STATUS_AT_CONFIGURED, ST_SEED = `SW_STATUS_AT_SEEDED, ST_RS = `SW_STATUS_AT_ROUNDING_STATE;
  localparam integer C_IN = `SW_COUNTERS_AT_WIRE_BYTES_IN, C_OUT = `SW_COUNTERS_AT_WIRE_BYTES_OUT;
  localparam integer C_CLK = `SW_COUNTERS_AT_CLOCKS, C_JC = `SW_COUNTERS_AT_JUNCTION_CYCLES;
  localparam integer C_ST = `SW_COUNTERS_AT_SAMPLES_TRAINED, C_SI = `SW_COUNTERS_AT_SAMPLES_INFERRED;
  localparam integer C_JL = `SW_COUNTERS_AT_JUNCTIONS;
  wire [31:0] crc_out = ~tx_crc;
  always @(*) begin
    pb = 8'd0;
    if (t_nak) case (p)
      0: pb = t_op;
      1: pb = t_code;
      2: pb = t_exp[7:0];
      3: pb = t_exp[15:8];
      default: pb = 8'd0;             // message: empty string (u16 length 0)
    endcase else case (t_op)
      `SW_OP_IDENTIFY: pb = p[0] ? cq[15:8] : cq[7:0];   // read from the EBR (rom_rd) the clock before
      `SW_OP_READ_WEIGHTS: pb = p[0] ? s_word[15:8] : s_word[7:0];   // int16 little-endian
      `SW_OP_STREAM_SAMPLES: case (p)   // bufferedSamples u32
        0: pb = r2[7:0];
        1: pb = r2[15:8];
        default: pb = 8'd0;
      endcase
      `SW_OP_TRAIN, `SW_OP_INFER: if (p >= `SW_RUN_RESULT_BYTES) pb = pk[0] ? cq[15:8] : cq[7:0];   // predictions (rom_rd)
      else case (p)   // samples u32, correct u32, junctionCycles u64, clocks u64
        0: pb = r2[7:0];
        1: pb = r2[15:8];
        4: pb = r3[7:0];
        5: pb = r3[15:8];
        8: pb = r4[7:0];
        9: pb = r4[15:8];
        16: pb = r5[7:0];
        17: pb = r5[15:8];
        18: pb = r6[7:0];
        19: pb = r6[15:8];
        default: pb = 8'd0;
      endcase
      `SW_OP_STATUS: case (p)
        ST_CONF: pb = {7'd0, configured};
        ST_BS + 0: pb = r_nbuf[7:0];
        ST_BS + 1: pb = r_nbuf[15:8];
        ST_BB + 0: pb = r_bytes[7:0];
        ST_BB + 1: pb = r_bytes[15:8];
        ST_SEED: pb = {7'd0, seeded};
        ST_RS + 0: pb = rseed[7:0];
        ST_RS + 1: pb = rseed[15:8];
        ST_RS + 2: pb = rseed[23:16];
        ST_RS + 3: pb = rseed[31:24];
        ST_BOOT + 0: pb = BOOT[7:0];
        ST_BOOT + 1: pb = BOOT[15:8];
        ST_BOOT + 2: pb = BOOT[23:16];
        ST_BOOT + 3: pb = BOOT[31:24];
        default: pb = 8'd0;
      endcase
      `SW_OP_READ_COUNTERS: case (p)   // u64 fields: the low 32 bits counted, the rest 0
        C_CLK + 0: pb = cnt_clocks[7:0];
        C_CLK + 1: pb = cnt_clocks[15:8];
        C_CLK + 2: pb = cnt_clocks[23:16];
        C_CLK + 3: pb = cnt_clocks[31:24];
        C_JC + 0: pb = cnt_jcycles[7:0];
        C_JC + 1: pb = cnt_jcycles[15:8];
        C_JC + 2: pb = cnt_jcycles[23:16];
        C_JC + 3: pb = cnt_jcycles[31:24];
        C_ST + 0: pb = cnt_trained[7:0];
        C_ST + 1: pb = cnt_trained[15:8];
        C_ST + 2: pb = cnt_trained[23:16];
        C_ST + 3: pb = cnt_trained[31:24];
        C_SI + 0: pb = cnt_inferred[7:0];
        C_SI + 1: pb = cnt_inferred[15:8];
        C_SI + 2: pb = cnt_inferred[23:16];
        C_SI + 3: pb = cnt_inferred[31:24];
        C_JL: pb = configured ? cfg_L : 8'd0;   // the junctions, each entry all 0 with no lanes
        C_IN + 0: pb = snap_in[7:0];
        C_IN + 1: pb = snap_in[15:8];
        C_IN + 2: pb = snap_in[23:16];
        C_IN + 3: pb = snap_in[31:24];
        C_OUT + 0: pb = wire_out[7:0];   // changes only after a response is sent: no snapshot needed
        C_OUT + 1: pb = wire_out[15:8];
        C_OUT + 2: pb = wire_out[23:16];
        C_OUT + 3: pb = wire_out[31:24];
        default: pb = 8'd0;
      endcase
      default: pb = 8'd0;
    endcase
    case (t_i)
      0: tb = `SW_PROTOCOL_VERSION;
      1: tb = t_seq[7:0];
      2: tb = t_seq[15:8];
      3: tb = t_nak ? `SW_NAK : (`SW_RESPONSE_FLAG | t_op);
      4: tb = t_n[7:0];
      5: tb = {5'd0, t_n[10:8]};
      6, 7: tb = 8'd0;
      default: if (t_i < HDR + t_n) tb = pb;
        else case (k[1:0])
          2'd0: tb = crc_out[7:0];
          2'd1: tb = crc_out[15:8];
          2'd2: tb = crc_out[23:16];
          default: tb = crc_out[31:24];
        endcase
    endcase
  end

  always @(posedge clk) begin
    tx_start <= 1'b0;
    tx_crc_init <= 1'b0;
    tx_crc_start <= 1'b0;
    if (rst) begin
      ts <= T_IDLE;
      wire_out <= 0;
      rom_got <= 1'b0;
      s_got <= 1'b0;
      s_pend <= 1'b0;
    end else begin
      case (ts)
        T_IDLE: if (tx_rd) ts <= T_FETCH;
        else if (x_valid) begin
          {t_seq, t_op, t_code, t_exp} <= {n_seq, n_op, n_code, n_exp};
          t_n <= n_of;
          t_i <= 0;
          snap_in <= wire_in;
          tx_crc_init <= 1'b1;
          rk <= 3'd2;
          s_set <= 1'b0;
          ts <= (has_results(n_op) && n_code == 0) ? T_R2 : T_BYTE;
        end
        T_FETCH: begin
          {t_seq, t_op, t_code, t_exp} <= {n_seq, n_op, n_code, n_exp};
          t_n <= n_of;
          t_i <= 0;
          snap_in <= wire_in;
          tx_crc_init <= 1'b1;
          rk <= 3'd2;
          s_set <= 1'b0;
          ts <= (has_results(n_op) && n_code == 0) ? T_R2 : T_BYTE;
        end
        T_R2: if (r_rd) ts <= T_R3;              // word rk read
        T_R3: begin                             // word rk is in cq
          case (rk)
            2: r2 <= cq;
            3: begin
              r3 <= cq;
              if (t_op == `SW_OP_READ_WEIGHTS) t_n <= {cq[9:0], 1'b0};
            end
            4: r4 <= cq;
            5: r5 <= cq;
            default: begin
              r6 <= cq;
              // INFER: the predictions follow the fixed fields (n of them)
              if (t_op == `SW_OP_INFER) t_n <= `SW_RUN_RESULT_BYTES + r2[10:0];
            end
          endcase
          rk <= rk + 1'b1;
          ts <= (rk == 3'd6 || (rk == 3'd3 && t_op == `SW_OP_READ_WEIGHTS) || (rk == 3'd2 && t_op == `SW_OP_STREAM_SAMPLES)) ? T_BYTE : T_R2;
        end
        T_BYTE: if (crc_ready && rom_need && !rom_got) begin
          if (rom_rd) rom_got <= 1'b1;        // cq holds the byte next clock
        end else if (rw_ack && t_i == 0 && !s_set) begin
          if (smp_idle) s_set <= 1'b1;       // s_setup now (the sample writer is done with the banks)
        end else if (rw_ack && !s_ready) begin
          // the stream is being set up
        end else if (crc_ready && s_need && !s_got) begin
          if (s_req) s_pend <= 1'b1;
          if (s_valid) begin
            s_pend <= 1'b0;
            s_got <= 1'b1;
          end
        end else if (crc_ready) begin
          rom_got <= 1'b0;
          s_got <= 1'b0;
          cur <= tb;
          if (t_i < HDR + t_n) tx_crc_start <= 1'b1;
          ts <= T_SEND;
        end
        T_SEND, T_SEND2: if (tx_ready) begin
          tx_start <= 1'b1;
          if (ts == T_SEND && (cur == END || cur == ESC)) begin
            tx_data <= ESC;
            ts <= T_SEND2;
          end else begin
            tx_data <= (ts == T_SEND) ? cur : (cur == END) ? ESC_END : ESC_ESC;
            t_i <= t_i + 1'b1;
            ts <= (t_i + 1'b1 == HDR + t_n + CRCB) ? T_END : T_BYTE;
          end
        end
        T_END: if (tx_ready) begin
          tx_start <= 1'b1;
          tx_data <= END;
          wire_out <= wire_out + HDR + CRCB + t_n;
          ts <= T_IDLE;
        end
        default: ts <= T_IDLE;
      endcase
      // RESET: the counters start again (the reset's own response counts, as the emulator's does)
      if (reset_run) wire_out <= 0;
    end
  end
endmodule
