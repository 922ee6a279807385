/** Which help text a usage error points to. */
export type HelpTopic = 'program' | 'run' | 'status';

/**
 * A command line or configuration the program cannot run with: printed without a stack, with a
 * pointer to `--help`, and the process exits with {@link usageExitCode} before contending.
 */
export class UsageError extends Error {
  /** Always `'UsageError'`. */
  override readonly name = 'UsageError';

  constructor(message: string, readonly topic: HelpTopic = 'run') {
    super(message);
  }
}

/** The exit status of a usage error, as for most Unix tools. */
export const usageExitCode = 2;
