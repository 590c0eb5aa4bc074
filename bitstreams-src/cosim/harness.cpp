// Co-simulation harness: the Verilator model of sw_top (the whole board's logic) behind a pseudo-terminal.
// (In the soft-CPU build the model is cosim_top.v, sw_top with the SPI flash model, built under the same
// class name Vsw_top with the same pins.)
//
// The model is clocked cycle by cycle at the device clock. Host bytes read from the pty are buffered and
// shifted into uart_rx bit by bit (8N1, LSB first) at the UART's bit period in device clocks, so they
// arrive at line rate in simulated time; uart_tx is sampled in the middle of each bit the same way and
// the bytes go back to the pty. The host opens the printed /dev/pts/N as a serial port and sees a board.
//
// Usage: sw_cosim --clock-hz HZ --baud N
//   prints the pty path as the first line of stdout; runs until SIGINT/SIGTERM, then prints one JSON
//   line to stderr: simulated clocks, wall seconds, seconds spent simulating, clocks per second.
//
// When nothing is happening (no host bytes queued, uart_tx idle for IDLE_BITS bit periods, sequencer
// not busy) the harness waits on the pty instead of spinning: simulated time stands still while the
// board would only idle, and the shared machine's cores stay free.
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <fcntl.h>
#include <memory>
#include <poll.h>
#include <string>
#include <termios.h>
#include <unistd.h>
#include <vector>

#include "Vsw_top.h"
#include "verilated.h"

namespace {

volatile std::sig_atomic_t g_stop = 0;
void on_signal(int) { g_stop = 1; }

/** bit periods of quiet line (and nothing queued) after which the board is taken to be idle */
constexpr uint64_t IDLE_BITS = 64;
/** device clocks simulated between looks at the pty */
constexpr uint64_t SLICE_CLOCKS = 4096;
/** host-bound bytes kept while no host reads the pty (beyond this the oldest are dropped) */
constexpr size_t OUT_LIMIT = 1 << 20;

struct Options {
  uint64_t clock_hz = 0;
  uint64_t baud = 0;
};

bool parse_u64(const char *s, uint64_t &out) {
  char *end = nullptr;
  errno = 0;
  unsigned long long v = std::strtoull(s, &end, 10);
  if (errno != 0 || end == s || *end != '\0' || v == 0) return false;
  out = v;
  return true;
}

bool parse_args(int argc, char **argv, Options &o) {
  for (int i = 1; i < argc; i++) {
    std::string a = argv[i];
    if (i + 1 >= argc) return false;
    if (a == "--clock-hz") {
      if (!parse_u64(argv[++i], o.clock_hz)) return false;
    } else if (a == "--baud") {
      if (!parse_u64(argv[++i], o.baud)) return false;
    } else {
      return false;
    }
  }
  return o.clock_hz != 0 && o.baud != 0;
}

/** The master side of a new pty in raw mode; `slave_path` names the side the host opens. */
int open_pty(std::string &slave_path, int &slave_hold) {
  int m = posix_openpt(O_RDWR | O_NOCTTY);
  if (m < 0 || grantpt(m) != 0 || unlockpt(m) != 0) return -1;
  const char *name = ptsname(m);
  if (!name) return -1;
  slave_path = name;
  // hold the slave open ourselves: otherwise reading the master fails with EIO whenever no host has
  // the port open (before the first open and between sessions)
  slave_hold = open(name, O_RDWR | O_NOCTTY);
  if (slave_hold < 0) return -1;
  struct termios t;
  if (tcgetattr(slave_hold, &t) != 0) return -1;
  cfmakeraw(&t);
  if (tcsetattr(slave_hold, TCSANOW, &t) != 0) return -1;
  int fl = fcntl(m, F_GETFL);
  if (fl < 0 || fcntl(m, F_SETFL, fl | O_NONBLOCK) != 0) return -1;
  return m;
}

/** Drives uart_rx: one queued byte at a time as start bit, 8 data bits LSB first, stop bit. */
struct UartDriver {
  uint64_t div;
  std::deque<uint8_t> queue;
  int bit = -1;  // -1: line idle; 0: start; 1..8: data; 9: stop
  uint64_t left = 0;
  uint16_t frame = 0;
  explicit UartDriver(uint64_t d) : div(d) {}
  bool busy() const { return bit >= 0 || !queue.empty(); }
  /** the line level for the coming clock */
  uint8_t step() {
    if (bit < 0) {
      if (queue.empty()) return 1;
      frame = static_cast<uint16_t>((1u << 9) | (static_cast<uint16_t>(queue.front()) << 1));  // stop, data, start
      queue.pop_front();
      bit = 0;
      left = div;
    }
    uint8_t level = (frame >> bit) & 1;
    if (--left == 0) {
      left = div;
      if (++bit > 9) bit = -1;
    }
    return level;
  }
};

/** Samples uart_tx: a falling edge starts a byte; each bit is read in its middle; the stop bit must be 1. */
struct UartSampler {
  uint64_t div;
  int bit = -1;
  uint64_t wait = 0;
  uint8_t data = 0;
  uint8_t prev = 1;
  uint64_t quiet = 0;  // clocks since the line last left idle
  explicit UartSampler(uint64_t d) : div(d) {}
  /** feed the line level after a clock; returns true and sets `out` when a byte is complete */
  bool step(uint8_t level, uint8_t &out) {
    bool done = false;
    if (bit < 0) {
      if (prev == 1 && level == 0) {
        bit = 0;
        wait = div / 2;
        quiet = 0;
      } else {
        quiet++;
      }
    } else if (--wait == 0) {
      if (bit == 0) {
        if (level != 0) bit = -1;  // a glitch, not a start bit
        else {
          bit = 1;
          wait = div;
        }
      } else if (bit <= 8) {
        data = static_cast<uint8_t>((data >> 1) | (level << 7));
        bit++;
        wait = div;
      } else {
        if (level == 1) {
          out = data;
          done = true;
        }
        bit = -1;
      }
    }
    prev = level;
    return done;
  }
};

}  // namespace

int main(int argc, char **argv) {
  Options opt;
  if (!parse_args(argc, argv, opt)) {
    std::fprintf(stderr, "usage: %s --clock-hz HZ --baud N\n", argv[0]);
    return 2;
  }
  if (opt.clock_hz % opt.baud != 0 || opt.clock_hz / opt.baud < 2) {
    std::fprintf(stderr, "sw_cosim: %llu baud is not a whole divisor (>= 2) of the %llu Hz device clock\n",
                 static_cast<unsigned long long>(opt.baud), static_cast<unsigned long long>(opt.clock_hz));
    return 2;
  }
  const uint64_t div = opt.clock_hz / opt.baud;

  std::string path;
  int hold = -1;
  int pty = open_pty(path, hold);
  if (pty < 0) {
    std::fprintf(stderr, "sw_cosim: cannot create a pseudo-terminal: %s\n", std::strerror(errno));
    return 1;
  }
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  std::signal(SIGPIPE, SIG_IGN);

  auto ctx = std::make_unique<VerilatedContext>();
  ctx->commandArgs(argc, argv);
  auto top = std::make_unique<Vsw_top>(ctx.get());
  UartDriver drv(div);
  UartSampler smp(div);
  std::vector<uint8_t> out;  // bytes for the host not yet written to the pty
  uint64_t clocks = 0;

  top->clk_12m = 0;
  top->uart_rx = 1;
  top->eval();

  std::printf("%s\n", path.c_str());
  std::fflush(stdout);
  std::fprintf(stderr, "sw_cosim: sw_top at %llu Hz, UART %llu baud (%llu clocks per bit) on %s\n",
               static_cast<unsigned long long>(opt.clock_hz), static_cast<unsigned long long>(opt.baud),
               static_cast<unsigned long long>(div), path.c_str());

  const auto t0 = std::chrono::steady_clock::now();
  double waited = 0;  // wall seconds spent waiting on an idle board
  uint8_t buf[4096];
  while (!g_stop) {
    // host -> board: everything the host has written, queued for the UART driver
    for (;;) {
      ssize_t n = read(pty, buf, sizeof buf);
      if (n <= 0) break;
      drv.queue.insert(drv.queue.end(), buf, buf + n);
    }
    // board -> host
    if (!out.empty()) {
      ssize_t n = write(pty, out.data(), out.size());
      if (n > 0) out.erase(out.begin(), out.begin() + n);
      if (out.size() > OUT_LIMIT) out.erase(out.begin(), out.end() - OUT_LIMIT);
    }
    const bool idle = !drv.busy() && smp.bit < 0 && smp.quiet >= IDLE_BITS * div && top->led_r_n;
    if (idle) {
      struct pollfd p = {pty, POLLIN, 0};
      if (!out.empty()) p.events |= POLLOUT;
      const auto w0 = std::chrono::steady_clock::now();
      poll(&p, 1, 50);
      waited += std::chrono::duration<double>(std::chrono::steady_clock::now() - w0).count();
      if (!(p.revents & POLLIN)) continue;
      continue;
    }
    for (uint64_t i = 0; i < SLICE_CLOCKS; i++) {
      top->uart_rx = drv.step();
      top->clk_12m = 1;
      top->eval();
      top->clk_12m = 0;
      top->eval();
      uint8_t b;
      if (smp.step(top->uart_tx, b)) out.push_back(b);
    }
    clocks += SLICE_CLOCKS;
  }

  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const double busy = wall - waited;
  top->final();
  close(pty);
  close(hold);
  std::fprintf(stderr,
               "{\"cosim\":{\"stopped\":\"%s\",\"clocks\":%llu,\"clockHz\":%llu,\"wallSeconds\":%.3f,"
               "\"simulatingSeconds\":%.3f,\"clocksPerSecond\":%.0f}}\n",
               "signal", static_cast<unsigned long long>(clocks), static_cast<unsigned long long>(opt.clock_hz), wall,
               busy, busy > 0 ? clocks / busy : 0.0);
  return 0;
}
