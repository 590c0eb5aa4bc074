`default_nettype none
// sw_cpu: a small multi-cycle RV32I core for the board's control plane (the protocol endpoint and the
// request executor run as firmware on it; bitstreams-src/firmware/).
//
// Written for size on the iCE40UP5K, not for speed:
//   - the register file is one 32 x 32 memory read one port at a time (two EBRs as 256 x 16; x0 is
//     word 0, never written), so rs1 and rs2 are read in two clocks; rs2 is used straight from the
//     memory's output register, which holds it until the next read;
//   - one 32-bit adder for everything: ALU, compare, load/store and jump addresses, pc + 4 (in the
//     clock rs2 is read, with pc in the rs1 register `a`, which rs1 replaces then), pc + imm (JAL and
//     AUIPC with pc kept in `a`; every branch decided one clock later in S_TGT, where a taken one forms its target) and LUI (0 + imm);
//     a JAL/JALR's link (pc + 4) is written in the clock it is computed;
//   - shifts take one clock per bit position, in `a` itself (no barrel shifter), and are written back
//     through the adder (a + 0) or the logic unit (a ^ 0), not through a mux input of their own;
//   - store data is rs2 straight from the register file's output register (no copy), replicated into
//     every byte lane; load data is extracted with the address's low bits only (aligned accesses);
//   - the program counter and the bus address are AW bits (a 2^AW-byte address space); loads and stores
//     whose address has bits above AW set are mapped onto the top of it by truncation, so x0-relative
//     negative offsets (`lw a0, -256(zero)`) reach the I/O registers at the top without a LUI.
// Instruction timing (clocks, with a memory that answers the clock after the request, as sw_ctrl.v's
// does): 4 for ALU, LUI, AUIPC, JAL and JALR (fetch 2, of which the second reads
// rs1; rs2 and pc + 4 1; execute 1, which also requests the next fetch); a branch 5 (decided in S_TGT from
// the registered compare, so the adder never drives the program counter's enables); a load or
// store 6 (execute requests the access, answered the clock after); a shift by n 5 + n. The self-test
// firmware (bitstreams-src/firmware/selftest, tb_cpu.v without wait states) runs at 4.98 clocks per
// instruction (4.92 before the pc adders were folded into the ALU's). FENCE, ECALL and CSR instructions
// execute as no-ops, EBREAK raises `trap` (simulations stop on it) and the core halts; opcodes outside
// RV32I are undefined (the decoder tells RV32I's apart with the fewest bits).
//
// Bus: `mem_valid` with a byte address, `mem_wstrb` (0: read) and `mem_wdata` (valid while the request
// is); the request is held until `mem_ready`, and read data is taken in that clock. No misaligned
// accesses (the compiler makes none).
module sw_cpu #(
  parameter integer AW = 16,            // address bits (program counter and bus)
  parameter [AW-1:0] RESET_PC = 0
) (
  input  wire          clk,
  input  wire          rst,
  output reg           mem_valid,
  output reg  [AW-1:0] mem_addr,
  output wire [31:0]   mem_wdata,
  output reg  [3:0]    mem_wstrb,
  input  wire [31:0]   mem_rdata,
  input  wire          mem_ready,
  output reg           trap
);
  localparam [2:0] S_FETCH = 0, S_TGT = 1, S_RS2 = 2, S_EXEC = 3, S_MEM = 4, S_SHIFT = 5, S_HALT = 6;
  reg [2:0] state;
  reg [AW-1:0] pc;
  reg [31:0] ir;
  reg [31:0] a;        // rs1, and the shifter
  reg [4:0] shamt;

  // ---- register file (EBR): one read port, one write port ------------------------------------------
  reg [31:0] rf [0:31];
  reg [31:0] rf_q;     // rs2 after S_RS2 (held: no read until the next instruction arrives)
  // rs1 is read in the clock the instruction arrives (its field straight from the bus), rs2 in S_RS2
  reg rf_we;
  // (no rs2 read while S_RS2 writes a link: the memory is never read and written in one clock)
  wire rf_re = (state == S_FETCH && mem_ready) || (state == S_RS2 && !rf_we);
  wire [4:0] rf_ra = state == S_FETCH ? mem_rdata[19:15] : ir[24:20];
  reg [31:0] rf_wd;
  wire [4:0] rd = ir[11:7];
  integer i;
  initial for (i = 0; i < 32; i = i + 1) rf[i] = 32'd0;
  always @(posedge clk) begin
    if (rf_re) rf_q <= rf[rf_ra];
    if (rf_we && rd != 0) rf[rd] <= rf_wd;
  end

  // ---- decode --------------------------------------------------------------------------------------
  wire [4:0] opc = ir[6:2];
  wire [2:0] f3 = ir[14:12];
  // RV32I's opcodes (ir[6:2]) told apart with the fewest bits, one LUT each (the others are undefined):
  // LOAD 00000, MISC-MEM 00011, OP-IMM 00100, AUIPC 00101, STORE 01000, OP 01100, LUI 01101,
  // BRANCH 11000, JALR 11001, JAL 11011, SYSTEM 11100
  wire is_load = !opc[4] && !opc[3] && !opc[2] && !opc[0], is_opi = !opc[4] && !opc[3] && opc[2] && !opc[0];
  wire is_auipc = !opc[4] && !opc[3] && opc[2] && opc[0], is_store = !opc[4] && opc[3] && !opc[2];
  wire is_op = !opc[4] && opc[3] && opc[2] && !opc[0], is_lui = !opc[4] && opc[3] && opc[2] && opc[0];
  wire is_br = opc[4] && !opc[2] && !opc[0], is_jalr = opc[4] && !opc[2] && !opc[1] && opc[0];
  wire is_jal = opc[4] && opc[1], is_sys = opc[4] && opc[2];
  wire [31:0] imm_i = {{21{ir[31]}}, ir[30:20]};
  wire [31:0] imm_s = {{21{ir[31]}}, ir[30:25], ir[11:7]};
  wire [31:0] imm_b = {{20{ir[31]}}, ir[7], ir[30:25], ir[11:8], 1'b0};
  wire [31:0] imm_u = {ir[31:12], 12'd0};
  wire [31:0] imm_j = {{12{ir[31]}}, ir[19:12], ir[20], ir[30:21], 1'b0};
  // the ALU's immediate (I or S) and pc + imm's (B, J or U)
  wire [31:0] imm = state == S_RS2 ? 32'd4 : state == S_SHIFT ? 32'd0 : is_store ? imm_s : is_br ? imm_b : is_jal ? imm_j : (is_lui || is_auipc) ? imm_u : imm_i;

  // ---- ALU: one adder (subtracts for SUB, SLT/SLTU and branches) ------------------------------------
  wire [31:0] b = ((is_op || is_br) && state == S_EXEC) ? rf_q : imm;
  wire sub = state == S_EXEC && (is_br || ((is_op || is_opi) && (f3 == 3'b010 || f3 == 3'b011)) || (is_op && f3 == 3'b000 && ir[30]));
  wire [31:0] bx = b ^ {32{sub}};
  wire [32:0] sum = {1'b0, a} + {1'b0, bx} + {32'd0, sub};
  wire ltu = !sum[32];                       // borrow
  wire lt = ltu ^ a[31] ^ b[31];
  wire eq = sum[31:0] == 32'd0;              // branches subtract
  reg taken;
  reg tk;              // a branch's `taken`, registered in S_EXEC for S_TGT
  always @(*) begin
    case (f3[2:1])
      2'b00: taken = eq;
      2'b10: taken = lt;
      2'b11: taken = ltu;
      default: taken = 1'b0;
    endcase
    taken = taken ^ f3[0];
  end
  // XOR, OR, AND (f3 100, 110, 111) do not subtract, so they take the adder's operand bx: one LUT a bit
  wire [31:0] lg = f3[1] ? (f3[0] ? a & bx : a | bx) : a ^ bx;
  wire opx = is_op || is_opi;
  wire sel_lg = opx && f3[2];               // shifts (f3 001/101) go through S_SHIFT
  wire sel_slt = opx && !f3[2] && f3[1];
  wire s_ld = state == S_MEM;
  wire s_lg = !s_ld && sel_lg, s_slt = !s_ld && sel_slt, s_sum = !s_ld && !sel_lg && !sel_slt;
  // pc + imm (a taken branch's target in S_TGT, JAL's, AUIPC's) and LUI's 0 + imm go through the same
  // adder, with pc (or 0) in `a`
  wire [AW-1:0] pc4 = mem_addr;              // pc + 4 from S_RS2 until the next bus request

  // ---- loads: the addressed byte or half, extended --------------------------------------------------
  wire [1:0] ma = mem_addr[1:0];
  wire [15:0] half = ma[1] ? mem_rdata[31:16] : mem_rdata[15:0];
  wire [7:0] byte_ = ma[0] ? half[15:8] : half[7:0];
  // (aligned: a word's address ends in 00, a half's in 0)
  wire sgn = !f3[2] && (f3[0] ? half[15] : byte_[7]);
  wire [31:0] ld = {f3[1] ? mem_rdata[31:16] : {16{sgn}}, f3[1:0] == 2'b00 ? {8{sgn}} : half[15:8], byte_};

  // ---- stores: rs2 straight from the register file's output (held through S_MEM), in every byte lane
  assign mem_wdata = f3[1] ? rf_q : f3[0] ? {2{rf_q[15:0]}} : {4{rf_q[7:0]}};

  // ---- the state machine ---------------------------------------------------------------------------
  always @(*) begin
    rf_we = 1'b0;
    rf_wd = ({32{s_lg}} & lg) | ({32{s_sum}} & sum[31:0]) | ({32{s_ld}} & ld) | {31'd0, s_slt && (f3[0] ? ltu : lt)};
    case (state)
      S_RS2: rf_we = is_jal || is_jalr;      // the link, pc + 4, from the adder
      S_EXEC: begin
        rf_we = is_lui || is_auipc || is_op || (is_opi && f3 != 3'b001 && f3 != 3'b101);
      end
      S_SHIFT: begin
        rf_we = shamt == 0;                  // a + 0 (SLL) or a ^ 0 (SRL, SRA)
      end
      S_MEM: begin
        rf_we = mem_ready && is_load;
      end
      default: ;
    endcase
  end

  always @(posedge clk) begin
    if (rst) begin
      state <= S_FETCH;
      pc <= RESET_PC;
      mem_addr <= RESET_PC;
      mem_valid <= 1'b1;
      mem_wstrb <= 4'd0;
      trap <= 1'b0;
    end else begin
      case (state)
        S_FETCH: if (mem_ready) begin       // the fetch was requested by the state before
          mem_valid <= 1'b0;
          ir <= mem_rdata;
          a <= {{(32 - AW){1'b0}}, pc};
          state <= S_RS2;
        end
        S_RS2: begin
          mem_addr <= sum[AW-1:0];           // pc + 4
          if (is_lui) a <= 32'd0;
          else if (!is_auipc && !is_jal) a <= rf_q;
          state <= S_EXEC;
        end
        S_EXEC: begin
          // the next instruction's fetch starts now unless a memory access or a shift comes first
          pc <= pc4;
          mem_valid <= 1'b1;
          if (is_jal || is_jalr) begin
            pc <= {sum[AW-1:1], 1'b0};
            mem_addr <= {sum[AW-1:1], 1'b0};
          end
          state <= S_FETCH;
          // a branch decides in the next clock, from `tk` (the compare's result registered: the adder's
          // carry chain and the zero test then drive one flip-flop, not the program counter's enables),
          // where a taken one also forms its target through the adder
          if (is_br) begin
            mem_valid <= 1'b0;
            pc <= pc;
            a <= {{(32 - AW){1'b0}}, pc};
            tk <= taken;
            state <= S_TGT;
          end
          if (is_load || is_store) begin
            mem_valid <= 1'b1;
            mem_addr <= sum[AW-1:0];
            mem_wstrb <= !is_store ? 4'b0000 : f3[1] ? 4'b1111 : f3[0] ? (sum[1] ? 4'b1100 : 4'b0011) : (4'b0001 << sum[1:0]);
            state <= S_MEM;
          end
          if ((is_op || is_opi) && f3[1:0] == 2'b01) begin
            mem_valid <= 1'b0;
            shamt <= b[4:0];
            state <= S_SHIFT;
          end
          if (is_sys && f3 == 3'b000 && ir[20]) begin
            mem_valid <= 1'b0;
            trap <= 1'b1;                    // EBREAK
            state <= S_HALT;
          end
        end
        S_TGT: begin
          if (tk) begin
            pc <= sum[AW-1:0];
            mem_addr <= sum[AW-1:0];
          end else pc <= mem_addr;           // not taken: mem_addr holds pc + 4 (S_RS2)
          mem_valid <= 1'b1;
          state <= S_FETCH;
        end
        S_SHIFT: begin
          if (shamt == 0) begin
            mem_valid <= 1'b1;                 // mem_addr is still pc + 4 (= pc)
            state <= S_FETCH;
          end else begin
            shamt <= shamt - 1'b1;
            a <= f3[2] ? {ir[30] && a[31], a[31:1]} : {a[30:0], 1'b0};
          end
        end
        S_MEM: if (mem_ready) begin
          mem_addr <= pc;
          mem_wstrb <= 4'd0;
          state <= S_FETCH;
        end
        default: ;                           // S_HALT
      endcase
    end
  end
endmodule
