/* A self-checking program for sw_cpu (bitstreams-src/tb/tb_cpu.v): it prints a line per computation.
 * The same source is compiled for the host (cc) and for the core; the core's output must equal the
 * host's, byte for byte (test/rtl/cpu.test.ts). It exercises every RV32I instruction class the compiler
 * emits: arithmetic, shifts by constant and by register (logical and arithmetic), signed and unsigned
 * compares and branches, byte/half/word loads (signed and unsigned) and stores, jump tables, calls,
 * recursion, and libgcc's multiply and divide. */
#include <stdint.h>
#include <stddef.h>

#ifdef SELFTEST_HOST
#include <stdio.h>
static void out(char c) { putchar(c); }
#else
#define TB_PUTC (*(volatile uint32_t *)0xffffff00u) /* the testbench's console (tb_cpu.v) */
static void out(char c) { TB_PUTC = (uint8_t)c; }
#endif

static void puts_(const char *s) { while (*s) out(*s++); }
static void hex(uint32_t v) {
  for (int i = 28; i >= 0; i -= 4) out("0123456789abcdef"[(v >> i) & 15]);
}
static void line(const char *name, uint32_t v) { puts_(name); out('='); hex(v); out('\n'); }

/* volatile: keeps the compiler from folding the computations at build time */
static volatile uint32_t seed = 0x12345678u;
static volatile int32_t sneg = -123457;

static uint32_t crc32(const uint8_t *p, size_t n) {
  uint32_t c = 0xffffffffu;
  while (n--) {
    c ^= *p++;
    for (int k = 0; k < 8; k++) c = (c >> 1) ^ (0xedb88320u & -(c & 1));
  }
  return ~c;
}
static uint32_t fib(uint32_t n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }
static uint32_t pick(uint32_t k, uint32_t x) {
  switch (k) {
    case 0: return x + 1;
    case 1: return x ^ 0x55aa55aau;
    case 2: return x << 3;
    case 3: return x >> 5;
    case 4: return (uint32_t)((int32_t)x >> 7);
    case 5: return x * 2654435761u;
    case 6: return ~x;
    default: return 0xdeadbeefu;
  }
}
static uint32_t lfsr_state;
static uint32_t rnd(void) {
  lfsr_state ^= lfsr_state << 13;
  lfsr_state ^= lfsr_state >> 17;
  lfsr_state ^= lfsr_state << 5;
  return lfsr_state;
}
static uint8_t buf[64];
static int16_t halves[8];

int main(void) {
  uint32_t s = seed;
  int32_t n = sneg;
  line("add", s + 0x0fedcba9u);
  line("sub", s - 0x9abcdef0u);
  line("and", s & 0x0f0f0f0fu);
  line("or", s | 0x80000001u);
  line("xor", s ^ 0xffff0000u);
  for (uint32_t k = 0; k < 32; k += 7) {
    line("sll", s << k);
    line("srl", (s | 0x80000000u) >> k);
    line("sra", (uint32_t)(n >> k));
  }
  line("slt", (uint32_t)(n < 5) | (uint32_t)(5 < n) << 1 | (uint32_t)((uint32_t)n < 5u) << 2 | (uint32_t)(5u < (uint32_t)n) << 3);
  line("cmp", (uint32_t)(n <= -123457) | (uint32_t)(s >= 0x12345678u) << 1 | (uint32_t)(s != 0) << 2 | (uint32_t)(s == 1) << 3);
  line("lui", 0xabcde000u + (s & 0));
  line("mul", s * (uint32_t)n);
  line("div", (uint32_t)(n / 37));
  line("mod", (uint32_t)(n % 37));
  line("divu", s / 1000u);
  line("remu", s % 1000u);
  for (int i = 0; i < 64; i++) buf[i] = (uint8_t)(i * 37 + 11);
  line("crc", crc32(buf, sizeof buf));
  line("crc9", crc32((const uint8_t *)"123456789", 9));
  for (int i = 0; i < 8; i++) halves[i] = (int16_t)(i * 9000 - 30000);
  int32_t hsum = 0;
  for (int i = 0; i < 8; i++) hsum += halves[i];
  line("lh", (uint32_t)hsum);
  line("lhu", *(volatile uint16_t *)&halves[0]);
  line("lb", (uint32_t)(int32_t) * (volatile int8_t *)&buf[5]);
  line("lbu", *(volatile uint8_t *)&buf[5]);
  line("lw", *(volatile uint32_t *)&buf[8]);
  buf[1] = 0x80;
  *(volatile uint16_t *)&buf[2] = 0xbeef;
  line("sbsh", *(volatile uint32_t *)&buf[0]);
  line("fib", fib(15));
  uint32_t acc = s;
  for (uint32_t k = 0; k < 9; k++) acc = pick(k, acc);
  line("switch", acc);
  lfsr_state = s;
  uint32_t r = 0;
  for (int i = 0; i < 100; i++) r += rnd();
  line("xorshift", r);
  puts_("done\n");
  return 0;
}
