/** One problem in a config: where (a dotted path into the config) and what. */
export interface ConfigProblem {
  path: string;
  message: string;
}

/** A config that cannot be used. `problems` lists every problem found, each with its path. */
export class ConfigError extends Error {
  readonly code = 'config_invalid';
  readonly problems: ConfigProblem[];
  constructor(problems: ConfigProblem[]) {
    super(problems.map((p) => `${p.path}: ${p.message}`).join('\n'));
    this.name = 'ConfigError';
    this.problems = problems;
  }
}
