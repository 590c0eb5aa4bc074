# Reset entry of the board's firmware on sw_cpu (RV32I): stack pointer to the top of RAM, .bss cleared,
# main() called; if main returns, EBREAK (sw_cpu halts and raises `trap`).
# .data needs no copy: the image is loaded into RAM as a whole (EBR initial contents).
    .section .text.start
    .globl _start
_start:
    la sp, __stack_top
    la a0, __bss_start
    la a1, __bss_end
1:  bgeu a0, a1, 2f
    sw zero, 0(a0)
    addi a0, a0, 4
    j 1b
2:  call main
    ebreak
3:  j 3b
