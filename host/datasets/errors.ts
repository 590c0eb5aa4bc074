/**
 * Errors raised by the dataset layer. Each carries a stable `code` so callers (CLI, trainer, tests)
 * can branch on it without parsing messages; the message says what went wrong and where.
 */
export type DatasetErrorCode =
  /** a directory or file the loader needs is absent (message names the path) */
  | 'dataset_missing'
  /** an IDX file is malformed: bad magic, wrong dtype or dims, truncated, or not valid gzip */
  | 'idx_header'
  /** an image file and its label file disagree on the sample count (message gives both) */
  | 'count_mismatch'
  /** the network's input layer size differs from the dataset's pixels per image (message gives both) */
  | 'shape_mismatch'
  /** a dataset spec string is not one of the accepted forms */
  | 'bad_spec'
  /** a wire encoding of samples is malformed, or a value cannot be encoded */
  | 'bad_encoding';

export class DatasetError extends Error {
  readonly code: DatasetErrorCode;

  constructor(code: DatasetErrorCode, message: string) {
    super(message);
    this.name = 'DatasetError';
    this.code = code;
  }
}
