`default_nettype none
`include "spec.vh"
// The co-simulated board (cosim/build.ts, harness.cpp; simulation only): sw_top and, in the soft-CPU
// build (SW_CPU_PORT), the iCEBreaker's SPI flash (tb/sim_spi_flash.v) holding the firmware image at
// SW_FLASH_BOOT_OFFSET, which sw_top's boot loader (rtl/sw_boot.v) copies into the firmware RAM after
// reset. The flash model reads "firmware.hex" from the working directory (the build puts the image
// there), or +flash_hex=FILE. The ports are sw_top's pins that the harness drives and samples.
module cosim_top #(
  parameter integer UART_DIV = `SW_UART_DIV  // clocks per UART bit (the harness's --baud)
) (
  input  wire clk_12m,
  input  wire uart_rx,
  output wire uart_tx,
  output wire led_r_n,
  output wire led_g_n
);
`ifdef SW_CPU_PORT
  wire flash_cs_n, flash_sck, flash_mosi, flash_miso;
  sw_top #(.UART_DIV(UART_DIV)) u_top (
    .clk_12m(clk_12m), .uart_rx(uart_rx), .uart_tx(uart_tx), .led_r_n(led_r_n), .led_g_n(led_g_n),
    .flash_cs_n(flash_cs_n), .flash_sck(flash_sck), .flash_mosi(flash_mosi), .flash_miso(flash_miso));
  sim_spi_flash #(.HEX("firmware.hex")) u_flash (.cs_n(flash_cs_n), .sck(flash_sck), .mosi(flash_mosi), .miso(flash_miso));
`else
  sw_top #(.UART_DIV(UART_DIV)) u_top (
    .clk_12m(clk_12m), .uart_rx(uart_rx), .uart_tx(uart_tx), .led_r_n(led_r_n), .led_g_n(led_g_n));
`endif
endmodule
