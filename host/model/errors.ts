/**
 * Errors reading, writing, evaluating or exporting a saved model; `code` is stable:
 *   model_missing   no model.json in the directory (or it cannot be read)
 *   model_corrupt   not JSON, too large, wrong fields or types, lengths that do not match its config
 *   model_checksum  the content does not match its sha256 (edited or damaged)
 *   model_format    written by another version of the model format
 *   model_mismatch  the model does not fit the device or data set it is used with
 *   model_exists    --save into a directory that already holds a model (without --force)
 */
export type ModelErrorCode = 'model_missing' | 'model_corrupt' | 'model_checksum' | 'model_format' | 'model_mismatch' | 'model_exists';

export class ModelError extends Error {
  readonly code: ModelErrorCode;
  constructor(code: ModelErrorCode, message: string) {
    super(message);
    this.name = 'ModelError';
    this.code = code;
  }
}
