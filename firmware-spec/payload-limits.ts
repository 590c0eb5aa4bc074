// Payload limits in a module of their own: protocol.ts and capability.ts (which protocol.ts imports)
// both need them.

/**
 * Largest payload, bytes. Bounds the device's receive buffer and lets one INFER response carry the
 * predictions of up to MAX_PAYLOAD - 24 samples (a whole 10,000-image test set).
 */
export const MAX_PAYLOAD = 16_384;

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
