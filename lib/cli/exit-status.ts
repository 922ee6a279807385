import { signalNumber } from './stop-signal.js';

/** How a process ended: its exit code, or the signal that killed it. */
export interface ExitStatus {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** The shell's exit status for it: the code, or 128 + the signal's number (143 for SIGTERM). */
export function exitCodeOf({ code, signal }: ExitStatus): number {
  if (code !== null) return code;
  return signal === null ? 1 : 128 + signalNumber(signal);
}

/** `exit code 3`, `killed by SIGKILL`. */
export function describeExit({ code, signal }: ExitStatus): string {
  return signal === null ? `exit code ${code}` : `killed by ${signal}`;
}
