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
