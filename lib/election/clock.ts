import type { SchedulerLike } from 'rxjs';

/** Two readings of time: monotonic for judging expiry, wall for the MicroTimes written to the Lease. */
export interface Clock {
  monotonic(): number;
  wall(): number;
}

/** Virtual time when a scheduler is given (tests), else the process's monotonic and wall clocks. */
export function clockFor(scheduler: SchedulerLike | undefined): Clock {
  if (scheduler) return { monotonic: () => scheduler.now(), wall: () => scheduler.now() };
  return { monotonic: () => performance.now(), wall: () => Date.now() };
}
