`default_nettype none
`include "spec.vh"
// The sequencer: runs LOAD_SEEDS and a pipelined TRAIN (firmware-spec/SPEC.md section 6, firmware-spec/schedule.ts)
// on one time-shared junction engine (sw_junction). The host only writes the store (descriptor, samples,
// labels) and issues commands; everything between is here: the schedule, input bytes to activations,
// carrying activations between junctions, the output error, the DFA feedback (matrix drawn from its
// seed, and applied), and the count of correctly classified samples.
//
// Schedule. Junction cycle t, junctions j = 1..L in turn (the engine is shared):
//   FF   of sample t-(j-1), when in range;
//   BP+UP of sample t-(2L-j) (backprop; BP for j > 1 only), or UP of sample t-L (DFA).
// Per junction, FF runs before BP+UP, and both read the weights before UP writes them back, so every
// pass sees the weights as they were at the start of the cycle: the spec's pipelined order, bit for bit.
// A pass: load the junction's descriptor, re-draw its start vector from its seed, copy the left
// activations (and right deltas) into the engine, run the pass, copy the results out.
// After every junction cycle `cycle_done` pulses; with `hold` high the sequencer then pauses (the
// external engine port is live, e.g. to read weights) until `resume`.
// Clocks: a TRAIN's `clocks` is a function of the descriptor and n only, written down in
// firmware-spec/timing.ts ('shared-engine', the up5k profile's timing model). A change here that adds
// or removes a clock must change that model too; npm run test:rtl checks that the two agree.
//
// The store port (st_we, st_addr, st_wdata; 16-bit words; write it only while the sequencer is idle)
// addresses two memories, by st_addr's top bit (PB = SW_SEQ_PORT_BITS bits on the up5k build):
//   0: the store (one EBR memory of 2^SAB words), address st_addr[SAB-1:0]:
//   0..31          globals: 0 L, 1 dfa, 2 lrShift, 3 feedbackShift, 4/5 feedbackSeed lo/hi,
//                  6 slot bits (activation slots 2^b per layer, >= the longest lifetime),
//                  7 record bytes r = p + 1 of the input layer (a label byte and p input bytes),
//                  8 head: ring byte address of the first record of the next TRAIN
//   32+32j ..      junction j (0-based): 0 z, 1 m = p/z, 2 fo, 3 fi, 4 wbase, 5 initShift, 6 sigmoid,
//                  7/8 connectivitySeed lo/hi, 9/10 initSeed lo/hi, 11 p, 12 n,
//                  13 abase (activations of its right layer: slot s at abase + (s << ashift)),
//                  14 ashift = ceil(log2 n) (also the DFA matrix's column width), 15 dbase (deltas of its right layer: parity q at dbase + (q << ashift)),
//                  16 fbbase (DFA matrix rows of its right layer, hidden layers only: {sign, col})
//   then           activation slots, deltas, DFA rows: firmware-spec/store.ts storeLayout
//   1: the sample ring, word w = st_addr[RGB-1:0] (SW_RING_WORDS words, 2 input bytes each, byte 2w
//      in bits 7..0 and byte 2w+1 in bits 15..8), kept in the top rows of the engine's weight banks:
//      word w is row SW_RING_ROW_BASE + (w >> log2 Z) of lane w mod Z. Samples are records of r bytes
//      at consecutive byte addresses modulo the ring (2^RBB bytes): the label, then the p input bytes.
//      TRAIN sample x's record starts at byte head + x * r (mod 2^RBB); its input bytes are the input
//      layer's activations (no copy of them is kept in the store). The host appends records at its
//      tail and sets `head` before each TRAIN; a word write replaces both bytes, so write bytes in
//      order and rewrite a word's earlier byte with its later one.
// The host lays the store out (no region may overlap); firmware-spec checks the limits.
module sw_seq #(
  parameter integer Z = `SW_LANES,
  parameter integer SAB = `SW_SEQ_ADDR_BITS,  // store address bits
  parameter integer RGB = `SW_RING_BITS,      // sample ring word address bits
  parameter integer PB = 1 + ((SAB > RGB) ? SAB : RGB),  // store port address bits (SW_SEQ_PORT_BITS)
  parameter integer CWB = $clog2(`SW_CPU_RAM_BYTES / 4),  // CPU RAM word address bits
  // 1: LOAD_SEEDS also draws the DFA matrix from the feedback seed into the store; 0: the control plane
  // writes the matrix rows itself (the soft-CPU top's firmware does, saving this logic)
  parameter integer MATRIX_DRAW = 1,
  // 1: LOAD_SEEDS draws every junction's initial weights (sw_junction INIT_DRAW); 0: the control plane
  // writes them through the external engine port (the soft-CPU top's firmware)
  parameter integer INIT_DRAW = 1
) (
  input  wire            clk,
  input  wire            rst,
  // store write port (idle only)
  input  wire            st_we,
  input  wire [PB-1:0]   st_addr,
  input  wire [15:0]     st_wdata,
  // commands (accepted when `ready`): 0 LOAD_SEEDS (initial weights of every junction, the DFA
  // matrix), 1 TRAIN cmd_n samples, 2 SELECT junction cmd_n for the external port (idle or paused),
  // 3 INFER cmd_n samples (TRAIN's schedule and clocks with no BP or UP: n + L - 1 junction cycles)
  input  wire            cmd_valid,
  input  wire [1:0]      cmd,
  input  wire [15:0]     cmd_n,
  output wire            busy,
  output wire            ready,
  input  wire            hold,
  input  wire            resume,
  output reg             cycle_done,
  output wire            paused,
  output wire [15:0]     correct,      // TRAIN, INFER: samples whose FF output's argmax is the label
  output reg             pred_valid,   // TRAIN, INFER: a sample's argmax (`pred`), in sample order
  output wire [15:0]     pred,         // valid in the clock pred_valid is high
  output wire [15:0]     jcycles,      // TRAIN: junction cycles run
  output reg  [31:0]     clocks,       // TRAIN: clocks from the command to done
  // external engine port: the engine's host port, on the SELECTed junction; drive its strobes only
  // while `ready` (they are OR-ed with the sequencer's own)
  input  wire [2:0]      x_hp_sel,
  input  wire            x_hp_start,
  input  wire            x_hp_wr,
  input  wire [15:0]     x_hp_wdata,
  input  wire            x_hp_rd,
  output wire            x_hp_rvalid,
  output wire [15:0]     x_hp_rdata,
  // external sample-ring read (idle only): word st_addr[RGB-1:0], on x_rg_q the clock after x_rg_re
  input  wire            x_rg_re,
  output wire [15:0]     x_rg_q,
  // the board CPU's RAM in the engine's banks (sw_junction.v c_*: served when the engine leaves it be)
  input  wire            c_req,
  input  wire [3:0]      c_wstrb,
  input  wire [CWB-1:0]  c_word,
  input  wire [31:0]     c_wdata,
  output wire            c_gnt,
  output wire [31:0]     c_rdata
);
  localparam integer RB = `SW_AROW_BITS;
  localparam integer NB = `SW_NEURON_BITS;
  localparam integer WB = `SW_WROW_BITS;
  localparam integer AB = `SW_ACT_BITS;
  localparam integer DB = `SW_D_BITS;
  localparam [AB-1:0] AHI = {1'b0, {(AB-1){1'b1}}};
  localparam [2:0] HP_ALEFT = 3'd0, HP_DLEFT = 3'd1, HP_DRIGHT = 3'd2, HP_WEIGHT = 3'd3;
  localparam [1:0] E_DRAW_SV = 2'd0, E_INIT_W = 2'd1, E_PASS = 2'd2;
  localparam integer RBB = RGB + 1;                      // ring byte address bits
  localparam integer CAW = (SAB > RBB) ? SAB : RBB;      // a copy's source address: store or ring
  localparam integer LB = (Z > 1) ? $clog2(Z) : 1;       // ring word -> lane bits
  localparam integer WBB = `SW_WROW_BITS;
  localparam [WBB-1:0] RING_ROW = `SW_RING_ROW_BASE;

  // ---------------------------------------------------------------- state
  localparam [5:0]
    S_IDLE = 0, S_GLOB = 1, S_INIT_J = 2, S_INIT_W = 3, S_FBG_J = 4, S_FBG_H = 5, S_FBG_BITS = 6,
    S_FBG_SIGN = 7, S_DONE = 8, S_CYC = 9, S_J = 10, S_LD_AUX = 11, S_SV = 12, S_FF_A = 13,
    S_FF_RUN = 14, S_FF_OUT = 15, S_FF_LBL = 16, S_FF_SCORE = 17, S_DFA_J = 18, S_DFA_H = 19,
    S_DFA_A = 20, S_DFA_E = 21, S_DFA_W = 22, S_UP_A = 23, S_UP_D = 24, S_UP_RUN = 25, S_UP_BP = 26,
    S_NEXT_J = 27, S_CYC_END = 28, S_PAUSE = 29, S_LOAD = 30, S_ECMD = 31, S_EWAIT0 = 32,
    S_EWAIT1 = 33, S_HPSTART = 34, S_COPY = 35, S_FF_LBL2 = 36, S_FBG_SEED = 37, S_ADDR = 38,
    S_DFA_P = 39, S_DFA_V = 40, S_DFA_S = 41, S_FBG_P = 42;
  reg [5:0] st, ret;

  // globals
  reg [2:0] g_L;
  reg g_dfa;
  reg g_inf;                 // the command is INFER
  reg [4:0] g_lr;
  reg [3:0] g_fbs;
  reg [3:0] g_slotb;
  reg [NB-1:0] g_rec;        // record bytes of a sample (label + inputs)
  reg [RBB-1:0] g_head;      // ring byte address of the TRAIN's first record
  // the current junction (cur) and the one before it or a hidden layer (aux)
  localparam integer ZB = $clog2(Z + 1);   // bits of z <= Z
  reg [ZB-1:0] c_z;
  reg [RB:0] c_m;
  reg [NB-1:0] c_fo, c_fi, c_p, c_n;
  reg [WB-1:0] c_wbase;
  reg [4:0] c_ishift;
  reg c_sig;
  // connectivity seed (TRAIN), initial-weight seed (LOAD_SEEDS), feedback seed; during the DFA
  // matrix draw it is that draw's LFSR (loaded with the feedback seed; every later use reloads it)
  reg [31:0] c_seed;
  reg fl_step;               // the matrix draw steps the LFSR (dfaFeedback: per hidden neuron, below(nL) then one sign bit)
  wire fl_bit = c_seed[0];   // the bit the next step emits (sw_lfsr.v)
  reg init_mode;
  reg [SAB-1:0] c_abase, c_dbase;
  reg [3:0] c_ashift;
  reg [NB-1:0] a_n;
  reg [SAB-1:0] a_abase, a_dbase, a_fbbase;
  reg [3:0] a_ashift;

  // ---------------------------------------------------------------- store
  reg s_we;
  reg [SAB-1:0] s_waddr, s_raddr;
  reg [15:0] s_wdata;
  reg s_re;
  wire [15:0] s_q;
  wire idle = (st == S_IDLE);
  wire st_ring = st_addr[PB-1];
  sw_ram #(.DW(16), .AW(SAB)) u_store (
    .clk(clk), .we(idle ? (st_we && !st_ring) : s_we), .waddr(idle ? st_addr[SAB-1:0] : s_waddr),
    .wdata(idle ? st_wdata : s_wdata), .re(s_re), .raddr(s_raddr), .rdata(s_q));

  // ---------------------------------------------------------------- sample ring (in the engine's banks)
  // writes from the store port while idle; reads (rg_re, byte address rg_b) from copies and the label
  // read, data one clock after the read register like the store's
  wire sp_w = idle && st_we && st_ring;
  // the SPRAM accesses of the engine's ports that the sequencer and its external port may make this
  // clock, from registers only (a superset: sw_junction withholds the CPU's access from the banks then)
  wire c_block = rg_re || x_rg_re || (st_we && st_ring) || ((x_hp_rd || x_hp_wr) && x_hp_sel == HP_WEIGHT);
  reg rg_re;
  reg [RBB-1:0] rg_b;
  wire [RGB-1:0] sp_word = idle ? st_addr[RGB-1:0] : rg_b[RBB-1:1];
  wire [WBB-1:0] sp_row = RING_ROW | ({{(WBB-RGB){1'b0}}, sp_word} >> LB);
  wire [7:0] sp_bank = {{(8-LB){1'b0}}, sp_word[LB-1:0]};
  wire [Z*16-1:0] e_wq;
  reg [LB-1:0] rg_lane1;
  reg rg_hi1;
  always @(posedge clk) begin
    rg_lane1 <= rg_b[LB:1];
    rg_hi1 <= rg_b[0];
  end
  wire [15:0] rg_word = e_wq[rg_lane1*16 +: 16];
  wire [7:0] rg_q = rg_hi1 ? rg_word[15:8] : rg_word[7:0];
  reg [LB-1:0] x_rg_lane1;
  always @(posedge clk) x_rg_lane1 <= st_addr[LB-1:0];
  assign x_rg_q = e_wq[x_rg_lane1*16 +: 16];

  // ---------------------------------------------------------------- engine
  reg e_cmd_valid;
  reg [1:0] e_cmd;
  reg e_ff, e_bp, e_up;
  reg [2:0] e_hp_sel;
  wire e_busy;
  wire e_hp_rvalid;
  wire [15:0] e_hp_rdata;
  wire e_ff_valid;
  wire [AB-1:0] e_ff_data;
  wire [Z*RB-1:0] e_sv;
  // The engine's host port belongs to the copies from a copy's start to its end (cp_use, a register)
  // and to the external port otherwise. The strobes are OR-ed: the external port is driven only while
  // `ready` (idle or paused), when the copies' strobes are 0. No state decode reaches the engine.
  reg cp_use, cp_to_e, e_hp_start_r;
  reg cp_wv;          // copy write stage valid
  reg [15:0] cp_wd;
  reg [1:0] cp_dst;   // 0 engine, 1 store, 2 output unit
  reg cp_src_e;       // source: 1 engine host port, 0 store
  reg cp_conv;        // source words are input bytes
  reg [NB-1:0] cp_n, cp_i, cp_o;
  reg [CAW-1:0] cp_raddr;
  reg [SAB-1:0] cp_waddr;
  // a word is issued in this clock: a register (set in S_HPSTART, cleared after the last word), so the
  // engine's host port and the SPRAM behind it see no counter compare
  reg cp_on;
  wire cp_issue = cp_on;
  sw_junction #(.Z(Z), .INIT_DRAW(INIT_DRAW)) u_eng (
    .clk(clk), .rst(rst),
    .cfg_z({{(8-ZB){1'b0}}, c_z}), .cfg_m(c_m), .cfg_fo(c_fo), .cfg_fi(c_fi), .cfg_wbase(c_wbase), .cfg_lr(g_lr),
    .cfg_init_shift(c_ishift), .cfg_sigmoid(c_sig),
    .cmd_valid(e_cmd_valid), .cmd(e_cmd), .cmd_seed(c_seed), .cmd_ff(e_ff), .cmd_bp(e_bp), .cmd_up(e_up),
    .busy(e_busy),
    .hp_sel(cp_use ? e_hp_sel : x_hp_sel),
    .hp_start(x_hp_start | e_hp_start_r),
    .hp_wr(x_hp_wr | (cp_wv && cp_to_e)),
    .hp_wdata(cp_use ? cp_wd : (sp_w ? st_wdata : x_hp_wdata)),
    .hp_rd(x_hp_rd | (cp_issue && cp_src_e)),
    .hp_rvalid(e_hp_rvalid), .hp_rdata(e_hp_rdata),
    .ff_valid(e_ff_valid), .ff_data(e_ff_data), .sv(e_sv),
    .sp_re(rg_re || (idle && x_rg_re)), .sp_we(sp_w), .c_block(c_block), .sp_row(sp_row), .sp_bank(sp_bank), .w_q(e_wq),
    .c_req(c_req), .c_wstrb(c_wstrb), .c_word(c_word), .c_wdata(c_wdata), .c_gnt(c_gnt), .c_rdata(c_rdata));
  assign x_hp_rvalid = e_hp_rvalid;
  assign x_hp_rdata = e_hp_rdata;

  // ---------------------------------------------------------------- schedule counters
  // SAB + 1 bits count a command's samples and its cycles (n + 2L - 1): a TRAIN or INFER takes at most
  // 2^(SAB+1) - 2L samples (2,040 on up5k; the ring holds at most 41 MNIST records), larger runs go in parts
  reg [SAB:0] n_smp;         // samples of this TRAIN
  reg [SAB:0] t, t_end;      // junction cycle, cycles of the TRAIN
  reg [2:0] jj;              // junction (0-based)
  reg [2:0] q;               // hidden layer (0-based junction) of DFA and of the matrix draw
  reg [SAB:0] xs;            // sample of the current pass
  reg ph_up;                 // the current junction's UP pass is next / running
  wire [3:0] L2 = {g_L, 1'b0};
  wire [SAB:0] off_up = g_dfa ? {{(SAB-2){1'b0}}, g_L} : {{(SAB-3){1'b0}}, L2 - 4'd1 - {1'b0, jj}};
  // t >= jj and t >= off_up as the borrows of the same subtractions (one adder each)
  wire [SAB+1:0] xf_b = {1'b0, t} - {{(SAB-1){1'b0}}, jj};
  wire [SAB+1:0] xu_b = {1'b0, t} - {1'b0, off_up};
  wire [SAB:0] xf = xf_b[SAB:0];   // t - jj
  wire [SAB:0] xu = xu_b[SAB:0];   // t - off_up
  wire ff_ok = !xf_b[SAB+1] && (xf < n_smp);
  wire up_ok = !g_inf && !xu_b[SAB+1] && (xu < n_smp);
  wire last_j = (jj + 1'b1 == g_L);
  wire par_w = t[0];         // deltas made in cycle t, read in cycle t+1
  wire [2:0] slot = xs[2:0] & ~(3'b111 << g_slotb);

  // ---------------------------------------------------------------- loader: K words from the store
  // into the globals (set 0), the current junction (1) or aux (2)
  reg [1:0] ld_set;
  reg [4:0] ld_i, ld_c, ld_c1, ld_k;
  reg ld_v, ld_v1;
  reg [SAB-1:0] ld_ptr;      // the next word to read
  always @(posedge clk) begin
    if (st == S_LOAD && ld_v) begin
      case (ld_set)
        2'd0: case (ld_c)
          0: g_L <= s_q[2:0];
          1: g_dfa <= s_q[0];
          2: g_lr <= s_q[4:0];
          3: g_fbs <= s_q[3:0];
          6: g_slotb <= s_q[3:0];
          7: g_rec <= s_q[NB-1:0];
          8: g_head <= s_q[RBB-1:0];
          default: ;
        endcase
        2'd1: case (ld_c)
          0: c_z <= s_q[ZB-1:0];
          1: c_m <= s_q[RB:0];
          2: c_fo <= s_q[NB-1:0];
          3: c_fi <= s_q[NB-1:0];
          4: c_wbase <= s_q[WB-1:0];
          5: c_ishift <= s_q[4:0];
          6: c_sig <= s_q[0];
          7: if (!init_mode) c_seed[15:0] <= s_q;
          8: if (!init_mode) c_seed[31:16] <= s_q;
          9: if (init_mode) c_seed[15:0] <= s_q;
          10: if (init_mode) c_seed[31:16] <= s_q;
          11: c_p <= s_q[NB-1:0];
          12: c_n <= s_q[NB-1:0];
          13: c_abase <= s_q[SAB-1:0];
          14: c_ashift <= s_q[3:0];
          15: c_dbase <= s_q[SAB-1:0];
          default: ;
        endcase
        2'd3: case (ld_c)       // a seed pair (the feedback seed)
          0: c_seed[15:0] <= s_q;
          1: c_seed[31:16] <= s_q;
          default: ;
        endcase
        default: case (ld_c)
          12: a_n <= s_q[NB-1:0];
          13: a_abase <= s_q[SAB-1:0];
          14: a_ashift <= s_q[3:0];
          15: a_dbase <= s_q[SAB-1:0];
          16: a_fbbase <= s_q[SAB-1:0];
          default: ;
        endcase
      endcase
    end else if (fl_step) c_seed <= fl_bit ? ((c_seed >> 1) ^ `SW_LFSR_MASK_32) : (c_seed >> 1);  // lfsr.ts step
  end

  // ---------------------------------------------------------------- arithmetic of the copies and DFA
  // input byte -> activation (reference inputActivations: roundShift(byte, IN_FRAC - ACT_FRAC))
  wire signed [AB-1:0] in_act;
  sw_requant #(.IW(10), .OW(AB), .SHIFT(`SW_IN_FRAC - `SW_ACT_FRAC)) u_in (.x({2'b00, rg_q}), .y(in_act));
  // output error of the word arriving for neuron cp_o
  reg [NB-1:0] label;
  wire [15:0] cp_d = cp_src_e ? e_hp_rdata : (cp_conv ? in_act : s_q);
  reg cp_rv, cp_rv1;
  wire cp_dv = cp_src_e ? e_hp_rvalid : cp_rv;
  wire signed [DB-1:0] oe;
  // the arriving word is registered (cp_d2) before the output error and the argmax
  reg cp_dv2;
  reg [15:0] cp_d2;
  sw_outerr u_oe (.a(cp_d2[AB-1:0]), .is_target(cp_o == label), .e(oe));
  reg signed [AB-1:0] best;
  reg [NB-1:0] best_i;
  // DFA: d = gate(a) ? sat(roundShift(sign * e, feedbackShift)) : 0
  reg fb_sign;
  reg dfa_g;                 // the gate of the hidden neuron's activation a: 0 < a < 1
  // in steps: the output error word e arrives and sign * e is taken (dfa_sum), then feedbackShift
  // arithmetic shifts by one (one per clock: no barrel shifter), the last of them with the rounding
  // bit: floor((x + 2^(k-1)) / 2^k) = (floor(x / 2^(k-1)) + 1) >> 1 (sw_update.v), so the rounding
  // constant never exists; then the saturation and the gate into the store's write port
  wire signed [DB-1:0] dfa_e = s_q[DB-1:0];
  wire signed [AB-1:0] dfa_a = s_q[AB-1:0];
  reg signed [DB+1:0] dfa_sum;
  reg [3:0] dfa_k;
  wire signed [DB+1:0] dfa_e2 = dfa_e;
  wire signed [DB+1:0] dfa_se = (dfa_e2 ^ {(DB+2){fb_sign}}) + fb_sign;   // sign * e
  wire signed [DB+1:0] dfa_inc = dfa_sum + $signed({{(DB+1){1'b0}}, 1'b1});
  wire signed [DB+1:0] dfa_r = dfa_sum;
  wire signed [DB-1:0] dfa_s;
  sw_sat #(.IW(DB + 2), .OW(DB)) u_dsat (.x(dfa_r), .y(dfa_s));
  // the gate of the word arriving in S_DFA_W: 0 < a < AHI (AHI is the largest value: no comparators)
  wire dfa_gate = !dfa_a[AB-1] && (dfa_a != 0) && (dfa_a != AHI);
  reg [NB-1:0] h;

  // DFA matrix draw: its own LFSR, in c_seed (above)
  reg [4:0] fl_nb, fl_got;
  reg [NB:0] fl_v;
  wire [NB:0] fl_next = {fl_v[NB-1:0], fl_bit};
  wire [4:0] nb_c = {1'b0, c_ashift};   // ceil(log2 n) of the output layer: bits per column draw

  assign busy = !idle;
  assign pred = {{(16-NB){1'b0}}, best_i};   // best_i holds until the next output copy
  reg [SAB:0] n_correct;     // at most the samples of a command (SAB + 1 bits)
  assign correct = {{(15-SAB){1'b0}}, n_correct};
  assign jcycles = {{(15-SAB){1'b0}}, t};
  assign paused = (st == S_PAUSE);
  assign ready = idle || paused;

  // ---------------------------------------------------------------- the sequencer
  task automatic load(input [1:0] set, input [SAB-1:0] base, input [4:0] k, input [5:0] back);
    begin
      ld_set <= set;
      ld_ptr <= base;
      ld_k <= k;
      ld_i <= 0;
      ret <= back;
      st <= S_LOAD;
    end
  endtask
  // aux: only words 12..16 of a junction (n, abase, ashift, dbase, fbbase); base is the junction's + 12
  task automatic load_aux(input [SAB-1:0] base, input [5:0] back);
    begin
      ld_set <= 2'd2;
      ld_ptr <= base;
      ld_k <= 17;
      ld_i <= 12;
      ret <= back;
      st <= S_LOAD;
    end
  endtask
  task automatic engine(input [1:0] c, input [5:0] back);
    begin
      e_cmd <= c;
      ret <= back;
      st <= S_ECMD;
    end
  endtask
  // copy n words: from the store (at raddr; conv: input bytes) or the engine, to the engine, the store
  // (at waddr) or the output unit; sel: the engine memory (hp_start first: every copy in use has the
  // engine at one end)
  task automatic copy(input src_e, input conv, input [1:0] dst, input [2:0] sel, input [NB-1:0] n,
                      input [CAW-1:0] raddr, input [SAB-1:0] waddr, input [5:0] back);
    begin
      cp_src_e <= src_e;
      cp_conv <= conv;
      cp_dst <= dst;
      cp_to_e <= (dst == 2'd0);
      cp_use <= 1'b1;
      e_hp_start_r <= 1'b1;
      e_hp_sel <= sel;
      cp_n <= n;
      cp_i <= 0;
      cp_o <= 0;
      cp_raddr <= raddr;
      cp_waddr <= waddr;
      ret <= back;
      st <= S_HPSTART;
    end
  endtask

  // address offsets, SAB bits wide: slots hold at most 2^3 samples (latency <= 2L <= 8)
  wire [SAB-1:0] slot3 = {{(SAB-3){1'b0}}, slot};
  wire [SAB-1:0] slot_c = slot3 << c_ashift;
  wire [SAB-1:0] slot_a = slot3 << a_ashift;
  wire [SAB-1:0] d_other = c_dbase + ({{(SAB-1){1'b0}}, 1'b1} << c_ashift);
  wire [SAB-1:0] pw_a = par_w ? ({{(SAB-1){1'b0}}, 1'b1} << a_ashift) : {SAB{1'b0}};
  // the record of sample xs in the ring: head + xs * r (one multiplier, registered; xs is stable for
  // the descriptor load before its use in S_ADDR)
  wire [RBB-1:0] rec_off = xs * g_rec;
  reg [RBB-1:0] r_rec;
  always @(posedge clk) r_rec <= g_head + rec_off;
  // descriptor addresses (store.ts: STORE_GLOBAL_WORDS, then STORE_JUNCTION_WORDS per junction; both
  // one power of two, so junction j's word w is {j + 1, w}: no adders)
  localparam integer JWB = $clog2(`SW_STORE_JUNCTION_WORDS);
  localparam [JWB-1:0] AUX_AT = 12;   // aux: words 12..16 (n, abase, ashift, dbase, fbbase)
  generate
    if (`SW_STORE_GLOBAL_WORDS != `SW_STORE_JUNCTION_WORDS || (1 << JWB) != `SW_STORE_JUNCTION_WORDS) begin : g_bad_layout
      initial $error("sw_seq: the descriptor addresses assume STORE_GLOBAL_WORDS = STORE_JUNCTION_WORDS = 2^k");
    end
  endgenerate
  wire [SAB-1:0] jbase = {{(SAB-JWB-3){1'b0}}, jj + 3'd1, {JWB{1'b0}}};           // junction jj
  wire [SAB-1:0] jaux_prev = {{(SAB-JWB-3){1'b0}}, jj, AUX_AT};                    // junction jj - 1's aux words
  wire [SAB-1:0] qaux = {{(SAB-JWB-3){1'b0}}, q + 3'd1, AUX_AT};                 // junction q's aux words
  wire [SAB-1:0] cmd_base = {{(SAB-JWB-3){1'b0}}, cmd_n[2:0] + 3'd1, {JWB{1'b0}}};  // junction cmd_n
  // the left activations of sample xs for junction jj: input bytes in the ring (after the label), or
  // the aux layer's slot in the store
  wire [CAW-1:0] left_addr = (jj == 0) ? {{(CAW-RBB){1'b0}}, r_rec + 1'b1} : {{(CAW-SAB){1'b0}}, a_abase + slot_a};
  wire fl_accept = (fl_v < {1'b0, c_n});
  // the pass's store addresses, registered in S_ADDR once the descriptors are in, so the store's
  // address ports see registers and no adders; the DFA's and the matrix draw's pointers advance with h
  reg [CAW-1:0] r_left;
  reg [SAB-1:0] r_aout, r_dwc, r_drc, r_dwa;
  reg [SAB-1:0] p_fb, p_aa, p_dw;
  always @(*) fl_step = MATRIX_DRAW != 0 && ((st == S_FBG_BITS) || (st == S_FBG_SIGN && fl_accept));

  always @(posedge clk) begin
    e_cmd_valid <= 1'b0;
    e_hp_start_r <= 1'b0;
    cycle_done <= 1'b0;
    pred_valid <= 1'b0;
    s_we <= 1'b0;
    s_re <= 1'b0;
    rg_re <= 1'b0;
    cp_rv1 <= 1'b0;
    cp_rv <= cp_rv1;
    cp_wv <= 1'b0;
    cp_dv2 <= (st == S_COPY) && cp_dv;
    cp_d2 <= cp_d;
    ld_v1 <= 1'b0;
    ld_v <= ld_v1;
    ld_c <= ld_c1;
    if (!idle) clocks <= clocks + 1'b1;
    if (rst) begin
      st <= S_IDLE;
      cp_on <= 1'b0;
      cp_use <= 1'b0;
    end else case (st)
      S_IDLE: if (cmd_valid) begin
        if (cmd == 2'd2) begin
          jj <= cmd_n[2:0];
          load(2'd1, cmd_base, 17, S_IDLE);
        end else begin
          n_smp <= cmd_n[SAB:0];
          ph_up <= cmd[0];
          g_inf <= cmd[1];
          init_mode <= !cmd[0];          // remembers the command until the globals are in
          load(2'd0, 0, 10, S_GLOB);
        end
      end
      S_GLOB: begin
        jj <= 0;
        if (!ph_up) st <= S_INIT_J;
        else begin
          t <= 0;
          t_end <= (n_smp == 0) ? {(SAB+1){1'b0}} : n_smp + (g_inf ? {{(SAB-2){1'b0}}, g_L - 1'b1} : g_dfa ? {{(SAB-2){1'b0}}, g_L} : {{(SAB-3){1'b0}}, L2 - 4'd1});
          n_correct <= 0;
          clocks <= 0;
          st <= S_CYC;
        end
      end

      // ---- LOAD_SEEDS: initial weights of every junction, then the DFA matrix
      S_INIT_J: if (jj == g_L) begin
        q <= 0;
        init_mode <= 1'b0;
        if (g_dfa && MATRIX_DRAW != 0) load(2'd3, 4, 2, S_FBG_SEED);   // cur is now junction L: c_n, c_ashift of the outputs
        else st <= S_DONE;
      end else if (INIT_DRAW != 0) load(2'd1, jbase, 17, S_INIT_W);
      else jj <= g_L;
      S_INIT_W: begin
        jj <= jj + 1'b1;
        engine(E_INIT_W, S_INIT_J);
      end
      // the DFA matrix (MATRIX_DRAW only; else these states are never entered and hold nothing):
      // rows of hidden layer q (junction q's right layer); columns in [0, output layer size)
      S_FBG_SEED: if (MATRIX_DRAW != 0) st <= S_FBG_J;  // c_seed holds the feedback seed
      S_FBG_J: if (MATRIX_DRAW != 0) begin
        if (q + 1'b1 >= g_L) st <= S_DONE;
        else begin
          h <= 0;
          load_aux(qaux, S_FBG_P);
        end
      end
      S_FBG_P: if (MATRIX_DRAW != 0) begin
        p_fb <= a_fbbase;
        st <= S_FBG_H;
      end
      S_FBG_H: if (MATRIX_DRAW != 0) begin
        if (h == a_n) begin
          q <= q + 1'b1;
          st <= S_FBG_J;
        end else begin
          fl_v <= 0;
          fl_got <= 0;
          st <= (nb_c == 0) ? S_FBG_SIGN : S_FBG_BITS;
        end
      end
      S_FBG_BITS: if (MATRIX_DRAW != 0) begin
        fl_v <= fl_next;
        fl_got <= fl_got + 1'b1;
        if (fl_got + 1'b1 == nb_c) st <= S_FBG_SIGN;
      end
      S_FBG_SIGN: if (MATRIX_DRAW != 0) begin
        if (!fl_accept) begin   // rejected: draw again
          fl_v <= 0;
          fl_got <= 0;
          st <= S_FBG_BITS;
        end else begin
          s_we <= 1'b1;
          s_waddr <= p_fb;
          p_fb <= p_fb + 1'b1;
          s_wdata <= {fl_bit, {(15 - NB){1'b0}}, fl_v[NB-1:0]};
          h <= h + 1'b1;
          st <= S_FBG_H;
        end
      end

      // ---- TRAIN
      S_CYC: if (t == t_end) st <= S_DONE;
      else begin
        jj <= 0;
        ph_up <= 1'b0;
        st <= S_J;
      end
      // junction jj's passes in this cycle: FF (ph_up = 0), then BP+UP (ph_up = 1)
      S_J: if (!ph_up) begin
        if (ff_ok) begin
          xs <= xf;
          load(2'd1, jbase, 17, S_LD_AUX);
        end else ph_up <= 1'b1;
      end else if (up_ok) begin
        xs <= xu;
        load(2'd1, jbase, 17, S_LD_AUX);
      end else st <= S_NEXT_J;
      S_LD_AUX: if (jj == 0) st <= S_ADDR;
      else load_aux(jaux_prev, S_ADDR);
      S_ADDR: begin
        r_left <= left_addr;
        r_aout <= c_abase + slot_c;
        r_dwc <= par_w ? d_other : c_dbase;   // one adder: one of the two parities is c_dbase
        r_drc <= par_w ? c_dbase : d_other;
        r_dwa <= a_dbase + pw_a;
        st <= S_SV;
      end
      S_SV: engine(E_DRAW_SV, ph_up ? S_UP_A : S_FF_A);

      // FF: left activations in, pass, outputs out
      S_FF_A: copy(1'b0, jj == 0, 2'd0, HP_ALEFT, c_p, r_left, 0, S_FF_RUN);
      S_FF_RUN: begin
        e_ff <= 1'b1;
        e_bp <= 1'b0;
        e_up <= 1'b0;
        engine(E_PASS, last_j ? S_FF_LBL : S_FF_OUT);
      end
      S_FF_OUT: copy(1'b1, 1'b0, 2'd1, HP_DRIGHT, c_n, 0, r_aout, S_UP_BP);
      S_FF_LBL: begin
        rg_re <= 1'b1;
        rg_b <= r_rec;                 // xs has not changed since S_ADDR
        st <= S_FF_LBL2;
      end
      S_FF_LBL2: if (!rg_re) begin
        label <= {{(NB-8){1'b0}}, rg_q};
        copy(1'b1, 1'b0, 2'd2, HP_DRIGHT, c_n, 0, r_dwc, S_FF_SCORE);
      end
      S_FF_SCORE: begin
        if (best_i == label) n_correct <= n_correct + 1'b1;
        pred_valid <= 1'b1;
        q <= 0;
        st <= g_dfa ? S_DFA_J : S_UP_BP;
      end
      // DFA: deltas of every hidden layer q from the output error (cur = junction L)
      S_DFA_J: if (q + 1'b1 >= g_L) st <= S_UP_BP;
      else begin
        h <= 0;
        load_aux(qaux, S_DFA_P);
      end
      S_DFA_P: begin
        p_fb <= a_fbbase;
        p_aa <= a_abase + slot_a;
        p_dw <= a_dbase + pw_a;
        st <= S_DFA_H;
      end
      S_DFA_H: if (h == a_n) begin
        q <= q + 1'b1;
        st <= S_DFA_J;
      end else begin
        s_re <= 1'b1;
        s_raddr <= p_fb;
        st <= S_DFA_A;
      end
      // the matrix word {sign, col} arrives: read the output error of column col
      S_DFA_A: if (!s_re) begin
        fb_sign <= s_q[15];
        s_re <= 1'b1;
        s_raddr <= r_dwc + s_q[NB-1:0];
        st <= S_DFA_E;
      end
      // the output error arrives: sign * e + half; read the hidden neuron's activation
      S_DFA_E: if (!s_re) begin
        dfa_sum <= dfa_se;
        s_re <= 1'b1;
        s_raddr <= p_aa;
        st <= S_DFA_W;
      end
      // the activation arrives: its gate
      S_DFA_W: if (!s_re) begin
        dfa_g <= dfa_gate;
        st <= S_DFA_V;
      end
      S_DFA_V: begin
        dfa_k <= g_fbs;
        st <= S_DFA_S;
      end
      S_DFA_S: if (dfa_k != 0) begin
        dfa_sum <= (dfa_k == 1) ? (dfa_inc >>> 1) : (dfa_sum >>> 1);
        dfa_k <= dfa_k - 1'b1;
      end else begin
        s_we <= 1'b1;
        s_waddr <= p_dw;
        s_wdata <= dfa_g ? dfa_s : {DB{1'b0}};
        h <= h + 1'b1;
        p_fb <= p_fb + 1'b1;
        p_aa <= p_aa + 1'b1;
        p_dw <= p_dw + 1'b1;
        st <= S_DFA_H;
      end

      // BP+UP: left activations and right deltas in, pass, left deltas out
      S_UP_A: copy(1'b0, jj == 0, 2'd0, HP_ALEFT, c_p, r_left, 0, S_UP_D);
      S_UP_D: copy(1'b0, 1'b0, 2'd0, HP_DRIGHT, c_n, r_drc, 0, S_UP_RUN);
      S_UP_RUN: begin
        e_ff <= 1'b0;
        e_bp <= !g_dfa && jj != 0;
        e_up <= 1'b1;
        engine(E_PASS, (!g_dfa && jj != 0) ? S_UP_BP : S_NEXT_J);
      end
      // after FF (ph_up = 0): on to this junction's BP+UP; after BP: left deltas out
      S_UP_BP: if (!ph_up) begin
        ph_up <= 1'b1;
        st <= S_J;
      end else copy(1'b1, 1'b0, 2'd1, HP_DLEFT, c_p, 0, r_dwa, S_NEXT_J);
      S_NEXT_J: begin
        ph_up <= 1'b0;
        if (last_j) st <= S_CYC_END;
        else begin
          jj <= jj + 1'b1;
          st <= S_J;
        end
      end
      S_CYC_END: begin
        cycle_done <= 1'b1;
        t <= t + 1'b1;
        st <= hold ? S_PAUSE : S_CYC;
      end
      S_PAUSE: if (cmd_valid && cmd == 2'd2) begin
        jj <= cmd_n[2:0];
        load(2'd1, cmd_base, 17, S_PAUSE);
      end else if (resume) st <= S_CYC;
      S_DONE: st <= S_IDLE;

      // ---- subroutines
      // loader: read ld_k words (store latency 2 from the issuing state), capture each into its field
      S_LOAD: begin
        if (ld_i != ld_k) begin
          s_re <= 1'b1;
          s_raddr <= ld_ptr;
          ld_ptr <= ld_ptr + 1'b1;
          ld_i <= ld_i + 1'b1;
          ld_v1 <= 1'b1;
          ld_c1 <= ld_i;
        end
        if (ld_v && ld_c + 1'b1 == ld_k) st <= ret;
      end
      S_ECMD: begin
        e_cmd_valid <= 1'b1;
        st <= S_EWAIT0;
      end
      S_EWAIT0: st <= S_EWAIT1;
      S_EWAIT1: if (!e_busy) st <= ret;
      S_HPSTART: begin
        cp_on <= (cp_n != 0);
        st <= S_COPY;
      end
      S_COPY: begin
        if (cp_issue) begin
          cp_i <= cp_i + 1'b1;
          cp_on <= (cp_i + 1'b1 != cp_n);
          if (!cp_src_e) begin
            if (cp_conv) begin
              rg_re <= 1'b1;
              rg_b <= cp_raddr[RBB-1:0];
            end else begin
              s_re <= 1'b1;
              s_raddr <= cp_raddr[SAB-1:0];
            end
            cp_raddr <= cp_raddr + 1'b1;
            cp_rv1 <= 1'b1;
          end
        end
        if (cp_dv2) begin
          cp_wv <= 1'b1;
          cp_wd <= (cp_dst == 2'd2) ? oe : cp_d2;
          if (cp_dst == 2'd2 && (cp_o == 0 || $signed(cp_d2[AB-1:0]) > best)) begin
            best <= cp_d2[AB-1:0];
            best_i <= cp_o;
          end
          cp_o <= cp_o + 1'b1;
        end
        if (cp_wv && cp_dst != 2'd0) begin
          s_we <= 1'b1;
          s_waddr <= cp_waddr;
          s_wdata <= cp_wd;
          cp_waddr <= cp_waddr + 1'b1;
        end
        if (cp_o == cp_n && !cp_wv && !cp_dv2 && !cp_dv && !cp_rv1 && !cp_rv) begin
          cp_use <= 1'b0;
          st <= ret;
        end
      end
      default: st <= S_IDLE;
    endcase
  end
endmodule
