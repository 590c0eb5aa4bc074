/* The requests that change the network, on the sequencer (sw_seq.v) through sw_ctrl.v's port: what
 * sw_exec.v and sw_samples.v do in the RTL endpoint, with the emulator's checks in the emulator's order
 * (emulator/device.ts), so the same bad request gets the same NAK code.
 *
 * The store layout is sw_seq.v's header / test/rtl/seq.ts seqLayout (globals, then SW_STORE_JUNCTION_WORDS
 * per junction); the activation slots follow firmware-spec/store.ts storeLayout. */
#include "board.h"

board_t B;
uint8_t preds[PRED_MAX];

enum { G_L = 0, G_DFA = 1, G_LR = 2, G_FBS = 3, G_FBSEED = 4, G_SLOTB = 6, G_REC = 7, G_HEAD = 8 };
enum { CMD_LOAD_SEEDS = 0, CMD_TRAIN = 1, CMD_SELECT = 2, CMD_INFER = 3 };
#define HP_WEIGHT 3u /* sw_junction.v host port: weights */
#define HP_SEL (HP_WEIGHT << 16)
#define HP_START (1u << 19)
#define HP_RD (1u << 20)
#define HP_WR (1u << 21)

/* the sequencer's port: consecutive words from a port address on */
void st_at(uint32_t addr) { IO(SW_IO_ST_ADDR) = addr; }
void st_put(uint32_t word) { IO(SW_IO_ST) = word & 0xffff; }

static void seq_cmd(uint32_t cmd, uint32_t n) {
  while (!(IO(SW_IO_CMD) & 2)) { /* ready */
  }
  IO(SW_IO_CMD) = cmd << 16 | (n & 0xffff);
  for (volatile int i = 0; i < 1; i++) { /* busy rises within two clocks of the command */
  }
}
static void seq_wait(void) {
  while (IO(SW_IO_CMD) & 1) {
  }
}

void counters_clear(void) { B.clocks = B.jcycles = B.trained = B.inferred = 0; }

void board_reset(void) {
  uint8_t *p = (uint8_t *)&B;
  for (uint32_t i = 0; i < sizeof B; i++) p[i] = 0;
}

/* firmware-spec bitsFor: the least b with 2^b >= m */
static uint32_t bits_for(uint32_t m) {
  uint32_t b = 0;
  while ((1u << b) < m) b++;
  return b;
}

/* ---- CONFIGURE: two walks over the descriptor, the first checks, the second writes -------------- */
#define JBYTES 31 /* a junction's struct: p, n, fo, fi u32, z u16, connectivity, start-vector mode, option, activation, initShift u8, two seeds u32 */
static uint8_t configure(void) {
  const uint8_t *d = pl;
  uint32_t len = pl_len, pos;
  uint8_t bp = 0, bd = 0;
  static const uint8_t fmt[6] = {SW_ACT_BITS, SW_ACT_FRAC, SW_W_BITS, SW_W_FRAC, SW_D_BITS, SW_D_FRAC};
  if (len < 19) return SW_ERR_BAD_PAYLOAD;
  for (int i = 0; i < 6; i++) if (d[i] != fmt[i]) bd = 1;
  uint32_t dfa = d[7];
  if (dfa >= SW_ENUM_FEEDBACK) bp = 1;
  else if (dfa && !SW_CAP_DFA) bd = 1;
  if (d[13] >= SW_ENUM_ROUNDING) bp = 1;
  else if (d[13] != 0 && !SW_CAP_STOCHASTIC_ROUNDING) bd = 1;
  uint32_t L = d[18];
  if (L == 0 || L > SW_MAX_JUNCTIONS) bd = 1;
  uint32_t slotb = bits_for(dfa ? L + 1 : 2 * L);
  uint32_t nxt = SW_STORE_GLOBAL_WORDS + SW_STORE_JUNCTION_WORDS * L;
  uint64_t words = 0;
  uint32_t rows = 0, prev_n = 0, rec = 0, nout = 0;
  uint8_t no_fit = 0;
  uint32_t jw[SW_MAX_JUNCTIONS][17];
  uint32_t edges[SW_MAX_JUNCTIONS];
  pos = 19;
  for (uint32_t j = 0; j < L; j++) {
    if (pos + JBYTES > len) return SW_ERR_BAD_PAYLOAD;
    const uint8_t *s = d + pos;
    uint32_t p = rd32(s), n = rd32(s + 4), fo = rd32(s + 8), fi = rd32(s + 12), z = rd16(s + 16);
    if (j != 0 && p != prev_n) bd = 1;
    if (j == 0) rec = p + 1;
    if (z > SW_LANES) bd = 1;
    if (s[18] >= SW_ENUM_CONNECTIVITY) bp = 1;
    if (s[19] >= SW_ENUM_START_VECTOR_MODE) bp = 1;
    if (s[20] > 1) bp = 1;
    else if (s[20] == 1) return bp ? SW_ERR_BAD_PAYLOAD : SW_ERR_BAD_DESCRIPTOR; /* explicit start vectors: the RTL draws them */
    if (s[21] >= SW_ENUM_ACTIVATION) bp = 1;
    uint64_t q_w = (uint64_t)n * fi, q = (uint64_t)p * fo;
    if (s[18] != SW_CONN_LFSR && q != q_w) bd = 1;
    uint32_t wbase = rows;
    words += q_w;
    if (n >> 16) no_fit = 1; /* its layer's store words exceed the board's */
    rows += (uint32_t)(z == 2 ? q_w >> 1 : q_w);
    uint32_t as_n = bits_for(n);
    if (as_n > 11) no_fit = 1;
    int hidden = j + 1 != L;
    uint32_t slots = (1u << slotb) << (as_n > 16 ? 16 : as_n);
    uint32_t abase = hidden ? nxt : 0;
    uint32_t after = hidden ? nxt + slots : nxt;
    uint32_t fbbase = dfa && hidden ? after + (2u << as_n) : 0;
    nxt = after + (2u << as_n) + (dfa && hidden ? n : 0);
    uint32_t *w = jw[j % SW_MAX_JUNCTIONS];
    if (j < SW_MAX_JUNCTIONS) {
      w[0] = z; w[1] = z == 2 ? p >> 1 : p; w[2] = fo; w[3] = fi; w[4] = wbase; w[5] = s[22]; w[6] = s[21] & 1;
      w[7] = rd16(s + 23); w[8] = rd16(s + 25); w[9] = rd16(s + 27); w[10] = rd16(s + 29);
      w[11] = p; w[12] = n; w[13] = abase; w[14] = as_n; w[15] = after; w[16] = fbbase;
      edges[j] = (uint32_t)q_w;
    }
    prev_n = n;
    nout = n;
    pos += JBYTES;
  }
  /* the update option: none, or mode u8, streamLength u16 */
  if (pos >= len) return SW_ERR_BAD_PAYLOAD;
  uint8_t has_u = d[pos++];
  if (has_u > 1) bp = 1;
  else if (has_u) {
    if (pos + 3 > len) return SW_ERR_BAD_PAYLOAD;
    uint8_t mode = d[pos];
    if (mode >= SW_ENUM_UPDATE_MODE) bp = 1;
    else if (mode != 0 && !SW_CAP_ESSOP) bd = 1;
    if (mode == 0 && rd16(d + pos + 1) != 0) bd = 1; /* the exact update has no stream */
    pos += 3;
  }
  if (pos != len) bp = 1; /* trailing bytes */
  if (words > SW_CAP_WEIGHT_WORDS || nxt - SW_STORE_GLOBAL_WORDS > SW_CAP_ACTIVATION_WORDS) no_fit = 1;
  if (bp) return SW_ERR_BAD_PAYLOAD;
  if (no_fit) return SW_ERR_DOES_NOT_FIT;
  if (bd) return SW_ERR_BAD_DESCRIPTOR;
  /* pass 2: the store */
  uint32_t g[9] = {L, dfa, d[6], d[8], rd16(d + 9), rd16(d + 11), slotb, rec, 0};
  st_at(0);
  for (uint32_t k = 0; k < 9; k++) st_put(g[k]);
  for (uint32_t j = 0; j < L; j++) {
    st_at(SW_STORE_GLOBAL_WORDS + SW_STORE_JUNCTION_WORDS * j);
    for (uint32_t k = 0; k < 17; k++) st_put(jw[j][k]);
  }
  board_reset();
  B.configured = 1;
  B.L = L;
  B.nout = nout;
  B.dfa = dfa != 0;
  for (uint32_t j = 0; j < L; j++) {
    B.n[j] = jw[j][12];
    B.fbbase[j] = jw[j][16];
    B.ishift[j] = jw[j][5];
  }
  B.p = rec - 1;
  B.rec = rec;
  for (uint32_t j = 0; j < L; j++) B.edges[j] = edges[j];
  return 0;
}

/* ---- weights through the engine's host port on the SELECTed junction ----------------------------- */
static void hp_open(uint32_t j, uint32_t skip) {
  seq_cmd(CMD_SELECT, j);
  seq_wait();
  IO(SW_IO_HP) = HP_SEL | HP_START;
  (void)IO(SW_IO_HP);
  while (skip--) {
    IO(SW_IO_HP) = HP_SEL | HP_RD;
    while ((int32_t)IO(SW_IO_HP) < 0) {
    }
  }
}

/* ---- LOAD_SEEDS: connectivity and init seeds per junction, feedback seed, rounding seed ---------- */
/* What LOAD_SEEDS draws, drawn here rather than by the sequencer (sw_seq INIT_DRAW = MATRIX_DRAW = 0
 * on this top: the logic cells those draws took are what the board lacks), each from a 32-bit LFSR
 * (firmware-spec/lfsr.ts) seeded as the spec says. */
static uint32_t lfsr_state;
static uint32_t lfsr_bit(void) {
  uint32_t out = lfsr_state & 1;
  lfsr_state = (lfsr_state >> 1) ^ (out ? SW_LFSR_MASK_32 : 0);
  return out;
}
static uint32_t lfsr_draw(uint32_t bits) {
  uint32_t v = 0;
  while (bits--) v = v << 1 | lfsr_bit();
  return v;
}
/* Eight steps at once: the LFSR is linear and a step only moves bits down, so eight steps of a state s
 * give (s >> 8) ^ step8_state[s & 255] and the output bits step8_out[s & 255] (first out the most
 * significant). Filled once (2,048 bit steps); a weight then costs two lookups instead of 16 steps,
 * which keeps LOAD_SEEDS of MNIST's 34,048 weights at about 11.3 M clocks (0.47 s at 24 MHz, measured in
 * co-simulation; drawn bit by bit, a first version outlasted the host's retries there). */
static uint32_t step8_state[256];
static uint8_t step8_out[256];
static uint8_t step8_ready;
static void step8_fill(void) {
  for (uint32_t x = 0; x < 256; x++) {
    lfsr_state = x;
    step8_out[x] = (uint8_t)lfsr_draw(8);
    step8_state[x] = lfsr_state;
  }
  step8_ready = 1;
}
static uint32_t lfsr_draw8(void) {
  uint32_t lo = lfsr_state & 255;
  lfsr_state = (lfsr_state >> 8) ^ step8_state[lo];
  return step8_out[lo];
}
/* Initial weights (network.ts initialWeights): per weight in canonical order, SW_W_BITS output bits
 * (first most significant) as a two's-complement word, shifted right by initShift (floor); written
 * through the host port in that order, as WRITE_WEIGHTS writes them. */
_Static_assert(SW_W_BITS == 16, "draw_weights draws a weight as two 8-step lookups");
static void draw_weights(uint32_t j, uint32_t seed) {
  if (!step8_ready) step8_fill();
  lfsr_state = seed;
  hp_open(j, 0);
  for (uint32_t k = 0; k < B.edges[j]; k++) {
    uint32_t hi = lfsr_draw8();
    int32_t w = (int16_t)(hi << 8 | lfsr_draw8());
    IO(SW_IO_HP) = HP_SEL | HP_WR | ((uint32_t)(w >> B.ishift[j]) & 0xffffu);
  }
}
/* The DFA feedback matrix (network.ts dfaFeedback): from the feedback seed, hidden layer by hidden
 * layer, per neuron the output column (below(outputs): ceil(log2 outputs) bits, first most
 * significant, drawn again while >= outputs) then one sign bit; stored as {sign in bit 15, column} at
 * the layer's DFA rows, where TRAIN reads it. */
static void draw_feedback(uint32_t seed) {
  uint32_t nout = B.nout, b = bits_for(nout);
  lfsr_state = seed;
  for (uint32_t j = 0; j + 1 < B.L; j++) {
    st_at(B.fbbase[j]);
    for (uint32_t h = 0; h < B.n[j]; h++) {
      uint32_t col;
      do col = lfsr_draw(b);
      while (col >= nout);
      st_put(lfsr_bit() << 15 | col);
    }
  }
}

static uint8_t load_seeds(void) {
  const uint8_t *d = pl;
  uint32_t a = d[0], b = d[1 + 4 * a];
  if (a != B.L || b != B.L) return SW_ERR_BAD_PAYLOAD;
  for (uint32_t i = 0; i < 2 + 2 * (uint32_t)B.L; i++) {
    uint32_t at = 1 + 4 * i + (i >= a ? 1 : 0);
    if (rd32(d + at) == 0) return SW_ERR_BAD_PAYLOAD;
  }
  for (uint32_t j = 0; j < B.L; j++) {
    uint32_t base = SW_STORE_GLOBAL_WORDS + SW_STORE_JUNCTION_WORDS * j;
    uint32_t cs = rd32(d + 1 + 4 * j), is = rd32(d + 2 + 4 * a + 4 * j);
    st_at(base + 7);
    st_put(cs);
    st_put(cs >> 16);
    st_put(is);
    st_put(is >> 16);
  }
  uint32_t fb = rd32(d + 2 + 4 * a + 4 * b);
  st_at(G_FBSEED);
  st_put(fb);
  st_put(fb >> 16);
  B.rseed = rd32(d + 6 + 4 * a + 4 * b);
  for (uint32_t j = 0; j < B.L; j++) draw_weights(j, rd32(d + 2 + 4 * a + 4 * j));
  if (B.dfa) draw_feedback(fb);
  B.seeded = 1;
  return 0;
}

/* ---- the ring: records (label, p input bytes) at consecutive byte addresses, two to a word ------- */
/* one byte of the record stream (sw_ctrl.v pairs them into words) */
#define RING_PUT(v) (IO(SW_IO_STB) = (v))

/* the pixel k of an image of `enc` (u8; u4: high nibble first, v * 17; bin: MSB first, 255 or 0) */
static uint32_t pixel(const uint8_t *img, uint32_t enc, uint32_t k) {
  if (enc == SW_ENC_U8) return img[k];
  if (enc == SW_ENC_U4) return ((k & 1) ? img[k >> 1] & 15 : img[k >> 1] >> 4) * 17;
  return (img[k >> 3] >> (7 - (k & 7)) & 1) ? 255 : 0;
}

static uint8_t stream_samples(result_t *res) {
  uint32_t enc = pl[0], count = rd16(pl + 1), len = pl_len;
  if (!((SW_CAP_ENCODINGS >> enc) & 1)) return SW_ERR_BAD_ENCODING;
  if (len - 3 < count) return SW_ERR_BAD_PAYLOAD;
  uint32_t p = B.p;
  uint32_t per = enc == SW_ENC_U8 ? p : enc == SW_ENC_U4 ? (p + 1) / 2 : (p + 7) / 8;
  const uint8_t *img = pl + 3 + count;
  /* too few or too many image bytes (so a STREAM_SAMPLES of one sample longer than the frame buffer,
   * the only request the buffer does not keep whole, ends here) */
  if (len - 3 - count != count * per) return SW_ERR_BAD_ENCODING;
  /* padding bits past the last pixel must be 0 */
  for (uint32_t x = 0; x < count; x++) {
    uint32_t bits = enc == SW_ENC_U8 ? 0 : enc == SW_ENC_U4 ? 4 * per - 4 * p : 8 * per - p;
    if (bits && (img[x * per + per - 1] & ((1u << bits) - 1))) return SW_ERR_BAD_ENCODING;
  }
  for (uint32_t x = 0; x < count; x++) if (pl[3 + x] >= B.nout) return SW_ERR_BAD_PAYLOAD;
  if (B.bytes + count * B.rec > RING_BYTES) return SW_ERR_SAMPLE_OVERFLOW;
  st_at(RING_FLAG | B.tail >> 1);
  if (B.tail & 1) RING_PUT(B.tail_lo); /* the word's low byte is the last record's: written again */
  uint32_t last = B.tail_lo;
  for (uint32_t x = 0; x < count; x++) {
    RING_PUT(pl[3 + x]);
    const uint8_t *im = img + x * per;
    if (enc == SW_ENC_U8)
      for (uint32_t k = 0; k < p; k++) RING_PUT(im[k]);
    else
      for (uint32_t k = 0; k < p; k++) RING_PUT(pixel(im, enc, k));
    last = p ? pixel(im, enc, p - 1) : pl[3 + x];
  }
  B.tail = (B.tail + count * B.rec) & (RING_BYTES - 1);
  B.tail_lo = last;
  B.nbuf += count;
  B.bytes += count * B.rec;
  res->r[0] = B.nbuf;
  return 0;
}

/* ---- TRAIN / INFER n: the ring's head into global 8, then the sequencer runs ------------------- */
static uint8_t run(result_t *res, int infer) {
  uint32_t n = rd32(pl);
  if (infer && n > SW_MAX_PAYLOAD - SW_RUN_RESULT_BYTES) return SW_ERR_BAD_PAYLOAD; /* more predictions than a response carries */
  if (!B.configured) return SW_ERR_NOT_CONFIGURED;
  if (!B.seeded) return SW_ERR_NO_SEEDS;
  if (n > B.nbuf) return SW_ERR_SAMPLE_UNDERFLOW;
  if (infer && n > PRED_MAX) return SW_ERR_BAD_PAYLOAD; /* the board keeps PRED_MAX predictions */
  st_at(G_HEAD);
  st_put(B.head);
  IO(SW_IO_PRED) = 0; /* an empty prediction FIFO */
  seq_cmd(infer ? CMD_INFER : CMD_TRAIN, n);
  seq_wait();
  /* INFER's n predictions, in sample order, from the FIFO the sequencer filled */
  for (uint32_t k = 0; infer && k < n; k++) {
    int32_t pv;
    while ((pv = (int32_t)IO(SW_IO_PRED)) < 0) { /* the last arrives two clocks after busy drops */
    }
    preds[k] = (uint8_t)pv;
  }
  uint32_t rj = IO(SW_IO_RESULT), clocks = IO(SW_IO_CLOCKS);
  res->r[0] = n;
  res->r[1] = rj & 0xffff;
  res->r[2] = rj >> 16;
  res->r[3] = clocks;
  B.clocks += clocks;
  B.jcycles += rj >> 16;
  if (infer) B.inferred += n;
  else B.trained += n;
  uint32_t used = n * B.rec;
  B.head = (B.head + used) & (RING_BYTES - 1);
  B.nbuf -= n;
  B.bytes -= used;
  return 0;
}

void weights_stream(uint32_t j, uint32_t offset, uint32_t count, void (*put)(uint32_t)) {
  hp_open(j, offset);
  while (count--) {
    IO(SW_IO_HP) = HP_SEL | HP_RD;
    int32_t v;
    while ((v = (int32_t)IO(SW_IO_HP)) < 0) {
    }
    put((uint32_t)v);
  }
}

static uint8_t read_weights(result_t *res) {
  uint32_t j = pl[0], off = rd32(pl + 1), count = rd32(pl + 5);
  if (!B.seeded) return SW_ERR_NO_SEEDS;
  if (j >= B.L || (uint64_t)off + count > B.edges[j]) return SW_ERR_OUT_OF_RANGE;
  if (count > SW_BULK_PAYLOAD / 2) return SW_ERR_BAD_PAYLOAD;
  res->r[0] = j;
  res->r[1] = off;
  res->r[2] = count;
  return 0;
}

static uint8_t write_weights(void) {
  uint32_t len = pl_len;
  if (!(len & 1)) return SW_ERR_BAD_PAYLOAD; /* 5 + 2k bytes: whole 16-bit words */
  if (!B.seeded) return SW_ERR_NO_SEEDS;
  uint32_t j = pl[0], off = rd32(pl + 1), count = (len - 5) / 2;
  if (j >= B.L || (uint64_t)off + count > B.edges[j]) return SW_ERR_OUT_OF_RANGE;
  hp_open(j, off);
  for (uint32_t i = 0; i < count; i++) IO(SW_IO_HP) = HP_SEL | HP_WR | rd16(pl + 5 + 2 * i);
  return 0;
}

void exec_run(result_t *res) {
  uint8_t op = res->op;
  if (op != SW_OP_CONFIGURE && op != SW_OP_INFER && op != SW_OP_TRAIN && !B.configured) {
    res->code = SW_ERR_NOT_CONFIGURED;
    return;
  }
  switch (op) {
    case SW_OP_CONFIGURE: res->code = configure(); break;
    case SW_OP_LOAD_SEEDS: res->code = load_seeds(); break;
    case SW_OP_STREAM_SAMPLES: res->code = stream_samples(res); break;
    case SW_OP_TRAIN: res->code = run(res, 0); break;
    case SW_OP_INFER: res->code = run(res, 1); break;
    case SW_OP_READ_WEIGHTS: res->code = read_weights(res); break;
    case SW_OP_WRITE_WEIGHTS: res->code = write_weights(); break;
    default: res->code = SW_ERR_BAD_OPCODE;
  }
}
