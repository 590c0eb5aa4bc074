/**
 * The framed protocol in RTL (sw_proto: `seedwire cosim --rtl-endpoint`), co-simulated: bad input to the board is
 * answered exactly as the emulator's endpoint answers it, and the board keeps working after each case
 * (the cases: protocol-suite.ts).
 */
import { protocolSuite } from './protocol-suite.ts';

protocolSuite({ name: 'RTL protocol endpoint', cpu: false });
