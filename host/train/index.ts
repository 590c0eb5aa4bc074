export { train, DEFAULT_RESET_RETRIES, evaluate, inferAll, evaluationChunk, weightsSha256, TrainError, type TrainOptions, type TrainReport, type TrainProgress, type EpochReport } from './trainer.ts';
export { epochOrder } from './order.ts';
export { readCheckpoint, writeCheckpoint, hasCheckpoint, describeCheckpoint, CheckpointError, type Checkpoint } from './checkpoint.ts';
