export { train, DEFAULT_RESET_RETRIES, evaluate, weightsSha256, TrainError, type TrainOptions, type TrainReport, type TrainProgress, type EpochReport } from './trainer.ts';
export { epochOrder } from './order.ts';
export { readCheckpoint, writeCheckpoint, CheckpointError, type Checkpoint } from './checkpoint.ts';
