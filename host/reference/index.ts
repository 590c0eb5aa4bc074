/** The float32 reference trainer (TensorFlow.js): the device's masked topology and SGD, without fixed point. */
export { selectTfBackend, type Tf, type TfBackend, type TfBackendName } from './backend.ts';
export { MaskedNet, type ReferenceJunction } from './network.ts';
export { randomMaskedJunction } from './random.ts';
export { trainFloatReference, type ReferenceEpoch, type ReferenceResult, type ReferenceTrainOptions } from './train.ts';
