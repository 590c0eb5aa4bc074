/* The protocol endpoint: the rules of emulator/endpoint/endpoint.ts (firmware-spec/protocol.ts is the
 * normative text) on the frames sw_ctrl.v's receiver delivers (SLIP decoded, CRC checked by hardware).
 *
 * A candidate is a frame when the hardware's CRC held, it has at least header + CRC bytes and its
 * length field equals the bytes between; anything else is dropped in silence. Then, in the endpoint's
 * order: a NAK is never answered; a byte-identical copy (same seq, same CRC) of a request among the
 * last SW_REPLAY_CACHE run gets its response again; another version gets NAK bad_version; IDENTIFY
 * resynchronises (expected := its seq, the cache emptied, the session started); before the first
 * IDENTIFY every request gets NAK out_of_order; a seq ahead of `expected` gets NAK out_of_order, one
 * behind NAK stale_seq; seq == expected runs once, and its response is cached and sent.
 *
 * Responses are rebuilt from what the cache keeps (opcode, code, result words), so STATUS and
 * READ_COUNTERS replay the state at replay time and a replayed INFER sends the last INFER's
 * predictions, as on the RTL endpoint (sw_proto.v). NAKs carry an empty message. */
#include "board.h"

uint8_t pl[FB_BYTES + CRCB]; /* the payload, then its CRC field */
uint32_t pl_len;

static uint32_t wire_in, wire_out; /* frame bytes since RESET / CONFIGURE (READ_COUNTERS) */
static uint16_t expected;
static uint8_t session;
static const uint8_t ident[SW_IDENT_BYTES] = SW_IDENT_INIT;

typedef struct {
  uint8_t valid;
  uint16_t seq;
  uint32_t crc;
  result_t res;
} entry_t;
static entry_t cache[SW_REPLAY_CACHE];

/* ---- transmit: the CRC-32 here, SLIP escaping and END in sw_ctrl.v -------------------------------- */
/* CRC-32/ISO-HDLC (SW_CRC32_POLY reflected, register from all ones, final value inverted) a byte at a
 * time from a 256-entry table made at power-up: 1 KB of RAM for about 40 clocks a byte, inside the
 * line's 10 * SW_UART_DIV clocks (the core shifts one bit a clock, so a nibble table's extra shifts
 * and lookups would take about twice that). */
static uint32_t crc_tab[256];
static uint32_t tx_crc;
static void crc_init(void) {
  for (uint32_t i = 0; i < 256; i++) {
    uint32_t c = i;
    for (int k = 0; k < 8; k++) c = (c >> 1) ^ ((c & 1) ? SW_CRC32_POLY : 0);
    crc_tab[i] = c;
  }
}
static void tx(uint32_t v) {
  while (IO(SW_IO_TX) & 1) {
  }
  IO(SW_IO_TX) = v;
}
static void tx8(uint32_t b) {
  b &= 0xff;
  tx_crc = crc_tab[(tx_crc ^ b) & 0xff] ^ (tx_crc >> 8);
  tx(b);
}
static void tx16(uint32_t v) { tx8(v); tx8(v >> 8); }
static void tx32(uint32_t v) { tx16(v); tx16(v >> 16); }
static void tx64(uint32_t lo) { tx32(lo); tx32(0); } /* the board counts 32 bits */
static void txz(uint32_t n) { while (n--) tx8(0); }
static uint32_t tx_frame;
static void tx_begin(uint16_t seq, uint8_t op, uint32_t len) {
  tx_crc = 0xffffffffu;
  tx8(SW_PROTOCOL_VERSION);
  tx16(seq);
  tx8(op);
  tx32(len);
  tx_frame = HDR + len + CRCB;
}
/* the CRC field (little-endian, escaped like any frame byte), then END */
static void tx_end(void) {
  tx32(~tx_crc);
  tx(SW_IO_TX_END);
  wire_out += tx_frame;
}

static void nak(uint16_t seq, uint8_t op, uint8_t code, uint16_t exp) {
  tx_begin(seq, SW_NAK, SW_NAK_BYTES);
  tx8(op);
  tx8(code);
  tx16(exp);
  txz(SW_NAK_BYTES - 4); /* the message: an empty string */
  tx_end();
}

/* READ_WEIGHTS' words stream out of the engine's host port while the response is sent */
void weights_stream(uint32_t j, uint32_t offset, uint32_t count, void (*put)(uint32_t));

static void respond(uint16_t seq, const result_t *r) {
  if (r->code) {
    nak(seq, r->op, r->code, (uint16_t)(seq + 1));
    return;
  }
  uint8_t op = SW_RESPONSE_FLAG | r->op;
  switch (r->op) {
    case SW_OP_IDENTIFY:
      tx_begin(seq, op, SW_IDENT_BYTES);
      for (uint32_t i = 0; i < SW_IDENT_BYTES; i++) tx8(ident[i]);
      break;
    case SW_OP_STATUS: {
      uint8_t s[SW_STATUS_BYTES] = {0};
      s[SW_STATUS_AT_CONFIGURED] = B.configured;
      s[SW_STATUS_AT_SEEDED] = B.seeded;
      for (int k = 0; k < 4; k++) {
        s[SW_STATUS_AT_BUFFERED_SAMPLES + k] = B.nbuf >> (8 * k);
        s[SW_STATUS_AT_BUFFERED_BYTES + k] = B.bytes >> (8 * k);
        s[SW_STATUS_AT_ROUNDING_STATE + k] = B.rseed >> (8 * k);
        s[SW_STATUS_AT_BOOT_COUNT + k] = (uint32_t)SW_BOOT_COUNT >> (8 * k);
      }
      tx_begin(seq, op, SW_STATUS_BYTES);
      for (int i = 0; i < SW_STATUS_BYTES; i++) tx8(s[i]);
      break;
    }
    case SW_OP_READ_COUNTERS: {
      uint32_t L = B.configured ? B.L : 0;
      uint32_t in = wire_in; /* now: a frame received while this one is sent counts in the next */
      tx_begin(seq, op, SW_COUNTERS_BYTES_UNCONFIGURED + L * SW_COUNTERS_JUNCTION_BYTES);
      /* the fields in wire order (spec.h offsets): every one a u64 */
      for (uint32_t at = 0; at < SW_COUNTERS_AT_JUNCTIONS; at += 8) {
        uint32_t v = at == SW_COUNTERS_AT_CLOCKS ? B.clocks
          : at == SW_COUNTERS_AT_JUNCTION_CYCLES ? B.jcycles
          : at == SW_COUNTERS_AT_SAMPLES_TRAINED ? B.trained
          : at == SW_COUNTERS_AT_SAMPLES_INFERRED ? B.inferred
          : at == SW_COUNTERS_AT_WIRE_BYTES_IN ? in
          : at == SW_COUNTERS_AT_WIRE_BYTES_OUT ? wire_out : 0;
        tx64(v);
      }
      tx8(L);
      txz(L * SW_COUNTERS_JUNCTION_BYTES); /* each junction's entry: all 0, no lanes (SPEC.md section 7) */
      break;
    }
    case SW_OP_STREAM_SAMPLES:
      tx_begin(seq, op, SW_STREAM_RESPONSE_BYTES);
      tx32(r->r[0]);
      break;
    case SW_OP_TRAIN:
    case SW_OP_INFER: {
      uint32_t n = r->op == SW_OP_INFER ? r->r[0] : 0;
      tx_begin(seq, op, SW_RUN_RESULT_BYTES + n);
      tx32(r->r[0]);
      tx32(r->r[1]);
      tx64(r->r[2]);
      tx64(r->r[3]);
      for (uint32_t i = 0; i < n; i++) tx8(preds[i]);
      break;
    }
    case SW_OP_READ_WEIGHTS:
      tx_begin(seq, op, 2 * r->r[2]);
      weights_stream(r->r[0], r->r[1], r->r[2], tx16);
      break;
    default: /* RESET, CONFIGURE, LOAD_SEEDS, WRITE_WEIGHTS, CLEAR_COUNTERS: no payload */
      tx_begin(seq, op, 0);
      break;
  }
  tx_end();
}

/* ---- receive ----------------------------------------------------------------------------------- */
/* The next candidate that is a frame (CRC and length hold): its header, the payload in pl (the first
 * FB_BYTES of it), its CRC field. */
static uint8_t h[HDR];
static uint32_t rx_crc;
static void rx_frame(void) {
  for (;;) {
    uint32_t n = 0;
    uint8_t bad = 0;
    IO(SW_IO_LED) = 0; /* idle: the hardware keeps `busy` from a frame's END until this write */
    for (;;) {
      uint32_t v = IO(SW_IO_RX);
      if ((int32_t)v < 0) continue; /* nothing yet */
      if (v & 0x100) {              /* END: bit 0 the CRC held, bit 1 the candidate was spoilt */
        if (n == 0) {
          IO(SW_IO_LED) = 0; /* an empty candidate (END END): nothing to decide */
          continue;
        }
        wire_in += n;
        if ((v & 3) != 1) bad = 1;
        break;
      }
      /* this loop must keep up with the line (SW_UART_DIV * 10 clocks a byte): no shifts here, the
       * core shifts one bit a clock */
      if (n < HDR) h[n] = v;
      else if (n - HDR < FB_BYTES + CRCB) pl[n - HDR] = v;
      n++;
    }
    if (bad || n < HDR + CRCB) continue;
    pl_len = rd32(h + 4);
    if (pl_len != n - HDR - CRCB) continue;
    /* the frame's CRC field (the replay cache's tag); a frame longer than the buffer (a request that
     * is refused by its size) is tagged with what the buffer kept */
    rx_crc = rd32(pl + (pl_len <= FB_BYTES ? pl_len : FB_BYTES));
    return;
  }
}

/* the checks that come before a request runs (sw_proto.v run_code): schema lengths, bulk size */
static uint8_t precheck(uint8_t op) {
  uint32_t len = pl_len;
  if (len > SW_BULK_PAYLOAD && (op == SW_OP_WRITE_WEIGHTS || (op == SW_OP_STREAM_SAMPLES && (len < 3 || rd16(pl + 1) != 1)))) return SW_ERR_BAD_PAYLOAD;
  switch (op) {
    case SW_OP_IDENTIFY: case SW_OP_TRAIN: case SW_OP_INFER: return len == 4 ? 0 : SW_ERR_BAD_PAYLOAD;
    case SW_OP_RESET: case SW_OP_STATUS: case SW_OP_READ_COUNTERS: case SW_OP_CLEAR_COUNTERS: return len == 0 ? 0 : SW_ERR_BAD_PAYLOAD;
    case SW_OP_READ_WEIGHTS: return len == 9 ? 0 : SW_ERR_BAD_PAYLOAD;
    case SW_OP_WRITE_WEIGHTS: return len >= 5 ? 0 : SW_ERR_BAD_PAYLOAD;
    case SW_OP_STREAM_SAMPLES: return len >= 3 && pl[0] < SW_SAMPLE_ENCODINGS ? 0 : SW_ERR_BAD_PAYLOAD;
    case SW_OP_LOAD_SEEDS: {
      /* list u32, list u32, u32, u32 */
      if (len < 1) return SW_ERR_BAD_PAYLOAD;
      uint32_t b_at = 1 + 4 * (uint32_t)pl[0];
      if (len <= b_at) return SW_ERR_BAD_PAYLOAD;
      return len == 10 + 4 * (uint32_t)pl[0] + 4 * (uint32_t)pl[b_at] ? 0 : SW_ERR_BAD_PAYLOAD;
    }
    /* exec.c walks it; one longer than the frame buffer keeps has explicit start vectors (the RTL
     * draws them from the seed), as on the RTL endpoint */
    case SW_OP_CONFIGURE: return len > FB_BYTES ? SW_ERR_BAD_DESCRIPTOR : 0;
    default: return SW_ERR_BAD_OPCODE;
  }
}

int main(void) {
  crc_init();
  board_reset();
  for (;;) {
    rx_frame();
    uint8_t ver = h[0], op = h[3];
    uint16_t seq = rd16(h + 1);
    if (op == SW_NAK) continue; /* not a request: never answered */
    entry_t *e = &cache[seq % SW_REPLAY_CACHE];
    if (e->valid && e->seq == seq && e->crc == rx_crc) {
      respond(seq, &e->res);
      continue;
    }
    if (ver != SW_PROTOCOL_VERSION) {
      nak(seq, op, SW_LINK_ERR_BAD_VERSION, expected);
      continue;
    }
    if (op == SW_OP_IDENTIFY) {
      expected = seq;
      for (int i = 0; i < SW_REPLAY_CACHE; i++) cache[i].valid = 0;
      session = 1;
    }
    if (!session || seq != expected) {
      uint16_t ahead = (uint16_t)(seq - expected);
      nak(seq, op, !session || ahead < SW_SEQ_MODULO / 2 ? SW_LINK_ERR_OUT_OF_ORDER : SW_LINK_ERR_STALE_SEQ, expected);
      continue;
    }
    IO(SW_IO_LED) = 1;
    result_t res = {.op = op};
    res.code = precheck(op);
    if (res.code == 0) {
      switch (op) {
        case SW_OP_IDENTIFY: case SW_OP_STATUS: case SW_OP_READ_COUNTERS: break;
        case SW_OP_RESET:
          board_reset();
          wire_in = wire_out = 0;
          break;
        case SW_OP_CLEAR_COUNTERS:
          /* the device clears only when configured (its counters are empty otherwise) */
          if (B.configured) {
            counters_clear();
            wire_in = wire_out = 0;
          }
          break;
        default:
          exec_run(&res);
          if (op == SW_OP_CONFIGURE && res.code == 0) wire_in = wire_out = 0; /* fresh counters */
      }
    }
    e->valid = 1;
    e->seq = seq;
    e->crc = rx_crc;
    e->res = res;
    expected = seq + 1;
    respond(seq, &res);
  }
}
