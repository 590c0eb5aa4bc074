export { saveModel, loadModel, hasModel, MODEL_FILE, MODEL_FORMAT, type SavedModel } from './model.ts';
export { evaluateModel, type EvaluateOptions, type EvaluateReport } from './evaluate.ts';
export { exportModel, exportTfjs, exportMtx, EXPORT_FORMATS, type ExportFormat } from './export.ts';
export { ModelError, type ModelErrorCode } from './errors.ts';
