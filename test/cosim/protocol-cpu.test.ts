/**
 * The same cases against the top with the control plane as firmware on the soft CPU (sw_ctrl,
 * SW_CPU_PORT; the board's top, `seedwire cosim`), in a file of its own (protocol-suite.ts says why).
 */
import { protocolSuite } from './protocol-suite.ts';

protocolSuite({ name: 'soft-CPU control plane (SW_CPU_PORT)', cpu: true });
