export { plan, planFor, chooseLanes, TRAINING_DEFAULTS, type Plan, type JunctionPlan, type ResolvedConfig } from './partition.ts';
