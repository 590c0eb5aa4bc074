`default_nettype none
`include "spec.vh"
// Simple dual-port memory (one write port, one synchronous read port), inferred as iCE40 EBR
// (SB_RAM40_4K) by yosys. Read-during-write of one address returns the old word in simulation; the
// synthesised memory does not promise it (`no_rw_check`: yosys would otherwise add a bypass of about
// 26 LUTs and 43 flip-flops per 16-bit memory to emulate it). Every user of sw_ram either never
// reads and writes one address in the same clock or discards that read (in simulation such a
// read returns x, so a user that did not would fail its tests):
//   sw_seq's store: its reads (loader, copies from the store, DFA) and writes (copies to the store,
//     DFA, matrix draw) are issued in different states;
//   sw_junction's left activations and left deltas: the host port (only while idle) on one side, a
//     pass on the other;
//   sw_junction's right deltas: a pass with FF writes its outputs there but does not use what it
//     reads (BP and UP do; FF only passes are FF only);
//   sw_junction's BP partial sums: a read of the row being written is replaced by the forwarded sum.
module sw_ram #(
  parameter integer DW = 16,
  parameter integer AW = 9
) (
  input  wire          clk,
  input  wire          we,
  input  wire [AW-1:0] waddr,
  input  wire [DW-1:0] wdata,
  input  wire          re,
  input  wire [AW-1:0] raddr,
  output reg  [DW-1:0] rdata
);
  (* no_rw_check *)
  reg [DW-1:0] mem [0:(1<<AW)-1];
  always @(posedge clk) begin
    if (we) mem[waddr] <= wdata;
    if (re) rdata <= mem[raddr];
`ifndef SYNTHESIS
    // simulation holds the users to that: a read of the word being written returns x
    if (re && we && raddr == waddr) rdata <= {DW{1'bx}};
`endif
  end
endmodule

// One lane's weight bank: ROWS rows of weight words, split by the row's lowest bit into two
// single-port halves (even rows, odd rows). The junction engine reads row t and writes row t-3 in
// the same clock: different halves, so single-port SPRAM serves both. On the up5k build each half
// is one SB_SPRAM256KA (16K x 16); in simulation a behavioural array, unless SW_SPRAM is defined
// (then yosys's SB_SPRAM256KA simulation model is used). The address of each half (haddr0, haddr1:
// the row without its lowest bit) comes from outside, shared by all lanes: a read of raddr uses
// the half raddr[0] at its address, a write of waddr the half waddr[0] at its address.
//
// A second user, the board's CPU (its RAM is rows of these banks: sw_junction.v), takes half c_half
// at c_haddr in a clock with c_en (sw_junction grants it only when the engine leaves that half alone,
// and a read only in a clock the engine reads neither half): it writes c_wdata under the nibble mask
// c_mask (SPRAM's MASKWREN: 2 bits per byte) when c_we, else reads; its word is on rdata the clock
// after (the engine uses rdata only the clock after its own reads, so the two share the output mux).
module sw_wbank #(
  parameter integer AW = `SW_WROW_BITS
) (
  input  wire                        clk,
  input  wire                        re,
  input  wire [AW-1:0]               raddr,
  output wire [`SW_W_BITS-1:0]       rdata,
  input  wire                        we,
  input  wire [AW-1:0]               waddr,
  input  wire [`SW_W_BITS-1:0]       wdata,
  input  wire [AW-2:0]               haddr0,
  input  wire [AW-2:0]               haddr1,
  input  wire                        c_en,
  input  wire                        c_half,
  input  wire [AW-2:0]               c_haddr,
  input  wire                        c_we,
  input  wire [3:0]                  c_mask,
  input  wire [15:0]                 c_wdata
);
  reg rsel;
  wire c_rd = c_en && !c_we;
  always @(posedge clk) if (re || c_rd) rsel <= c_rd ? c_half : raddr[0];
  wire [`SW_W_BITS-1:0] q0, q1;
  assign rdata = rsel ? q1 : q0;
  genvar h;
  generate
    for (h = 0; h < 2; h = h + 1) begin : g_half
      wire cpu = c_en && (c_half == h);
      wire wr = cpu ? c_we : (we && (waddr[0] == h));
      wire rd = cpu ? !c_we : (re && (raddr[0] == h));
      wire [AW-2:0] addr = cpu ? c_haddr : (h == 0) ? haddr0 : haddr1;
      wire [15:0] din = cpu ? c_wdata : wdata;
      wire [3:0] mask = cpu ? c_mask : 4'b1111;
`ifdef SW_SPRAM
      wire [15:0] dout;
      SB_SPRAM256KA u_spram (
        .ADDRESS(addr), .DATAIN(din), .MASKWREN(mask), .WREN(wr), .CHIPSELECT(wr | rd),
        .CLOCK(clk), .STANDBY(1'b0), .SLEEP(1'b0), .POWEROFF(1'b1), .DATAOUT(dout)
      );
      if (h == 0) begin : g_q0
        assign q0 = dout;
      end else begin : g_q1
        assign q1 = dout;
      end
`else
      reg [`SW_W_BITS-1:0] mem [0:(1<<(AW-1))-1];
      reg [`SW_W_BITS-1:0] q;
      wire [15:0] bits = {{4{mask[3]}}, {4{mask[2]}}, {4{mask[1]}}, {4{mask[0]}}};
      // as SB_SPRAM256KA: a write leaves the output undefined (x), so no user may rely on a word read
      // before it (the behavioural model would otherwise hide that until the board)
      always @(posedge clk) begin
        if (wr) begin
          mem[addr] <= (mem[addr] & ~bits) | (din & bits);
          q <= {`SW_W_BITS{1'bx}};
        end else if (rd) q <= mem[addr];
      end
      if (h == 0) begin : g_q0
        assign q0 = q;
      end else begin : g_q1
        assign q1 = q;
      end
`endif
    end
  endgenerate
endmodule
