// A module of its own because both protocol.ts and capability.ts (which protocol.ts imports) need it.

/**
 * The smallest bulk frame payload, bytes, and the one every device accepts: a device declares its own
 * bulk payload (capability.bulkPayload, at least this) and the host splits bulk data (WRITE_WEIGHTS,
 * READ_WEIGHTS, STREAM_SAMPLES, READ_MASK, WRITE_MASK chunks) into frames of min(that, its own
 * choice). One device profile thus puts the same frames, and the same wire bytes, on every transport.
 * The device enforces its size (NAK bad_payload): a bulk request, or the response a READ asks for,
 * carries at most capability.bulkPayload payload bytes; the one exception is a STREAM_SAMPLES of a
 * single sample, which may carry up to MAX_PAYLOAD (a sample cannot be split). 1 KB: a board keeps a
 * frame's payload until its CRC checks, and a lost frame on a lossy UART costs 1 KB to resend.
 */
export const BULK_PAYLOAD = 1024;
