import { ESSOP } from '../../firmware-spec/essop.ts';
import type { NetworkConfig } from './schema.ts';

/**
 * Built-in networks. The MNIST ones are the poster's "CL only" rows (seed 002): 784-112-10 with
 * junction fan-outs (42, 10) at 38.3% overall density, and (2, 10) at 3.02%.
 */
export const PRESETS: Record<string, NetworkConfig> = {
  'mnist-fc': { name: 'mnist-fc', layers: [784, 112, 10], junctions: [{ fo: 112 }, { fo: 10 }], sparsity: { kind: 'dense' } },
  'mnist-sparse-38': { name: 'mnist-sparse-38', layers: [784, 112, 10], junctions: [{ fo: 42 }, { fo: 10 }] },
  'mnist-sparse-3': { name: 'mnist-sparse-3', layers: [784, 112, 10], junctions: [{ fo: 2 }, { fo: 10 }] },
  'mnist-lfsr-38': { name: 'mnist-lfsr-38', layers: [784, 112, 10], junctions: [{ fo: 42, sparsity: { kind: 'lfsr' } }, { fo: 10 }] },
  // feedbackShift 3 (error / 8 into each hidden neuron) measured best of 0..4 on MNIST: test
  // accuracy 0.74, 0.84, 0.87, 0.89, 0.89 after 2 epochs
  'mnist-dfa-38': { name: 'mnist-dfa-38', layers: [784, 112, 10], junctions: [{ fo: 42 }, { fo: 10 }], feedback: 'dfa', feedbackShift: 3 },
  'mnist-dropback-10': {
    name: 'mnist-dropback-10',
    layers: [784, 112, 10],
    junctions: [{ fo: 112 }, { fo: 10 }],
    sparsity: { kind: 'dropback', keep: 0.1 },
  },
  // mnist-sparse-38 with the ESSOP stochastic outer product as its weight update (firmware-spec/essop.ts)
  'mnist-essop-38': { name: 'mnist-essop-38', layers: [784, 112, 10], junctions: [{ fo: 42 }, { fo: 10 }], update: { mode: 'essop', streamLength: ESSOP.streamLength.default } },
  tiny: { name: 'tiny', layers: [16, 8, 4], junctions: [{ fo: 4, z: 4 }, { fo: 4, z: 2 }], chunk: 8 },
};

/** What each built-in network is for, one line each (`seedwire presets`). */
export const PRESET_PURPOSES: Record<string, string> = {
  'mnist-fc': 'fully connected MNIST baseline: the accuracy and cost the sparse ones are measured against',
  'mnist-sparse-38': 'clash-free sparse MNIST at 38% density: the default, near fully connected accuracy with fewer weights',
  'mnist-sparse-3': 'clash-free sparse MNIST at 3% density: how far sparsity can go',
  'mnist-lfsr-38': 'LFSR-pruned (random, not clash-free) MNIST at 38%: shows the stalls clash-freedom avoids',
  'mnist-dfa-38': 'sparse MNIST trained with direct feedback alignment instead of backprop',
  'mnist-dropback-10': 'DropBack: trains all weights but tracks the 10% that moved most',
  'mnist-essop-38': 'mnist-sparse-38 with the ESSOP update (stochastic-computing outer product): accuracy against the exact multiply',
  tiny: 'test-only network (16 inputs, 4 classes) for fast unit tests and golden traces; trains on --dataset mnist-4x4 (digits 0-3 pooled to 4x4)',
};

export function presetNames(): string[] {
  return Object.keys(PRESETS);
}
