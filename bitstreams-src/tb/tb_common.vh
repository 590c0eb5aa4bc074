// Shared scoreboard for the testbenches: count checks, report mismatches, print a parseable summary.
integer sb_total = 0;
integer sb_pass = 0;
integer sb_shown = 0;
task automatic sb_check(input [255:0] what, input integer index, input signed [63:0] got, input signed [63:0] want);
  begin
    sb_total = sb_total + 1;
    if (got === want) sb_pass = sb_pass + 1;
    else if (sb_shown < 20) begin
      sb_shown = sb_shown + 1;
      $display("MISMATCH %0s[%0d]: got %0d, want %0d", what, index, got, want);
    end
  end
endtask
task automatic sb_summary;
  begin
    if (sb_total > 0 && sb_pass == sb_total) $display("PASS %0d/%0d vectors", sb_pass, sb_total);
    else $display("FAIL %0d/%0d vectors", sb_pass, sb_total);
  end
endtask
// The script a scripted testbench runs, from +script=FILE; ends the run with a FAIL line if absent.
function automatic integer sb_open_script(input integer unused);
  reg [1023:0] path;
  integer f;
  begin
    f = 0;
    if (!$value$plusargs("script=%s", path)) begin
      $display("FAIL 0/0 vectors: no +script=FILE");
      $finish;
    end else begin
      f = $fopen(path, "r");
      if (f == 0) begin
        $display("FAIL 0/0 vectors: cannot open the script");
        $finish;
      end
    end
    sb_open_script = f;
  end
endfunction
// Watchdog for the testbenches' waits on the DUT: `SB_WAIT_WHILE(cond, what, state) waits on the
// falling clock edge while cond holds, for at most sb_watchdog clocks (+watchdog=N; default 4,000,000,
// far above any vector's TRAIN); then it ends the run with a FAIL line naming what it waited for and
// the DUT's state, so a broken RTL fails its test instead of hanging CI.
integer sb_watchdog = 4000000;
integer sb_waited = 0;
initial if (!$value$plusargs("watchdog=%d", sb_watchdog)) sb_watchdog = 4000000;
task automatic sb_stuck(input [255:0] what, input integer state);
  begin
    $display("FAIL %0d/%0d vectors: watchdog: stuck %0d clocks waiting for %0s (DUT state %0d)", sb_pass, sb_total, sb_waited, what, state);
    $finish;
  end
endtask
`define SB_WAIT_WHILE(cond, what, state) \
  begin \
    sb_waited = 0; \
    while (cond) begin \
      @(negedge clk); \
      sb_waited = sb_waited + 1; \
      if (sb_waited > sb_watchdog) sb_stuck(what, state); \
    end \
  end
