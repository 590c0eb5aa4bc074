/** seedwire: the library API. What the CLI does is importable from here. */
export { openDevice } from './device/open.ts';
export type { DeviceClient, LinkStats } from './device/client-types.ts';
export { train, evaluate, weightsSha256, TrainError, type TrainOptions, type TrainReport } from './train/index.ts';
export { inspect, type InspectReport } from './inspect/index.ts';
export { saveModel, loadModel, evaluateModel, exportModel, ModelError, type SavedModel, type EvaluateReport, type ExportFormat } from './model/index.ts';
export { plan, type Plan, type ResolvedConfig } from './partition/index.ts';
export { ConfigError, loadPreset, loadConfigFile, parseConfig, PRESETS, type NetworkConfig } from './config/index.ts';
export { loadDatasetSpec, loadMnist, loadIdxDir, DatasetError, type Dataset } from './datasets/index.ts';
export { runSweep, startWorker, expandSweep, loadSweepFile, QueueError, type SweepReport, type RunResult, type RunSpec } from './sweep/index.ts';
