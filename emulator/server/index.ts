/** The emulator as a standalone device server: pty, tty or XDMA-like FIFOs. */
export { servePty, serveSerial, serveXdma, ServerError, type RunningServer, type ServeOptions } from './serve.ts';
