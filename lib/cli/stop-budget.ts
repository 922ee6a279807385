import { formatDuration } from '../index.js';

/**
 * How long the command may take to die once this replica stops leading, before another replica
 * may lead. A leader that cannot renew steps down at renew_deadline after its last successful
 * renewal was sent; no other replica takes over before lease_duration after it observed that
 * renewal, which is later still. Between the two lies `window`; `margin` of it is kept for what
 * the signal and the kill need besides the wait (this process's timers firing late, the kernel
 * delivering SIGKILL, the exit being reaped): 1 s, or half the window when that is shorter.
 */
export interface StopBudget {
  /** lease_duration − renew_deadline, in milliseconds. */
  readonly window: number;
  /** The part of the window kept back. */
  readonly margin: number;
  /** The longest kill-after that fits: `window − margin`; also the default. */
  readonly longestKillAfter: number;
}

/** The stop budget of an election's timings (whole milliseconds). */
export function stopBudget(leaseDuration: number, renewDeadline: number): StopBudget {
  const window = leaseDuration - renewDeadline;
  const margin = Math.min(1_000, Math.floor(window / 2));
  return { window, margin, longestKillAfter: window - margin };
}

/** Where the timings were given, to name them in a message: `--lease-duration 4s`, say. */
export interface TimingNames {
  readonly leaseDuration: string;
  readonly renewDeadline: string;
}

/** Why `killAfter` does not fit the budget, or undefined when it does. */
export function killAfterMisfit(killAfter: number, leaseDuration: number, renewDeadline: number, names: TimingNames): string | undefined {
  const budget = stopBudget(leaseDuration, renewDeadline);
  if (killAfter <= budget.longestKillAfter) return undefined;
  return `--kill-after ${formatDuration(killAfter)} does not fit: a leader that cannot renew steps down at ${names.renewDeadline}, `
    + `and another replica may lead from ${names.leaseDuration} after the same renewal, so the command has ${formatDuration(budget.window)} to die, `
    + `${formatDuration(budget.margin)} of which is kept for the kill to land; --kill-after must be at most ${formatDuration(budget.longestKillAfter)}. `
    + 'Shorten --kill-after, lengthen --lease-duration or shorten --renew-deadline, '
    + 'or pass --allow-overlap to accept that the command may still run when another replica\'s starts';
}
