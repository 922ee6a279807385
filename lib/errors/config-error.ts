/** One thing wrong with a configuration: where, why, and what was given. */
export interface ConfigProblem {
  /** The key as the user wrote it (`lease_name` or `leaseName`), or `(config)` for the whole input. */
  readonly path: string;
  /** What is wrong, and what would be accepted. */
  readonly reason: string;
  /** The value given (undefined when the key is missing). */
  readonly value: unknown;
}

/**
 * Thrown (or returned in a `Left`) when a configuration is invalid. Its message lists every
 * problem, one per line, as `path: reason (got value)`.
 */
export class ConfigError extends Error {
  /** Always `'ConfigError'`. */
  override readonly name = 'ConfigError';
  /** Every problem found, in the order of the keys; never empty. */
  readonly problems: readonly ConfigProblem[];

  constructor(problems: readonly ConfigProblem[]) {
    super(`invalid leader election config:\n${problems.map(formatProblem).join('\n')}`);
    this.problems = problems;
  }
}

export function formatProblem({ path, reason, value }: ConfigProblem): string {
  return `  ${path}: ${reason} (got ${describeValue(value)})`;
}

function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : typeof value;
}
