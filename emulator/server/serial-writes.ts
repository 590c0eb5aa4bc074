import type { EventEmitter } from 'node:events';
import type { SerialPort } from 'serialport';

/** a write queue standing still this long (ms) is retried */
export const WRITE_STALL_MS = 300;

/**
 * npm serialport's unix binding writes without blocking; on EAGAIN it waits for its poller's
 * 'writable' event and writes again. On a pty that wakeup is sometimes lost: the write queue then
 * stands still with the other end idle (seen on the host's end in about one run in five of 2,000
 * samples to `emulator serve --pty`: 70 KB queued grew to 575 KB over 17 s while the server received
 * nothing). So a queue that has not moved for WRITE_STALL_MS is retried: the binding writes again, and
 * if the port really is full it gets EAGAIN and waits as before, so a retry costs one system call. A
 * real UART's queue moves within a few ms at any baud rate this tool uses (the kernel takes bytes as
 * the line drains). Used by both ends: the host's serial transport and the emulator's serial server.
 * Returns the function that stops watching.
 */
export function retryStalledWrites(port: SerialPort, onRetry: () => void = () => {}): () => void {
  let lastLength = 0;
  let stillSince = performance.now();
  const timer = setInterval(() => {
    const queued = port.writableLength;
    const now = performance.now();
    if (queued === 0 || queued !== lastLength) {
      lastLength = queued;
      stillSince = now;
      return;
    }
    if (now - stillSince < WRITE_STALL_MS) return;
    stillSince = now;
    const poller = (port.port as { poller?: EventEmitter } | undefined)?.poller;
    if (!poller) return;
    onRetry();
    poller.emit('writable', null);
  }, WRITE_STALL_MS / 3);
  timer.unref();
  return () => clearInterval(timer);
}
