/** Stable codes for what a profiling session refuses. */
export type ProfileErrorCode = 'bad_energy_table' | 'bad_link_rate' | 'bad_option' | 'unwritable_output';

/** A profiling input that cannot be used. The message is one line, naming the path or option. */
export class ProfileError extends Error {
  readonly code: ProfileErrorCode;
  constructor(code: ProfileErrorCode, message: string) {
    super(message);
    this.name = 'ProfileError';
    this.code = code;
  }
}
