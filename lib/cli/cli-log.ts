import type { Logger } from '../index.js';
import type { CommandLog } from './command-process.js';

/** Where `run` speaks: stderr only, since stdout belongs to the command. */
export interface CliLog extends CommandLog {
  /** Always printed: what made `run` fail. */
  error(message: string): void;
  /** For the election's own logger: its errors always, its warnings with `--verbose` (its info repeats what `run` says). */
  readonly election: Logger;
}

/**
 * Quiet by default (errors and warnings only); `verbose` adds one line per change of state, each
 * with an ISO 8601 timestamp.
 */
export function cliLog(verbose: boolean, write: (text: string) => void = (text) => process.stderr.write(text)): CliLog {
  const line = (message: string) => write(`rx-k8s-leader: ${verbose ? `${new Date().toISOString()} ` : ''}${message}\n`);
  const state = verbose ? line : () => {};
  return {
    state,
    warn: line,
    error: line,
    election: { warn: state, error: line },
  };
}
