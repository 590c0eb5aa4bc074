`default_nettype none
`include "spec.vh"
// The junction engine: one junction's FF, BP and UP with z lanes (z <= Z), in the spec's layout.
//
// Memory layout (firmware-spec/connectivity.ts):
//   weights: canonical order, weight k in bank k mod z, row wbase + k div z (sw_wbank: SPRAM);
//   left activations a[l] and left deltas d[l]: bank l mod z, row l div z (EBR);
//   right deltas: two banks, neuron r in bank r mod 2, row r div 2, so the two right neurons a clock
//   can touch (fi >= z) are read together (EBR);
//   BP partial sums: bank k, the left row lane k visits (EBR, ACC bits wide, exact).
// The left-activation banks have 2^RB rows (the input layer, e.g. 784, is junction 1's left layer);
// the left-delta, BP-sum and right-delta banks only ever hold a layer past the input (BP runs for
// junctions past the first, whose left layer is hidden; a right layer is hidden or the output), which
// the store bounds to SW_MAX_PAST_INPUT <= SW_DROWS neurons (firmware-spec/store.ts
// largestLayerPastInput, checked by gen/verilog.ts), so they have 2^DRW rows (a whole layer in one
// lane when z = 1) and the right-delta banks 2^DRB each. Their addresses are the low DRW (DRB) bits
// of the row (neuron) indices, which are below those bounds whenever the bank is written or its data
// used; a pass without BP still reads the BP-sum banks at any row of a[l] and ignores the data.
// Clock t of a pass handles weights t*z .. t*z+z-1: lane k reads weight row wbase+t of bank k and
// left row (S[k] + t) mod m of bank k (the clash-free interleaver): no bank is ever shared.
//
// A pass runs any of FF, BP, UP on the weights as they were when it started (UP writes back 3 clocks
// after the read, into the other SPRAM half). FF: exact fan-in sum per right neuron, one rounding, the
// activation; outputs stream out on ff_valid in neuron order. BP: exact sum per left neuron over the
// fo sweeps (partial sums in EBR), one rounding, gated by the ReLU derivative of a[l]; written to the
// left delta banks. UP: w -= round(d[r] * a[l] >> (df + fa - wf + lr)), saturated.
// Pipeline: 0 issue reads | 1 memory data, products | 2 sums, BP partial sums, UP update | 3 UP
// write-back, BP rounding and left-delta write | 4 activation | 5 activation out.
//
// Limits checked by the host (firmware-spec): p = z*m, fi >= z, z <= Z, m <= 2^RB, W/z <= rows,
// layers past the input (every right layer, the left layer of BP) <= SW_MAX_PAST_INPUT.
module sw_junction #(
  parameter integer Z = `SW_LANES,
  parameter integer WB = `SW_WROW_BITS,
  parameter integer RB = `SW_AROW_BITS,
  parameter integer DRW = `SW_DROW_BITS,         // rows of a left-delta / BP-sum bank: 2^DRW
  parameter integer NB = `SW_NEURON_BITS,
  parameter integer ACC = `SW_ACC_BITS,
  parameter integer CWB = $clog2(`SW_CPU_RAM_BYTES / 4),  // CPU RAM word address bits
  // 1: CMD_INIT_W draws the initial weights from the LFSR; 0: no such command (the control plane writes
  // the initial weights through the host port: the soft-CPU top's firmware does, saving this logic)
  parameter integer INIT_DRAW = 1
) (
  input  wire                       clk,
  input  wire                       rst,
  // configuration of the junction (held stable while busy)
  input  wire [7:0]     cfg_z,
  input  wire [RB:0]                cfg_m,         // p / z
  input  wire [NB-1:0]              cfg_fo,
  input  wire [NB-1:0]              cfg_fi,
  input  wire [WB-1:0]              cfg_wbase,     // first weight row of the junction
  input  wire [4:0]                 cfg_lr,        // learning rate 2^-lr
  input  wire [4:0]                 cfg_init_shift,
  input  wire                       cfg_sigmoid,   // right layer's activation
  // commands
  input  wire                       cmd_valid,
  input  wire [1:0]                 cmd,           // CMD_* below
  input  wire [31:0]                cmd_seed,
  input  wire                       cmd_ff,
  input  wire                       cmd_bp,
  input  wire                       cmd_up,
  output wire                       busy,
  // host port: sequential access to one memory (HP_* below), in the spec's neuron / weight order.
  // HP_ALEFT: write left activations; HP_DLEFT: read left deltas (BP); HP_DRIGHT: write right deltas,
  // or read the last FF pass's outputs; HP_WEIGHT: read or write weights. Reads answer 2 clocks later.
  input  wire [2:0]                 hp_sel,
  input  wire                       hp_start,
  input  wire                       hp_wr,
  input  wire [15:0]                hp_wdata,
  input  wire                       hp_rd,
  output reg                        hp_rvalid,
  output reg  [15:0]                hp_rdata,
  // FF results, right neurons in order
  output wire                       ff_valid,
  output wire [`SW_ACT_BITS-1:0]    ff_data,
  // the start vector in use
  output wire [Z*RB-1:0]            sv,
  // sample ring port (idle only, sw_seq.v): sp_re reads row sp_row of every lane's bank (w_q, one
  // clock later, like a weight read); sp_we writes hp_wdata into row sp_row of bank sp_bank
  input  wire                       sp_re,
  input  wire                       sp_we,
  input  wire [WB-1:0]              sp_row,
  input  wire [7:0]                 sp_bank,
  output wire [Z*`SW_W_BITS-1:0]    w_q,
  // the board CPU's RAM (sw_ctrl.v): word c_word is row SW_CPU_ROW_BASE + c_word of lanes 0 and 1,
  // lane 0's 16 bits the word's low half. A request (c_req, held) is granted (c_gnt) in a clock the
  // engine leaves the word's SPRAM half alone (a read: a clock with no engine read at all): the engine
  // always comes first, so the CPU never changes its clocks. c_wstrb: byte enables (0: a read); a
  // granted read's word is on c_rdata the clock after.
  input  wire                       c_req,
  input  wire                       c_block,       // a port may use the banks this clock (sw_seq: registers)
  input  wire [3:0]                 c_wstrb,
  input  wire [CWB-1:0]             c_word,
  input  wire [31:0]                c_wdata,
  output wire                       c_gnt,
  output wire [31:0]                c_rdata
);
  localparam [1:0] CMD_DRAW_SV = 2'd0, CMD_INIT_W = 2'd1, CMD_PASS = 2'd2;
  localparam [2:0] HP_ALEFT = 3'd0, HP_DLEFT = 3'd1, HP_DRIGHT = 3'd2, HP_WEIGHT = 3'd3;
  localparam integer AB = `SW_ACT_BITS;
  localparam integer WW = `SW_W_BITS;
  localparam integer DB = `SW_D_BITS;
  localparam integer DRB = `SW_DRROW_BITS;       // rows of a right-delta bank: 2^DRB
  localparam integer ZB = $clog2(Z + 1);          // bits of z <= Z (a host-checked limit)
  localparam integer LB = (Z > 1) ? $clog2(Z) : 1; // bits of a lane index
  localparam [AB-1:0] AHI = {1'b0, {(AB-1){1'b1}}};
  // BP: the left delta is the BP sum requantized by BPS fractional bits (weight.frac + delta.frac -
  // delta.frac), round half up; BP_HALF is the rounding constant 2^(BPS-1)
  localparam integer BPS = `SW_W_FRAC + `SW_D_FRAC - `SW_D_FRAC;
  localparam [ACC-1:0] BP_HALF = (BPS > 0) ? ({{(ACC-1){1'b0}}, 1'b1} << (BPS - 1)) : {ACC{1'b0}};

  wire [ZB-1:0] z = cfg_z[ZB-1:0];

  // ---------------------------------------------------------------- LFSR, start vector, init weights
  wire [31:0] lfsr_state;
  wire lfsr_bit, sv_step;
  reg init_run;
  wire lfsr_load = cmd_valid && !busy && (cmd == CMD_DRAW_SV || cmd == CMD_INIT_W);
  sw_lfsr #(.W(32), .MASK(`SW_LFSR_MASK_32)) u_lfsr (
    .clk(clk), .load(lfsr_load), .seed(cmd_seed), .step(sv_step | init_run),
    .state(lfsr_state), .bit_out(lfsr_bit));
  wire sv_busy;
  sw_svdraw #(.Z(Z), .RB(RB)) u_sv (
    .clk(clk), .rst(rst), .start(cmd_valid && !busy && cmd == CMD_DRAW_SV), .m(cfg_m), .z(cfg_z),
    .lfsr_bit(lfsr_bit), .lfsr_step(sv_step), .busy(sv_busy), .sv(sv));

  // initial weights (network.ts initialWeights): WW output bits, first most significant, as a signed
  // word, arithmetic shift right by init_shift (floor); canonical order k = 0, 1, ...
  reg [4:0] init_bits;
  reg [WW-2:0] init_acc;
  wire signed [WW-1:0] init_raw = {init_acc, lfsr_bit};
  wire signed [WW-1:0] init_w = init_raw >>> cfg_init_shift;
  wire init_we = init_run && init_bits == WW - 1;
  reg [LB-1:0] init_lane;

  // ---------------------------------------------------------------- pass counters (stage 0)
  reg run;
  reg [RB:0] c;              // clock within the sweep
  reg [NB-1:0] s;            // sweep
  reg [WB-1:0] wrow;         // weight row (pass and init)
  reg [NB-1:0] r0;           // right neuron of lane 0's weight
  // lane 0's weight is weight o of r0's fi weights (0 <= o < fi); kept as rem = fi - o (1 .. fi),
  // so every test on it is a compare with a small constant or z, not with fi
  reg [NB:0] rem;
  reg ph_ff, ph_bp, ph_up;
  wire last_row = (c + 1'b1 == cfg_m) && (s + 1'b1 == cfg_fo);
  // one row per lane: every clock of a pass is on the same row (registered: cfg_m is stable long
  // before a pass)
  reg m_one;
  always @(posedge clk) m_one <= (cfg_m == 1);
  wire [Z*RB-1:0] rows;
  sw_connaddr #(.Z(Z), .RB(RB)) u_addr (
    .clk(clk), .load(cmd_valid && !busy && cmd == CMD_PASS), .step(run), .m(cfg_m), .sv(sv), .rows(rows));

  // ---------------------------------------------------------------- pipeline registers
  reg v1, v2, v3, v4, v5;
  reg [Z*RB-1:0] rows1, rows2;
  reg [Z-1:0] grp1, grp2;    // lane's weight belongs to r0 + 1
  reg [Z-1:0] ok1, ok2;      // lane < z
  reg first1, first2, last1, last2, fin1, fin2, r0odd1;

  wire wrap0 = (rem <= z);                    // o + z >= fi: r0's last weight is in this row
  wire [NB+1:0] rem_z = {1'b0, rem} - z;      // fi - (o + z)
  wire [NB:0] rem_next = wrap0 ? rem_z[NB:0] + cfg_fi : rem_z[NB:0];
  wire [Z-1:0] grp0, ok0;
  genvar g;
  generate
    for (g = 0; g < Z; g = g + 1) begin : g_lane0
      // o < fi always (fi >= z), so lane 0's weight is always r0's: its flag is a constant 0;
      // lane g's weight is r0 + 1's when o + g >= fi, i.e. rem <= g
      if (g == 0) begin : g_first
        assign grp0[g] = 1'b0;
      end else begin : g_rest
        assign grp0[g] = (rem <= g);
      end
      assign ok0[g] = (g == 0) ? 1'b1 : (g < z);   // z >= 1
    end
  endgenerate

  // host port counters
  reg [LB-1:0] hp_bank;
  reg [WB-1:0] hp_row;
  reg [NB-1:0] hp_idx;
  wire hp_ok = !busy;
  wire hp_w = hp_ok && hp_wr;
  wire hp_r = hp_ok && hp_rd;
  // the row of a host-port or sample-ring access (one shared mux for all lanes)
  wire [WB-1:0] hs_row = (sp_re || sp_we) ? sp_row : hp_row;
  // The weight banks' addresses, shared by all lanes: the read row, the write row, and each SPRAM
  // half's address: a pass's read row in its half, the write row otherwise. Outside a pass the read
  // and the write row are the same (the host port's or the ring's; the initial weights only write;
  // UP's last write-backs after the pass only write), and in a pass UP writes the other half.
  wire [WB-1:0] w_raddr = run ? wrow : hs_row;
  wire [WB-1:0] w_waddr;
  wire [WB-2:0] w_h0 = (run && !wrow[0]) ? wrow[WB-1:1] : w_waddr[WB-1:1];
  wire [WB-2:0] w_h1 = (run && wrow[0]) ? wrow[WB-1:1] : w_waddr[WB-1:1];


  always @(posedge clk) begin
    if (rst) begin
      run <= 1'b0;
      init_run <= 1'b0;
      {v1, v2, v3, v4, v5} <= 5'b0;
    end else begin
      if (cmd_valid && !busy && cmd == CMD_PASS) begin
        run <= 1'b1;
        c <= 0;
        s <= 0;
        wrow <= cfg_wbase;
        r0 <= 0;
        rem <= cfg_fi;
        ph_ff <= cmd_ff;
        ph_bp <= cmd_bp;
        ph_up <= cmd_up;
      end else if (INIT_DRAW != 0 && cmd_valid && !busy && cmd == CMD_INIT_W) begin
        init_run <= 1'b1;
        init_bits <= 0;
        init_lane <= 0;
        c <= 0;
        s <= 0;
        wrow <= cfg_wbase;
      end else if (run || init_we) begin
        if (run || {1'b0, init_lane} + 1'b1 == z) begin
          if (c + 1'b1 == cfg_m) begin
            c <= 0;
            s <= s + 1'b1;
          end else c <= c + 1'b1;
          wrow <= wrow + 1'b1;
          if (last_row) begin
            run <= 1'b0;
            init_run <= 1'b0;
          end
        end
        if (run) begin
          rem <= rem_next;
          if (wrap0) begin
            r0 <= r0 + 1'b1;
          end
        end
      end
      if (init_run) begin
        init_bits <= (init_bits == WW - 1) ? 5'd0 : init_bits + 1'b1;
        init_acc <= {init_acc[WW-3:0], lfsr_bit};
        if (init_we) init_lane <= ({1'b0, init_lane} + 1'b1 == z) ? 0 : init_lane + 1'b1;
      end
      v1 <= run;
      v2 <= v1;
      v3 <= v2;
      v4 <= v3;
      v5 <= v4;
    end
    rows1 <= rows;
    rows2 <= rows1;
    grp1 <= grp0;
    grp2 <= grp1;
    ok1 <= ok0;
    ok2 <= ok1;
    first1 <= (s == 0);
    first2 <= first1;
    last1 <= (s + 1'b1 == cfg_fo);
    last2 <= last1;
    fin1 <= run && wrap0;
    fin2 <= fin1;
    r0odd1 <= r0[0];
  end

  assign busy = run | init_run | sv_busy | v1 | v2 | v3 | v4 | v5;

  // the weight row UP writes back (stage 3): wbase at the pass's first write, then one more per
  // clock, as the rows were read three clocks earlier (a pass reads one row per clock, no gaps)
  reg [WB-1:0] up_row3;
  wire up_wb3 = v3 && ph_up;   // UP's write-back stage (a lane writes when it is also < z)
  assign w_waddr = up_wb3 ? up_row3 : (init_run ? wrow : hs_row);

  // the CPU's turn: a clock in which the engine cannot touch its SPRAM banks, decided from registers
  // only (the grant then drives the banks' address muxes and the CPU's bus without a long path): no
  // pass reading (run), no UP write-back (stage 3), no initial-weight draw, and none of the ports'
  // accesses (c_block: the sequencer's ring reads, the control plane's ring writes and weight-port
  // accesses, all registered). Rows CPU_ROW_BASE.. are above every weight row and below the ring, so
  // the CPU's words and the engine's never overlap; CPU_ROW_BASE is even, so a word's half is its
  // lowest bit.
  localparam [WB-1:0] CPU_ROW = `SW_CPU_ROW_BASE;
  wire c_half = c_word[0];
  wire c_busy = run || (v3 && ph_up) || init_run || c_block;
  assign c_gnt = c_req && !c_busy;
  wire [WB-1:0] c_row = CPU_ROW + {{(WB-CWB){1'b0}}, c_word};
  always @(posedge clk) begin
    if (cmd_valid && !busy && cmd == CMD_PASS) up_row3 <= cfg_wbase;
    else if (v3) up_row3 <= up_row3 + 1'b1;
  end

  // ---------------------------------------------------------------- right deltas (two banks)
  wire [DB-1:0] dq_even, dq_odd;
  wire [NB-1:0] r0p1 = r0 + 1'b1;
  // written by the host (the deltas BP and UP read) or by FF (its outputs, for the host to read back);
  // a pass with FF does not read them
  reg [NB-1:0] ff_idx;
  wire dr_ffw = ff_valid && ph_ff;
  wire dr_hpw = hp_w && hp_sel == HP_DRIGHT;
  wire [NB-1:0] dr_widx = dr_ffw ? ff_idx : hp_idx;
  wire [DB-1:0] dr_wdata = dr_ffw ? ff_data : hp_wdata;
  wire dr_hpr = hp_r && hp_sel == HP_DRIGHT;
  sw_ram #(.DW(DB), .AW(DRB)) u_dr_even (
    .clk(clk), .we((dr_ffw || dr_hpw) && !dr_widx[0]), .waddr(dr_widx[DRB:1]), .wdata(dr_wdata),
    .re(run || dr_hpr), .raddr(run ? r0p1[DRB:1] : hp_idx[DRB:1]), .rdata(dq_even));
  sw_ram #(.DW(DB), .AW(DRB)) u_dr_odd (
    .clk(clk), .we((dr_ffw || dr_hpw) && dr_widx[0]), .waddr(dr_widx[DRB:1]), .wdata(dr_wdata),
    .re(run || dr_hpr), .raddr(run ? r0[DRB:1] : hp_idx[DRB:1]), .rdata(dq_odd));
  always @(posedge clk) begin
    if (cmd_valid && !busy && cmd == CMD_PASS) ff_idx <= 0;
    else if (ff_valid) ff_idx <= ff_idx + 1'b1;
  end
`ifndef SYNTHESIS
  // simulation: a right layer past 2^(DRB+1) neurons would alias rows of the right-delta banks (the
  // host and CONFIGURE refuse such networks through the store's size); stop rather than alias
  always @(posedge clk)
    if ((((dr_ffw || dr_hpw) && (dr_widx >> (DRB + 1)) != 0)) || (dr_hpr && (hp_idx >> (DRB + 1)) != 0)
        || (run && (ph_bp || ph_up) && (r0 >> (DRB + 1)) != 0)) begin
      $display("sw_junction: a right-delta neuron at or past %0d", 2 << DRB);
      $finish;
    end
`endif
  wire signed [DB-1:0] d_r0 = r0odd1 ? dq_odd : dq_even;
  wire signed [DB-1:0] d_r1 = r0odd1 ? dq_even : dq_odd;

  // ---------------------------------------------------------------- lanes
  localparam integer PF = AB + WW;
  wire [Z*PF-1:0] pff2_all;          // stage-2 FF products, lane k in bits [k*PF +: PF]
  wire [Z*WW-1:0] wq_all;
  wire [Z*DB-1:0] dlq_all;
  reg [LB-1:0] hp_rbank1;   // bank of the host read in flight
  reg [2:0] hp_rsel1;
  reg hp_ridx1;
  reg hp_rv1;

  generate
    for (g = 0; g < Z; g = g + 1) begin : g_lane
      wire [RB-1:0] row0 = rows[g*RB +: RB];
      wire [RB-1:0] row1 = rows1[g*RB +: RB];
      wire [RB-1:0] row2 = rows2[g*RB +: RB];
      wire hp_this = hp_bank == g;

      // weights
      wire signed [WW-1:0] wq;
      reg up_we3;
      wire [WW-1:0] up_w3;
      wire init_this = init_we && init_lane == g;
      sw_wbank #(.AW(WB)) u_w (
        .clk(clk),
        .re(run || (hp_r && hp_sel == HP_WEIGHT && hp_this) || sp_re),
        .raddr(w_raddr),
        .rdata(wq),
        .we(up_we3 || init_this || (hp_w && hp_sel == HP_WEIGHT && hp_this) || (sp_we && sp_bank == g)),
        .waddr(w_waddr),
        .wdata(up_wb3 ? up_w3 : (init_run ? init_w : hp_wdata)),
        .haddr0(w_h0), .haddr1(w_h1),
        .c_en(c_gnt && g < 2), .c_half(c_half), .c_haddr(c_row[WB-1:1]),
        .c_we(c_wstrb[2*(g%2) +: 2] != 2'b00), .c_mask({{2{c_wstrb[2*(g%2)+1]}}, {2{c_wstrb[2*(g%2)]}}}),
        .c_wdata(c_wdata[16*(g%2) +: 16]));
      if (g < 2) begin : g_cq
        assign c_rdata[16*g +: 16] = wq;
      end
      assign wq_all[g*WW +: WW] = wq;

      // left activations
      wire signed [AB-1:0] aq;
      sw_ram #(.DW(AB), .AW(RB)) u_a (
        .clk(clk), .we(hp_w && hp_sel == HP_ALEFT && hp_this), .waddr(hp_row[RB-1:0]), .wdata(hp_wdata),
        .re(run), .raddr(row0), .rdata(aq));

      // stage 1 -> 2: products
      // a lane past z multiplies by 0 (its BP product is 0; its UP and FF products are never used)
      wire signed [DB-1:0] d1 = !ok1[g] ? {DB{1'b0}} : grp1[g] ? d_r1 : d_r0;
      wire signed [PF-1:0] pff = aq * wq;
      reg signed [PF-1:0] pff2;
      assign pff2_all[g*PF +: PF] = pff2;
      reg signed [WW+DB-1:0] pbp2;
      reg signed [DB+AB-1:0] pup2;
      reg signed [WW-1:0] w2;
      reg gate2;                   // ReLU derivative of the left neuron: 0 < a < 1 (stage 2)
      always @(posedge clk) begin
        pff2 <= pff;               // a lane past z is left out of the FF sums (ok2)
        pbp2 <= wq * d1;
        pup2 <= d1 * aq;
        w2 <= wq;
        gate2 <= !aq[AB-1] && (aq != 0) && (aq != AHI);   // 0 < a < AHI (AHI is the largest value)
      end

      // BP partial sums: read at stage 1, add at stage 2, write back (or finish) at stage 2. A lane
      // reads the row it wrote the clock before only when m = 1 (rows advance by one mod m per
      // clock); then the forwarded sum replaces the read.
      wire [ACC-1:0] accq;
      reg fwd_v;
      reg [ACC-1:0] fwd_acc;
      // a sum starts at BP_HALF, the rounding constant of its requantization (below), instead of 0
      wire signed [ACC-1:0] acc_in = first2 ? BP_HALF : (fwd_v ? fwd_acc : accq);
      wire signed [ACC-1:0] acc_new = acc_in + {{(ACC-WW-DB){pbp2[WW+DB-1]}}, pbp2};
      wire acc_we = v2 && ph_bp && ok2[g] && !last2;
      sw_ram #(.DW(ACC), .AW(DRW)) u_acc (
        .clk(clk), .we(acc_we), .waddr(row2[DRW-1:0]), .wdata(acc_new),
        .re(v1), .raddr(row1[DRW-1:0]), .rdata(accq));
      always @(posedge clk) begin
        fwd_v <= acc_we && m_one;     // a register: no compare before the adder
        fwd_acc <= acc_new;
      end
      // last sweep: the sum is complete (registered in fwd_acc); round it and write the left delta
      // at stage 3. The requantization floor((x + 2^(BPS-1)) / 2^BPS), saturated: the sum already
      // holds the half (|x| <= 2^(ACC-2), so x + half does not overflow ACC bits), so it is a shift
      // (wiring) and the saturation, with no adder
      reg gate3, dl_v3;
      reg [DRW-1:0] dl_row3;
      wire signed [DB-1:0] dl_q;
      wire signed [ACC-BPS-1:0] acc_q = $signed(fwd_acc) >>> BPS;
      sw_sat #(.IW(ACC - BPS), .OW(DB)) u_rq (.x(acc_q), .y(dl_q));
      always @(posedge clk) begin
        gate3 <= gate2;
        dl_v3 <= v2 && ph_bp && ok2[g] && last2;
        dl_row3 <= row2[DRW-1:0];
      end
      wire [DB-1:0] dlq;
      sw_ram #(.DW(DB), .AW(DRW)) u_dl (
        .clk(clk), .we(dl_v3), .waddr(dl_row3), .wdata(gate3 ? dl_q : {DB{1'b0}}),
        .re(hp_r && hp_sel == HP_DLEFT && hp_this), .raddr(hp_row[DRW-1:0]), .rdata(dlq));
      assign dlq_all[g*DB +: DB] = dlq;
`ifndef SYNTHESIS
      // simulation: a left layer past 2^DRW rows in a lane would alias rows of these banks (the host
      // and CONFIGURE refuse such networks through the store's size); stop rather than alias
      always @(posedge clk)
        if (((v2 && ph_bp && ok2[g]) && (row2 >> DRW) != 0) || ((hp_r && hp_sel == HP_DLEFT && hp_this) && (hp_row >> DRW) != 0)) begin
          $display("sw_junction: lane %0d: a left-delta / BP-sum row at or past %0d", g, 1 << DRW);
          $finish;
        end
`endif

      // UP at stage 2: the shift, the rounding step, subtraction and saturation (one subtraction,
      // sw_update_apply); the new weight is registered and written at stage 3 (3 clocks after the
      // read: the other SPRAM half)
      localparam integer TW = DB + AB - (`SW_D_FRAC + `SW_ACT_FRAC - `SW_W_FRAC) + 1;  // |t| fits
      wire signed [TW-1:0] t2;
      wire [WW-1:0] up_w2;
      reg [WW-1:0] up_w3r;
      sw_update_shift #(.PW(DB + AB)) u_ups (.prod(pup2), .lr_shift(cfg_lr), .t(t2));
      sw_update_apply #(.PW(TW)) u_upa (.w(w2), .t(t2), .w_new(up_w2));
      assign up_w3 = up_w3r;

      always @(posedge clk) begin
        up_we3 <= v2 && ph_up && ok2[g];
        up_w3r <= up_w2;
      end
    end
  endgenerate

  assign w_q = wq_all;

  // ---------------------------------------------------------------- FF sums and activation
  // the sum of Z products of PF bits takes PF + clog2(Z) bits (|product| <= 2^(PF-2)); it is
  // sign-extended into the ACC-bit accumulator
  localparam integer SWB = PF + ((Z > 1) ? $clog2(Z) : 0);
  reg signed [SWB-1:0] sum_a, sum_b;
  integer k;
  always @(*) begin
    sum_a = 0;
    sum_b = 0;
    for (k = 0; k < Z; k = k + 1) begin
      if (ok2[k]) begin
        if (grp2[k]) sum_b = sum_b + $signed(pff2_all[k*PF +: PF]);
        else sum_a = sum_a + $signed(pff2_all[k*PF +: PF]);
      end
    end
  end
  // A neuron's sum starts at FF_HALF, the rounding constant of its requantization into the
  // activation format (FFS fractional bits dropped, round half up; |sum| <= 2^(ACC-2), so the half
  // does not overflow), so the requantization at stage 3 is a shift (wiring) and the saturation,
  // and the activation unit gets the 16-bit activation, not the ACC-bit sum.
  localparam integer FFS = `SW_W_FRAC;
  localparam [SWB:0] FF_HALF_S = (FFS > 0) ? ({{SWB{1'b0}}, 1'b1} << (FFS - 1)) : {(SWB+1){1'b0}};
  wire signed [SWB:0] sum_b_h = sum_b + $signed(FF_HALF_S);
  reg signed [ACC-1:0] ff_acc;
  wire signed [ACC-1:0] ff_sum = ff_acc + sum_a;
  wire signed [ACC-FFS-1:0] ff_sum_q = ff_sum >>> FFS;
  wire signed [AB-1:0] ff_x;
  sw_sat #(.IW(ACC - FFS), .OW(AB)) u_ffsat (.x(ff_sum_q), .y(ff_x));
  reg signed [AB-1:0] ff_out3;
  reg ff_v3;
  always @(posedge clk) begin
    if (cmd_valid && !busy && cmd == CMD_PASS) ff_acc <= $signed(FF_HALF_S);
    else if (v2) begin
      if (fin2) ff_acc <= sum_b_h;
      else ff_acc <= ff_sum;
    end
    ff_v3 <= v2 && ph_ff && fin2;
    ff_out3 <= ff_x;
  end
  sw_act #(.ACC(AB), .RQ(0)) u_act (
    .clk(clk), .in_valid(ff_v3), .acc(ff_out3), .sigmoid(cfg_sigmoid), .out_valid(ff_valid), .y(ff_data));

  // ---------------------------------------------------------------- host port
  always @(posedge clk) begin
    if (hp_start) begin
      hp_bank <= 0;
      hp_row <= (hp_sel == HP_WEIGHT) ? cfg_wbase : {WB{1'b0}};
      hp_idx <= 0;
    end else if (hp_w || hp_r) begin
      hp_idx <= hp_idx + 1'b1;
      if ({1'b0, hp_bank} + 1'b1 == z) begin
        hp_bank <= 0;
        hp_row <= hp_row + 1'b1;
      end else hp_bank <= hp_bank + 1'b1;
    end
    hp_rv1 <= hp_r;
    hp_rbank1 <= hp_bank;
    hp_rsel1 <= hp_sel;
    hp_rvalid <= hp_rv1;
    hp_ridx1 <= hp_idx[0];
    hp_rdata <= (hp_rsel1 == HP_WEIGHT) ? wq_all[hp_rbank1*WW +: WW]
              : (hp_rsel1 == HP_DRIGHT) ? (hp_ridx1 ? dq_odd : dq_even)
              : dlq_all[hp_rbank1*DB +: DB];
  end
endmodule
