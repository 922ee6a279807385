import { constants } from 'node:os';
import { nearestName } from './nearest-name.js';
import { UsageError } from './usage-error.js';

/**
 * A signal by name, as `kill -l` spells it with or without `SIG`, any case: `TERM`, `sigint`,
 * `SIGUSR1`.
 *
 * @throws {@link UsageError} naming `flag` for anything else.
 */
export function parseSignal(name: string, flag: string): NodeJS.Signals {
  const upper = name.toUpperCase();
  const full = upper.startsWith('SIG') ? upper : `SIG${upper}`;
  if (Object.hasOwn(constants.signals, full)) return full as NodeJS.Signals;
  const near = nearestName(full, Object.keys(constants.signals));
  throw new UsageError(`${flag} ${name}: not a signal${near === undefined ? '' : `; did you mean ${near}?`}`);
}

/** The number of a signal (15 for SIGTERM), for the shell's 128 + n exit status. */
export function signalNumber(signal: NodeJS.Signals): number {
  return constants.signals[signal];
}
