/**
 * The order training samples are fed in each epoch. It is part of the contract a second host follows
 * to reproduce a run (SPEC.md section 13), so it lives in firmware-spec; the trainer uses it from here.
 */
export { epochOrder } from '../../firmware-spec/sample-order.ts';
